<#
.SYNOPSIS
    Helper for Bench-Squashfs.ps1: converts one tar to a .gvmi with the engine alone (no cmdlet), in a fresh process
    so that /usr/bin/time measures exactly one conversion. Prints the engine's own wall time in seconds.
    -Repeat N converts N times in the same process and prints each run's time (ENGINE_SECONDS_<n>): the first run
    pays for JIT compilation, later ones show the engine in a session that has already used it.
#>
param(
    [Parameter(Mandatory)] [string] $ModulePath,
    [Parameter(Mandatory)] [string] $TarPath,
    [Parameter(Mandatory)] [string] $OutputPath,
    # Any CompressionAlgorithm the engine writes (its CompressorTable decides; the cast below refuses other names).
    [Parameter(Mandatory)] [string] $Compression,
    [ValidateSet('Fastest', 'Optimal', 'SmallestSize')] [string] $Level = 'Optimal',
    [int] $Workers = 0,
    [ValidateRange(1, 10)] [int] $Repeat = 1
)
$ErrorActionPreference = 'Stop'
$ModulePath = (Resolve-Path -LiteralPath $ModulePath).Path
Import-Module $ModulePath
$framework = if ($PSVersionTable.PSVersion -ge [version]'7.4') { 'net8.0' } else { 'netstandard2.0' }
[void][System.Reflection.Assembly]::LoadFrom((Join-Path (Split-Path $ModulePath) "$framework/GolemImage.dll"))

$options = [GolemImage.Squashfs.SquashfsWriterOptions]::new()
$options.Compression = [GolemImage.Compression.CompressionSettings]::new([GolemImage.Compression.CompressionAlgorithm]$Compression, [System.IO.Compression.CompressionLevel]$Level, $false)
$options.WorkerCount = $Workers
$config = [GolemImage.Gvmi.ContainerConfig]::new()
foreach ($run in 1..$Repeat) {
    $clock = [System.Diagnostics.Stopwatch]::StartNew()
    $tar = [System.IO.File]::OpenRead($TarPath)
    try {
        $result = [GolemImage.Gvmi.GvmiImageWriter]::WriteFromTarAsync($OutputPath, $config, $tar, $TarPath, $options, $null, [System.Threading.CancellationToken]::None).GetAwaiter().GetResult()
    } finally {
        $tar.Dispose()
    }
    $clock.Stop()
    $seconds = $clock.Elapsed.TotalSeconds.ToString([cultureinfo]::InvariantCulture)
    if ($run -eq 1) { "ENGINE_SECONDS=$seconds" }
    "ENGINE_SECONDS_$run=$seconds"
}
"SQUASHFS_BYTES=$($result.SquashfsSize)"
