<#
.SYNOPSIS
    Runs the Pester suite against a built module and writes a JSON summary for build.ps1.
#>
param(
    [Parameter(Mandatory)] [string] $ModulePath,
    [Parameter(Mandatory)] [string] $SummaryPath,
    [Parameter(Mandatory)] [string] $ResultsDirectory,
    [string] $Filter,
    # Runs the cmdlet suites against this build of the module (the psm1 honours GOLEMIMAGE_FRAMEWORK). The suites
    # that check both builds themselves (Module, CompressorFrameworkParity) are left out of such a run.
    [ValidateSet('', 'net8.0', 'netstandard2.0')] [string] $Framework = '',
    # Runs only what needs nothing but .NET: leaves out every Describe, Context or It tagged with another
    # requirement of tests/Unit/Requires.cs (LinuxTools, SquashfsTools, Root, Dockerd, ...).
    [switch] $Portable
)
$ErrorActionPreference = 'Stop'
# Plain text everywhere: escape codes would end up in the NUnit XML (invalid characters) and in CI logs.
# ($PSStyle exists from PowerShell 7.2 on; Windows PowerShell 5.1 writes no escape codes anyway.)
if (Get-Variable PSStyle -ErrorAction Ignore) { (Get-Variable PSStyle -ValueOnly).OutputRendering = 'PlainText' }
$env:NO_COLOR = '1'

$globalPackages = ((& dotnet nuget locals global-packages -l) -replace '^global-packages:\s*', '').Trim()
$pester = Join-Path $globalPackages 'pester/5.7.1/tools/Pester.psd1'
if (-not (Test-Path $pester)) { throw "Pester 5.7.1 not found at $pester; run 'dotnet restore tests/Tools'." }
Import-Module $pester -Force

$env:GOLEMIMAGE_MODULE = (Resolve-Path $ModulePath).Path
$env:GOLEMIMAGE_TESTRESULTS = $ResultsDirectory

$files = Get-ChildItem $PSScriptRoot -Filter '*.Tests.ps1' | Sort-Object Name
if ($Filter) { $files = $files | Where-Object Name -Match $Filter }
if ($Framework) {
    $env:GOLEMIMAGE_FRAMEWORK = $Framework
    $files = $files | Where-Object Name -Match '^((ConvertTo|Find|Get|Publish|Save|Test)-GolemImage|New-GolemManifest)'
    # The run is only worth its time if the suites really get that build.
    Import-Module $env:GOLEMIMAGE_MODULE -Force
    $loaded = [GolemImage.Cmdlets.Infrastructure.GolemCmdlet].Assembly.Location
    $separator = [IO.Path]::DirectorySeparatorChar
    if ($loaded -notlike "*$separator$Framework$($separator)GolemImage.Cmdlets.dll") { throw "Asked for the $Framework build, but the module loaded $loaded." }
    Write-Host "Module build under test: $loaded"
}
if (-not $files) {
    [pscustomobject]@{ Passed = 0; Failed = 0; Skipped = 0 } | ConvertTo-Json | Set-Content -LiteralPath $SummaryPath -Encoding utf8
    exit 0
}

$config = New-PesterConfiguration
$config.Run.Path = @($files.FullName)
$config.Run.PassThru = $true
if ($Portable) {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    $config.Filter.ExcludeTag = @(Get-TestRequirement | Where-Object { $_ -ne 'Portable' })
    Write-Host "Portable tests only: leaving out $($config.Filter.ExcludeTag.Value -join ', ')"
}
$config.Output.Verbosity = 'Detailed'
$config.TestResult.Enabled = $true
$config.TestResult.OutputPath = Join-Path $ResultsDirectory 'pester.xml'
try {
    $result = Invoke-Pester -Configuration $config
} catch {
    # A reporting failure must not hide the counts; it is still a failure.
    Write-Warning "Invoke-Pester failed: $_"
    $result = $null
}
if (-not $result) {
    [pscustomobject]@{ Passed = 0; Failed = 1; Skipped = 0 } | ConvertTo-Json | Set-Content -LiteralPath $SummaryPath -Encoding utf8
    exit 0
}

[pscustomobject]@{
    Passed  = $result.PassedCount
    Failed  = $result.FailedCount + $result.FailedBlocksCount + $result.FailedContainersCount
    Skipped = $result.SkippedCount + $result.NotRunCount
} | ConvertTo-Json | Set-Content -LiteralPath $SummaryPath -Encoding utf8
exit 0
