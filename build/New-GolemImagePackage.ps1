<#
.SYNOPSIS
    Packs a built GolemImage module folder into a PowerShell Gallery .nupkg in -OutputDirectory.
.DESCRIPTION
    Uses Publish-PSResource against a throw-away local repository, which runs the same manifest checks
    the Gallery runs (required metadata, exported commands) and writes the package layout it accepts.
#>
param(
    [Parameter(Mandatory)] [string] $ModuleDirectory,
    [Parameter(Mandatory)] [string] $OutputDirectory
)
$ErrorActionPreference = 'Stop'
New-Item -ItemType Directory -Force -Path $OutputDirectory | Out-Null
$name = 'GolemImagePack' + [guid]::NewGuid().ToString('N').Substring(0, 12)
Register-PSResourceRepository -Name $name -Uri (Resolve-Path $OutputDirectory).Path -Trusted
try {
    Publish-PSResource -Path $ModuleDirectory -Repository $name -SkipDependenciesCheck
} finally {
    Unregister-PSResourceRepository -Name $name
}
$manifest = Import-PowerShellDataFile (Join-Path $ModuleDirectory 'GolemImage.psd1')
$package = Join-Path $OutputDirectory "GolemImage.$($manifest.ModuleVersion).nupkg"
if (-not (Test-Path $package)) { throw "Publish-PSResource did not write $package." }
Get-Item $package
