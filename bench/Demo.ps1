<#
.SYNOPSIS
    The Demo task: builds a small sample image archive (no daemon, no network), converts it to a .gvmi and shows
    what the cmdlets return.
#>
param(
    [Parameter(Mandatory)] [string] $ModulePath,
    [Parameter(Mandatory)] [string] $WorkDirectory
)
$ErrorActionPreference = 'Stop'
Import-Module $ModulePath

if (Test-Path $WorkDirectory) { Remove-Item -Recurse -Force $WorkDirectory }
New-Item -ItemType Directory -Force -Path $WorkDirectory | Out-Null
$sample = & "$PSScriptRoot/../tests/Samples/New-TestImageArchive.ps1" -Path (Join-Path $WorkDirectory 'sample-image.tar')
Write-Host "Sample image archive: $($sample.Path) ($($sample.Reference), $($sample.ImageId))" -ForegroundColor Cyan

Push-Location $WorkDirectory
try {
    Write-Host "`nConvertTo-GolemImage -ArchivePath $($sample.Path)" -ForegroundColor Cyan
    $image = ConvertTo-GolemImage -ArchivePath $sample.Path
    $image | Format-List | Out-Host

    Write-Host 'Get-GolemImageHash -Url ...' -ForegroundColor Cyan
    $image | Get-GolemImageHash -Url "http://localhost:8000/$(Split-Path $image.Path -Leaf)" | Format-List | Out-Host

    Write-Host 'Test-GolemImage -Detailed' -ForegroundColor Cyan
    Test-GolemImage -Path $image.Path -Detailed | Format-Table -AutoSize | Out-Host
    if (-not (Test-GolemImage -Path $image.Path)) { throw "The demo image $($image.Path) does not pass Test-GolemImage." }
} finally {
    Pop-Location
}
