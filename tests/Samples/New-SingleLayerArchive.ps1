#requires -Version 7.2
<#
.SYNOPSIS
    Wraps a root-filesystem tar into a one-layer `docker save` archive (legacy layout: manifest.json, config.json,
    layer.tar) that ConvertTo-GolemImage -ArchivePath reads. The config names the layer's SHA-256 as its diff id.
.EXAMPLE
    ./New-SingleLayerArchive.ps1 -LayerTar ./rootfs.tar -Path ./image.tar
#>
[CmdletBinding()]
param(
    [Parameter(Mandatory)] [string] $LayerTar,
    [Parameter(Mandatory)] [string] $Path,
    [string] $RepoTag = 'golemimage/single:1.0'
)

$ErrorActionPreference = 'Stop'
Set-StrictMode -Version Latest

$staging = Join-Path ([IO.Path]::GetTempPath()) ('gi-single-' + [guid]::NewGuid().ToString('N').Substring(0, 8))
New-Item -ItemType Directory -Path $staging | Out-Null
try {
    $diffId = (Get-FileHash -LiteralPath $LayerTar -Algorithm SHA256).Hash.ToLowerInvariant()
    Copy-Item -LiteralPath $LayerTar -Destination (Join-Path $staging 'layer.tar')
    $config = @{ architecture = 'amd64'; os = 'linux'; config = @{ Cmd = @('/bin/sh') }; rootfs = @{ type = 'layers'; diff_ids = @("sha256:$diffId") } } | ConvertTo-Json -Depth 5 -Compress
    Set-Content -LiteralPath (Join-Path $staging 'config.json') -Value $config -NoNewline
    $manifest = ConvertTo-Json -Depth 5 -Compress -InputObject @(@{ Config = 'config.json'; RepoTags = @($RepoTag); Layers = @('layer.tar') })
    Set-Content -LiteralPath (Join-Path $staging 'manifest.json') -Value $manifest -NoNewline
    & tar -cf $Path -C $staging manifest.json config.json layer.tar
    if ($LASTEXITCODE -ne 0) { throw "tar could not write $Path" }
    Get-Item -LiteralPath $Path
} finally {
    Remove-Item -Recurse -Force -LiteralPath $staging -ErrorAction Ignore
}
