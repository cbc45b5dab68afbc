<#
.SYNOPSIS
    xz image building: ConvertTo-GolemImage -Compression Xz at each level against mksquashfs -comp xz (liblzma
    preset 6, what gvmkit-build users get with xz) and mksquashfs -comp xz -Xbcj x86, with tar2sqfs -c xz beside.
.DESCRIPTION
    Each tool runs once under /usr/bin/time on the same tree (mksquashfs on the extracted tree, tar2sqfs on its
    tarball, ConvertTo-GolemImage on a docker-save archive whose single layer is the tarball); wall, CPU
    (user+sys), max RSS and output size are printed side by side with the ratios issue 20 states its targets in:
      Optimal      <= 0.50x the time of mksquashfs -comp xz,           size <= 1.00x
      SmallestSize <= 1.00x the time of mksquashfs -comp xz -Xbcj x86, size <= 1.00x
      Fastest      <= 0.25x the time of mksquashfs -comp xz,           size <= 1.05x
    GolemImage's time is the cmdlet call in a fresh pwsh (starting pwsh, importing the module, the first
    conversion with its JIT compilation, writing the .gvmi trailer); the start-up of that same pwsh (-Command
    'Import-Module', no conversion) is measured in the same run and reported beside it, so the engine's share can
    be read off. Output sizes compare the squashfs part (mksquashfs and tar2sqfs pad to 4 KiB like we do; our
    .gvmi trailer of a few hundred bytes is left out).
.PARAMETER Trees
    Comma-separated: Large (/usr/lib/llvm-14 and /usr/lib/python3.11, few big files), Small (many small files, a
    container root filesystem's shape). See New-BenchTreeTar.ps1.
.PARAMETER SourceDirectory
    A directory to measure instead of the named trees (a quick check that the script runs: a few MB is enough).
.PARAMETER Levels
    Comma-separated subset of Optimal,Fastest,SmallestSize.
#>
param(
    [Parameter(Mandatory)] [string] $ModulePath,
    [Parameter(Mandatory)] [string] $WorkDirectory,
    # Comma-separated (works through -File).
    [string] $Trees = 'Large,Small',
    [string] $Levels = 'Optimal,Fastest,SmallestSize',
    [string] $SourceDirectory
)
$ErrorActionPreference = 'Stop'
Set-StrictMode -Version Latest
$ModulePath = (Resolve-Path $ModulePath).Path
$LevelList = @($Levels -split ',' | Where-Object { $_ })
foreach ($level in $LevelList) {
    if ($level -notin 'Optimal', 'Fastest', 'SmallestSize') { throw "Unknown level '$level'; use Optimal, Fastest or SmallestSize." }
}
$work = Join-Path $WorkDirectory 'xz'

function Invoke-Timed([string] $Name, [string] $Output, [string[]] $Command) {
    $log = Join-Path $work "$($Name -replace '\W', '_').log"
    $timeFile = Join-Path $work 'time.txt'
    & /usr/bin/time -f '%e %U %S %M' -o $timeFile @Command *> $log
    if ($LASTEXITCODE -ne 0) { throw "$Name failed: $(Get-Content -Raw $log)" }
    $wall, $user, $sys, $rss = (Get-Content $timeFile | Select-Object -Last 1) -split ' '
    $bytes = $null
    if ($Output) {
        $bytes = (Get-Item $Output).Length
        if ($Output -like '*.gvmi') {
            # The squashfs part, what the other tools write: the trailer ends in its JSON length as 8 ASCII digits,
            # after the JSON and its 4-byte CRC.
            $stream = [IO.File]::OpenRead($Output)
            try {
                $digits = [byte[]]::new(8)
                $stream.Position = $stream.Length - 8
                [void]$stream.Read($digits, 0, 8)
            } finally { $stream.Dispose() }
            $bytes -= 12 + [long][Text.Encoding]::ASCII.GetString($digits)
        }
        & unsquashfs -s $Output *> $null
        if ($LASTEXITCODE -ne 0) { throw "unsquashfs cannot read what $Name wrote ($Output)." }
        Remove-Item $Output
    }
    $result = [pscustomobject]@{
        Tool   = $Name
        WallS  = [double]::Parse($wall, [cultureinfo]::InvariantCulture)
        CpuS   = [double]::Parse($user, [cultureinfo]::InvariantCulture) + [double]::Parse($sys, [cultureinfo]::InvariantCulture)
        RssMiB = [math]::Round([double] $rss / 1024)
        Bytes  = $bytes
    }
    $shown = if ($null -eq $bytes) { '' } else { '{0,14:N0} bytes' -f $bytes }
    Write-Host ("{0,-40} {1,8:F2} s wall {2,8:F1} s CPU {3,6} MiB {4}" -f $result.Tool, $result.WallS, $result.CpuS, $result.RssMiB, $shown)
    return $result
}

$pwsh = [Environment]::ProcessPath
$pwshArgs = @()
if ((Split-Path $pwsh -Leaf) -match '^dotnet') { $pwshArgs = @(Join-Path ([AppContext]::BaseDirectory) 'pwsh.dll') }
$targets = @{
    Optimal      = @{ Against = 'mksquashfs -comp xz'; Time = 0.50; Size = 1.00 }
    SmallestSize = @{ Against = 'mksquashfs -comp xz -Xbcj x86'; Time = 1.00; Size = 1.00 }
    Fastest      = @{ Against = 'mksquashfs -comp xz'; Time = 0.25; Size = 1.05 }
}
$treeNames = if ($SourceDirectory) { @((Resolve-Path -LiteralPath $SourceDirectory).Path) } else { @($Trees -split ',' | Where-Object { $_ }) }
$rows = foreach ($treeName in $treeNames) {
    if (Test-Path $work) { Remove-Item -Recurse -Force $work }
    New-Item -ItemType Directory -Force -Path $work | Out-Null
    $tree = Join-Path $work 'rootfs'
    $tarball = Join-Path $work 'rootfs.tar'
    if ($SourceDirectory) {
        & tar --sort=name -cf $tarball -C $treeName .  # name order, as New-BenchTreeTar.ps1 and image layers
        if ($LASTEXITCODE -ne 0) { throw "tar of $treeName failed" }
    } else {
        & (Join-Path $PSScriptRoot 'New-BenchTreeTar.ps1') -Tree $treeName -Path $tarball
    }
    New-Item -ItemType Directory -Path $tree | Out-Null
    & tar -xf $tarball -C $tree
    if ($LASTEXITCODE -ne 0) { throw 'tar -x failed' }
    $entries = @(& tar -tf $tarball).Count
    $archiveTar = Join-Path $work 'image.tar'
    $null = & (Join-Path $PSScriptRoot '../tests/Samples/New-SingleLayerArchive.ps1') -LayerTar $tarball -Path $archiveTar -RepoTag 'bench:xz'
    $out = Join-Path $work 'out.img'
    $gvmi = Join-Path $work 'out.gvmi'
    $results = [ordered]@{}
    $results['mksquashfs -comp xz'] = Invoke-Timed 'mksquashfs -comp xz' $out @('mksquashfs', $tree, $out, '-comp', 'xz', '-noappend', '-no-progress', '-quiet')
    if ($LevelList -contains 'SmallestSize') {
        $results['mksquashfs -comp xz -Xbcj x86'] = Invoke-Timed 'mksquashfs -comp xz -Xbcj x86' $out @('mksquashfs', $tree, $out, '-comp', 'xz', '-Xbcj', 'x86', '-noappend', '-no-progress', '-quiet')
    }
    $jobs = "$([Environment]::ProcessorCount)"
    $results['tar2sqfs -c xz'] = Invoke-Timed "tar2sqfs -c xz -j $jobs" $out @('/bin/sh', '-c', "tar2sqfs -q -f -j $jobs -c xz '$out' < '$tarball'")
    $startup = Invoke-Timed 'pwsh start-up + Import-Module' $null (@($pwsh) + $pwshArgs + @('-NoProfile', '-NonInteractive', '-Command', "Import-Module '$ModulePath'"))
    foreach ($level in $LevelList) {
        $script = "Import-Module '$ModulePath'; ConvertTo-GolemImage -ArchivePath '$archiveTar' -Compression Xz -CompressionLevel $level -OutputPath '$gvmi' -Force -WarningAction SilentlyContinue | Out-Null"
        $results[$level] = Invoke-Timed "GolemImage Xz $level (fresh pwsh)" $gvmi (@($pwsh) + $pwshArgs + @('-NoProfile', '-NonInteractive', '-Command', $script))
    }

    $label = $treeName
    Write-Host ''
    Write-Host ("Tree {0}: {1:N0} bytes of tar in {2:N0} entries, {3} CPUs. Ratios (time = wall of the whole pwsh; pwsh start-up + Import-Module {4:F2} s of it):" -f $label, (Get-Item $tarball).Length, $entries, [Environment]::ProcessorCount, $startup.WallS)
    foreach ($level in $LevelList) {
        $target = $targets[$level]
        $ours = $results[$level]; $theirs = $results[$target.Against]
        $time = $ours.WallS / $theirs.WallS; $size = $ours.Bytes / $theirs.Bytes
        $withoutStartup = ($ours.WallS - $startup.WallS) / $theirs.WallS
        $verdict = if ($time -le $target.Time -and $size -le $target.Size) { 'meets' } else { 'MISSES' }
        Write-Host ("{0,-13} vs {1,-30} time {2,6:F3}x (target <= {3}; {4:F3}x without pwsh start-up) size {5,6:F4}x (target <= {6})  {7}" -f $level, $target.Against, $time, $target.Time, $withoutStartup, $size, $target.Size, $verdict)
        $tar2sqfs = $results['tar2sqfs -c xz']
        Write-Host ("{0,-13} vs {1,-30} time {2,6:F3}x size {3,6:F4}x" -f '', $tar2sqfs.Tool, ($ours.WallS / $tar2sqfs.WallS), ($ours.Bytes / $tar2sqfs.Bytes))
        [pscustomobject]@{
            Tree             = $label
            Level            = $level
            Against          = $target.Against
            'theirs s'       = [math]::Round($theirs.WallS, 2)
            'ours s'         = [math]::Round($ours.WallS, 2)
            'pwsh start-up s' = [math]::Round($startup.WallS, 2)
            'time x'         = [math]::Round($time, 3)
            'theirs bytes'   = $theirs.Bytes
            'ours bytes'     = $ours.Bytes
            'size x'         = [math]::Round($size, 4)
            'theirs CPU s'   = [math]::Round($theirs.CpuS, 1)
            'ours CPU s'     = [math]::Round($ours.CpuS, 1)
            'ours RSS MiB'   = $ours.RssMiB
            'tar2sqfs s'     = [math]::Round($tar2sqfs.WallS, 2)
            'tar2sqfs bytes' = $tar2sqfs.Bytes
            Verdict          = $verdict
        }
    }
}
$rows | Format-Table -AutoSize | Out-Host
$rows | ConvertTo-Json | Set-Content (Join-Path $WorkDirectory 'bench-xz.json')
Remove-Item -Recurse -Force $work
