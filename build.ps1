#requires -Version 7.4
<#
.SYNOPSIS
    Builds, tests, packages, demonstrates and benchmarks GolemImage.
.DESCRIPTION
    Build    publishes the engine and the cmdlets for netstandard2.0 and net8.0 into out/GolemImage.
    Test     Build, installs the system packages the tests need (Linux, as root), runs xunit and Pester (the
             cmdlet suites a second time on the netstandard2.0 build, which Windows PowerShell loads), and ends
             with one line "N passed, N failed[, N skipped]"; exits non-zero on any failure.
    Package  Build, then writes out/repo/GolemImage.<version>.nupkg (PowerShell Gallery layout).
    Demo     Build, then converts a small sample image archive (made locally, no daemon, no network).
    Bench    Build, then runs the benchmarks under bench/ and prints ratios against the reference tools.
    Fuzz     Coverage-guided fuzzing (Linux): builds tests/Fuzz, instruments GolemImage.dll with SharpFuzz, installs
             afl++ when missing (as root), generates each target's seeds from the test builders and runs afl-fuzz on
             one target after another (-FuzzTarget to pick one, -Minutes each). Findings stay in out/fuzz/<Target>;
             every crash and hang is replayed uninstrumented and printed. Not part of Test.
.EXAMPLE
    dotnet tool restore && dotnet pwsh ./build.ps1 -Task Test
#>
[CmdletBinding()]
param(
    [ValidateSet('Build', 'Test', 'Package', 'Demo', 'Bench', 'Fuzz')]
    [string] $Task = 'Build',

    [ValidateSet('Release', 'Debug')]
    [string] $Configuration = 'Release',

    # Runs the slow, exhaustive test cases too (large trees, every level, QEMU boots).
    [switch] $Exhaustive,

    # Runs only the Pester files whose name matches (for example 'Hash'); xunit is skipped when set.
    [string] $PesterFilter,

    # Test: runs only the tests that need nothing but .NET (xunit trait and Pester tag Requires=Portable; see
    # tests/Unit/Requires.cs); the default when not on Linux. The Windows and macOS CI legs run this.
    [switch] $Portable,

    # Runs only the benchmarks whose script name matches (for example 'Lzo').
    [string] $BenchFilter,

    # Fuzz: the targets to run (GolemImage.Fuzz list names them); all, one after another, when omitted.
    [string[]] $FuzzTarget,

    # Fuzz: minutes of afl-fuzz per target.
    [ValidateRange(1, 1440)]
    [int] $Minutes = 3
)

$ErrorActionPreference = 'Stop'
Set-StrictMode -Version Latest
$env:POWERSHELL_TELEMETRY_OPTOUT = '1'
$env:POWERSHELL_UPDATECHECK = 'Off'
$env:DOTNET_CLI_TELEMETRY_OPTOUT = '1'
$env:DOTNET_NOLOGO = '1'
$env:DOTNET_SKIP_FIRST_TIME_EXPERIENCE = '1'
if ($env:CI -or [Console]::IsOutputRedirected) { $PSStyle.OutputRendering = 'PlainText' }

$Root = $PSScriptRoot
$Out = Join-Path $Root 'out'
$ModuleOut = Join-Path $Out 'GolemImage'
$Frameworks = 'netstandard2.0', 'net8.0'

function Invoke-Native {
    param([Parameter(Mandatory)] [string] $FilePath, [string[]] $ArgumentList = @())
    & $FilePath @ArgumentList
    if ($LASTEXITCODE -ne 0) {
        throw "'$FilePath $($ArgumentList -join ' ')' failed with exit code $LASTEXITCODE."
    }
}

# A fresh PowerShell process of the same version as this one (works for the dotnet tool and an installed pwsh).
function Get-PwshCommand {
    $process = [Environment]::ProcessPath
    if ((Split-Path $process -Leaf) -match '^dotnet(\.exe)?$') {
        return @($process, (Join-Path ([AppContext]::BaseDirectory) 'pwsh.dll'))
    }
    return @($process)
}

function Merge-ModuleXml {
    # Help and format views are kept one file per cmdlet/type so that work on one cmdlet never
    # conflicts with another; the module ships them merged, as PowerShell expects.
    $help = [System.Text.StringBuilder]::new()
    [void] $help.AppendLine('<?xml version="1.0" encoding="utf-8"?>')
    [void] $help.AppendLine('<helpItems schema="maml" xmlns="http://msh">')
    foreach ($file in Get-ChildItem (Join-Path $Root 'module/help') -Filter *.xml -ErrorAction Ignore | Sort-Object Name) {
        [void] $help.AppendLine((Get-Content -Raw $file.FullName).Trim())
    }
    [void] $help.AppendLine('</helpItems>')
    $helpText = $help.ToString()
    [xml] $helpText | Out-Null   # fails the build on malformed help

    $views = [System.Text.StringBuilder]::new()
    [void] $views.AppendLine('<?xml version="1.0" encoding="utf-8"?>')
    [void] $views.AppendLine('<Configuration>')
    [void] $views.AppendLine('  <ViewDefinitions>')
    foreach ($file in Get-ChildItem (Join-Path $Root 'module/formats') -Filter *.xml -ErrorAction Ignore | Sort-Object Name) {
        [void] $views.AppendLine((Get-Content -Raw $file.FullName).Trim())
    }
    [void] $views.AppendLine('  </ViewDefinitions>')
    [void] $views.AppendLine('</Configuration>')
    $viewText = $views.ToString()
    [xml] $viewText | Out-Null

    Set-Content -LiteralPath (Join-Path $ModuleOut 'GolemImage.Format.ps1xml') -Value $viewText -Encoding utf8
    foreach ($dir in @($ModuleOut) + ($Frameworks | ForEach-Object { Join-Path $ModuleOut $_ })) {
        $culture = Join-Path $dir 'en-US'
        New-Item -ItemType Directory -Force -Path $culture | Out-Null
        Set-Content -LiteralPath (Join-Path $culture 'GolemImage.Cmdlets.dll-Help.xml') -Value $helpText -Encoding utf8
    }
}

function Invoke-Build {
    if (Test-Path $ModuleOut) { Remove-Item -Recurse -Force $ModuleOut }
    New-Item -ItemType Directory -Force -Path $ModuleOut | Out-Null
    $project = Join-Path $Root 'src/GolemImage.Cmdlets/GolemImage.Cmdlets.csproj'
    foreach ($framework in $Frameworks) {
        Write-Host "Building GolemImage for $framework" -ForegroundColor Cyan
        Invoke-Native dotnet @('publish', $project, '-c', $Configuration, '-f', $framework, '-o', (Join-Path $ModuleOut $framework), '--nologo', '-v', 'quiet', '-clp:NoSummary;ErrorsOnly')
        # pwsh supplies System.Management.Automation itself; never ship a copy.
        Get-ChildItem (Join-Path $ModuleOut $framework) -Filter 'System.Management.Automation*.dll' | Remove-Item -Force
    }
    Copy-Item (Join-Path $Root 'module/GolemImage.psd1'), (Join-Path $Root 'module/GolemImage.psm1'), (Join-Path $Root 'LICENSE') $ModuleOut
    Merge-ModuleXml
    Test-ModuleManifest -Path (Join-Path $ModuleOut 'GolemImage.psd1') | Out-Null
    Write-Host "Module ready: $(Join-Path $ModuleOut 'GolemImage.psd1')" -ForegroundColor Green
}

# What the tests need from the system, by the command (or library) that proves the package is there.
$TestPackages = [ordered]@{
    'unsquashfs'        = 'squashfs-tools'
    'sqfs2tar'          = 'squashfs-tools-ng'
    'squashfuse'        = 'squashfuse'
    'dockerd'           = 'docker.io'
    'docker-registry'   = 'docker-registry'
    'skopeo'            = 'skopeo'
    'umoci'             = 'umoci'
    'setfattr'          = 'attr'
    'setcap'            = 'libcap2-bin'
    'openssl'           = 'openssl'
    'curl'              = 'curl'
    'zstd'              = 'zstd'
    'xz'                = 'xz-utils'
    'cpio'              = 'cpio'
    'busybox'           = 'busybox-static'
    '/usr/bin/time'     = 'time'
    'liblzo2.so.2'      = 'liblzo2-2'
    'yamllint'          = 'yamllint'
    'npm'               = 'npm'
}

# The CI workflow's schema checker (tests/Unit/WorkflowTests.cs), from npm into out/tools, on any system with npm.
function Install-WorkflowValidator {
    $tools = Join-Path $Out 'tools'
    if (Test-Path (Join-Path $tools 'node_modules/.bin/action-validator')) { return }
    if (-not (Get-Command npm -CommandType Application -ErrorAction Ignore)) {
        Write-Warning 'npm is missing: the workflow schema test will be skipped.'
        return
    }
    Write-Host 'Installing @action-validator/cli into out/tools' -ForegroundColor Cyan
    & npm install --no-audit --no-fund --silent --prefix $tools '@action-validator/cli@0.6.0' '@action-validator/core@0.6.0'
    if ($LASTEXITCODE -ne 0) { Write-Warning 'npm could not install @action-validator/cli: the workflow schema test will be skipped.' }
}

function Install-TestPrerequisites {
    if (-not $IsLinux) {
        Write-Warning 'Not on Linux: the tests that need squashfs-tools, dockerd or the kernel will be skipped.'
        return
    }
    $missing = foreach ($entry in $TestPackages.GetEnumerator()) {
        $probe = $entry.Key
        $present = if ($probe -like 'lib*.so*') {
            [bool] (& ldconfig -p 2>$null | Select-String -SimpleMatch $probe)
        } elseif ($probe.StartsWith('/')) {
            Test-Path $probe
        } else {
            [bool] (Get-Command $probe -CommandType Application -ErrorAction Ignore)
        }
        if (-not $present) { $entry.Value }
    }
    $missing = @($missing | Select-Object -Unique)
    if ($missing.Count -eq 0) { return }
    $uid = (& id -u)
    if ($uid -ne '0') {
        Write-Warning "Missing packages ($($missing -join ', ')) and not root: the tests that need them will be skipped."
        return
    }
    Write-Host "Installing test prerequisites: $($missing -join ' ')" -ForegroundColor Cyan
    $env:DEBIAN_FRONTEND = 'noninteractive'
    Invoke-Native apt-get @('update', '-qq')
    Invoke-Native apt-get @(@('install', '-y', '-qq', '--no-install-recommends') + $missing)
}

function Get-TrxCounts([string] $path) {
    [xml] $trx = Get-Content -Raw $path
    $counters = $trx.TestRun.ResultSummary.Counters
    [pscustomobject]@{
        Passed  = [int] $counters.passed
        Failed  = [int] $counters.failed + [int] $counters.error + [int] $counters.timeout + [int] $counters.aborted
        # vstest counts a skipped test in total but not in executed, and not in notExecuted either.
        Skipped = [int] $counters.total - [int] $counters.executed
    }
}

# What tests may require (tests/Unit/Requires.cs, the one list; TestRequirementTests keeps this pattern in step).
function Get-TestRequirement {
    $source = Get-Content -Raw (Join-Path $Root 'tests/Unit/Requires.cs')
    [regex]::Matches($source, 'public const string (?!Key)\w+ = "(\w+)";') | ForEach-Object { $_.Groups[1].Value }
}

function Invoke-PesterRun([string] $ResultsDirectory, [string] $Framework = '') {
    New-Item -ItemType Directory -Force -Path $ResultsDirectory | Out-Null
    $summary = Join-Path $ResultsDirectory 'pester.json'
    $pwsh = Get-PwshCommand
    $pwshArgs = @($pwsh | Select-Object -Skip 1) + @('-NoProfile', '-NonInteractive', '-File', (Join-Path $Root 'tests/Pester/Invoke-PesterSuite.ps1'),
        '-ModulePath', (Join-Path $ModuleOut 'GolemImage.psd1'), '-SummaryPath', $summary, '-ResultsDirectory', $ResultsDirectory)
    if ($PesterFilter) { $pwshArgs += @('-Filter', $PesterFilter) }
    if ($Framework) { $pwshArgs += @('-Framework', $Framework) }
    if ($Portable) { $pwshArgs += '-Portable' }
    & $pwsh[0] @pwshArgs | Out-Host
    if (Test-Path $summary) {
        Get-Content -Raw $summary | ConvertFrom-Json
    } else {
        Write-Warning 'Pester produced no summary (crashed?).'
        [pscustomobject]@{ Passed = 0; Failed = 1; Skipped = 0 }
    }
}

function Invoke-Test {
    if (-not $IsLinux -and -not $Portable) {
        Write-Warning 'Not on Linux: running only the portable tests (-Portable).'
        $script:Portable = [switch] $true
    }
    Invoke-Build
    if (-not $Portable) { Install-TestPrerequisites }
    Install-WorkflowValidator
    Invoke-Native dotnet @('restore', (Join-Path $Root 'tests/Tools/Tools.csproj'), '--nologo', '-v', 'quiet')
    # The fuzz task is not part of Test, but its project must keep compiling.
    Invoke-Native dotnet @('build', (Join-Path $Root 'tests/Fuzz/GolemImage.Fuzz.csproj'), '-c', $Configuration, '--nologo', '-v', 'quiet', '-clp:NoSummary;ErrorsOnly')

    $results = Join-Path $Out 'test-results'
    if (Test-Path $results) { Remove-Item -Recurse -Force $results }
    New-Item -ItemType Directory -Force -Path $results | Out-Null
    $env:GOLEMIMAGE_EXHAUSTIVE = if ($Exhaustive) { '1' } else { '' }

    $unit = [pscustomobject]@{ Passed = 0; Failed = 0; Skipped = 0 }
    if (-not $PesterFilter) {
        Write-Host 'Running xunit tests' -ForegroundColor Cyan
        $filter = @()
        if ($Portable) {
            # A test runs unless it or its class requires something besides .NET (a class tagged Portable may
            # hold a method tagged SquashfsTools: that method is left out).
            $filter = @('--filter', ((Get-TestRequirement | Where-Object { $_ -ne 'Portable' } | ForEach-Object { "Requires!=$_" }) -join '&'))
            Write-Host "Portable tests only: $($filter[1])"
        }
        & dotnet test (Join-Path $Root 'tests/Unit/GolemImage.Tests.csproj') -c $Configuration --nologo @filter `
            --logger 'trx;LogFileName=unit.trx' --logger 'console;verbosity=normal' --results-directory $results
        $trx = Join-Path $results 'unit.trx'
        if (Test-Path $trx) {
            $unit = Get-TrxCounts $trx
        } else {
            $unit = [pscustomobject]@{ Passed = 0; Failed = 1; Skipped = 0 }
            Write-Warning 'xunit produced no results (build failure?).'
        }
        Write-Host "xunit: $($unit.Passed) passed, $($unit.Failed) failed, $($unit.Skipped) skipped"
    }

    Write-Host 'Running Pester tests in a fresh pwsh' -ForegroundColor Cyan
    $pester = Invoke-PesterRun -ResultsDirectory $results
    Write-Host "Pester: $($pester.Passed) passed, $($pester.Failed) failed, $($pester.Skipped) skipped"
    # The cmdlet suites once more on the netstandard2.0 build, the one Windows PowerShell 5.1 loads (here on .NET,
    # the closest this machine comes to it).
    Write-Host 'Running the cmdlet Pester tests on the netstandard2.0 build' -ForegroundColor Cyan
    $desktop = Invoke-PesterRun -ResultsDirectory (Join-Path $results 'netstandard2.0') -Framework 'netstandard2.0'
    Write-Host "Pester (netstandard2.0 build): $($desktop.Passed) passed, $($desktop.Failed) failed, $($desktop.Skipped) skipped"

    $passed = $unit.Passed + $pester.Passed + $desktop.Passed
    $failed = $unit.Failed + $pester.Failed + $desktop.Failed
    $skipped = $unit.Skipped + $pester.Skipped + $desktop.Skipped
    $line = "$passed passed, $failed failed"
    if ($skipped -gt 0) { $line += ", $skipped skipped" }
    Write-Host $line
    if ($failed -gt 0 -or $passed -eq 0) { exit 1 }
}

function Invoke-Package {
    Invoke-Build
    $repo = Join-Path $Out 'repo'
    if (Test-Path $repo) { Remove-Item -Recurse -Force $repo }
    $package = & (Join-Path $Root 'build/New-GolemImagePackage.ps1') -ModuleDirectory $ModuleOut -OutputDirectory $repo
    Write-Host "Package ready: $($package.FullName)" -ForegroundColor Green
    $package
}

function Invoke-Demo {
    Invoke-Build
    $pwsh = Get-PwshCommand
    $demo = Join-Path $Root 'bench/Demo.ps1'
    & $pwsh[0] @(@($pwsh | Select-Object -Skip 1) + @('-NoProfile', '-NonInteractive', '-File', $demo, '-ModulePath', (Join-Path $ModuleOut 'GolemImage.psd1'), '-WorkDirectory', (Join-Path $Out 'demo')))
    if ($LASTEXITCODE -ne 0) { throw "The demo failed with exit code $LASTEXITCODE." }
}

function Invoke-Bench {
    Invoke-Build
    Install-TestPrerequisites
    $pwsh = Get-PwshCommand
    $scripts = Get-ChildItem (Join-Path $Root 'bench') -Filter 'Bench-*.ps1' | Sort-Object Name
    if ($BenchFilter) { $scripts = $scripts | Where-Object Name -Match $BenchFilter }
    foreach ($script in $scripts) {
        Write-Host "Benchmark $($script.BaseName)" -ForegroundColor Cyan
        & $pwsh[0] @(@($pwsh | Select-Object -Skip 1) + @('-NoProfile', '-NonInteractive', '-File', $script.FullName, '-ModulePath', (Join-Path $ModuleOut 'GolemImage.psd1'), '-WorkDirectory', (Join-Path $Out 'bench')))
        if ($LASTEXITCODE -ne 0) { throw "Benchmark $($script.Name) failed with exit code $LASTEXITCODE." }
    }
}

function Invoke-Fuzz {
    if (-not $IsLinux) { throw 'The Fuzz task runs AFL++, which needs Linux.' }
    if (-not (Get-Command afl-fuzz -CommandType Application -ErrorAction Ignore)) {
        if ((& id -u) -ne '0') { throw 'afl-fuzz is missing and this is not root: install the afl++ package.' }
        Write-Host 'Installing afl++' -ForegroundColor Cyan
        $env:DEBIAN_FRONTEND = 'noninteractive'
        Invoke-Native apt-get @('update', '-qq')
        Invoke-Native apt-get @('install', '-y', '-qq', '--no-install-recommends', 'afl++')
    }

    $project = Join-Path $Root 'tests/Fuzz/GolemImage.Fuzz.csproj'
    $plain = Join-Path $Out 'fuzz/plain'
    $instrumented = Join-Path $Out 'fuzz/instrumented'
    foreach ($dir in $plain, $instrumented) { if (Test-Path $dir) { Remove-Item -Recurse -Force $dir } }
    Write-Host 'Building the fuzz targets' -ForegroundColor Cyan
    Invoke-Native dotnet @('build', $project, '-c', 'Release', '-o', $plain, '--nologo', '-v', 'quiet', '-clp:NoSummary;ErrorsOnly')
    Copy-Item -Recurse $plain $instrumented
    # The engine, and the decoder libraries whose branches the lz4 and zstd targets exist to reach.
    foreach ($assembly in 'GolemImage.dll', 'K4os.Compression.LZ4.dll', 'ZstdSharp.dll') {
        Invoke-Native dotnet @('tool', 'run', 'sharpfuzz', (Join-Path $instrumented $assembly))
    }

    $targets = @(& dotnet (Join-Path $plain 'GolemImage.Fuzz.dll') list | ForEach-Object { ($_ -split '\s+')[0] })
    if ($FuzzTarget) {
        # 'A,B' from a shell (pwsh -File passes it as one string) or A, B from PowerShell.
        $FuzzTarget = @($FuzzTarget | ForEach-Object { $_ -split ',' } | ForEach-Object { $_.Trim() } | Where-Object { $_ })
        $unknown = @($FuzzTarget | Where-Object { $targets -notcontains $_ })
        if ($unknown.Count -gt 0) { throw "Unknown fuzz target(s): $($unknown -join ', '); known: $($targets -join ', ')." }
        $targets = @($FuzzTarget)
    }

    # SharpFuzz speaks AFL's fork-server protocol from inside dotnet (no binary to check); a heap limit turns an
    # allocation driven by a claimed size into an OutOfMemoryException (a crash) instead of swapping the machine.
    $env:AFL_SKIP_BIN_CHECK = '1'
    $env:AFL_NO_UI = '1'
    $env:AFL_SKIP_CPUFREQ = '1'
    $env:AFL_AUTORESUME = '1'
    $env:AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES = '1'
    $env:DOTNET_GCHeapHardLimit = '0x40000000'
    $rows = foreach ($target in $targets) {
        $work = Join-Path $Out "fuzz/$target"
        $seeds = Join-Path $work 'seeds'
        if (Test-Path $seeds) { Remove-Item -Recurse -Force $seeds }
        Invoke-Native dotnet @((Join-Path $plain 'GolemImage.Fuzz.dll'), 'seeds', $target, $seeds) | Out-Null
        Write-Host "Fuzzing $target for $Minutes minute(s)" -ForegroundColor Cyan
        & afl-fuzz -i $seeds -o (Join-Path $work 'findings') -t 5000 -m none -V ($Minutes * 60) -- dotnet (Join-Path $instrumented 'GolemImage.Fuzz.dll') afl $target *> (Join-Path $work 'afl.log')
        $statsPath = Join-Path $work 'findings/default/fuzzer_stats'
        if (-not (Test-Path $statsPath)) { throw "afl-fuzz did not run for $target; see $(Join-Path $work 'afl.log')." }
        $stats = @{}
        foreach ($line in Get-Content $statsPath) { $key, $value = $line -split '\s*:\s*', 2; $stats[$key] = $value }
        foreach ($kind in 'crashes', 'hangs') {
            $found = @(Get-ChildItem (Join-Path $work "findings/default/$kind") -File -Filter 'id*' -ErrorAction Ignore)
            if ($found.Count -gt 0) {
                Write-Host "$target`: $($found.Count) $kind; replaying them uninstrumented:" -ForegroundColor Yellow
                & dotnet (Join-Path $plain 'GolemImage.Fuzz.dll') replay $target @($found.FullName) | Out-Host
            }
        }
        [pscustomobject]@{
            Target  = $target
            Seconds = [int] $stats['run_time']
            Execs   = [long] $stats['execs_done']
            Corpus  = [int] $stats['corpus_count']
            Edges   = [int] $stats['edges_found']
            Crashes = [int] $stats['saved_crashes']
            Hangs   = [int] $stats['saved_hangs']
        }
    }
    $rows | Format-Table -AutoSize | Out-Host
    $rows | ConvertTo-Json | Set-Content -LiteralPath (Join-Path $Out 'fuzz/summary.json')
    if (@($rows | Where-Object { $_.Crashes -gt 0 -or $_.Hangs -gt 0 }).Count -gt 0) { exit 1 }
}

switch ($Task) {
    'Build' { Invoke-Build }
    'Test' { Invoke-Test }
    'Package' { Invoke-Package | Out-Null }
    'Demo' { Invoke-Demo }
    'Bench' { Invoke-Bench }
    'Fuzz' { Invoke-Fuzz }
}
