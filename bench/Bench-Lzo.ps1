<#
.SYNOPSIS
    LZO image building: ConvertTo-GolemImage -Compression Lzo at each level against mksquashfs -comp lzo
    (lzo1x_999 level 8, gvmkit-build's settings), mksquashfs -comp lzo -Xalgorithm lzo1x_1 and tar2sqfs -c lzo.
.DESCRIPTION
    The tree is build-machine.md §13.2's: /usr/lib/llvm-14 and /usr/lib/python3.11 (~500 MB), as a tarball
    (tar2sqfs, and the single layer of a docker-save archive for ConvertTo-GolemImage) and extracted
    (mksquashfs). Each tool runs once under /usr/bin/time; wall, CPU (user+sys), max RSS and output size are
    printed side by side with the ratios the targets are stated in:
      Optimal      <= 0.10x the time of mksquashfs -comp lzo, size <= 1.07x (issue 21; on every tree)
      Fastest      <= 1.00x the time of mksquashfs lzo1x_1,  size <= 1.02x
      SmallestSize <= 0.70x the time of mksquashfs -comp lzo, size <= 1.00x
    The judged time is the first ConvertTo-GolemImage call in a fresh pwsh (timed after Import-Module, JIT
    included). Beside it: the whole pwsh process, which includes starting pwsh, reading the archive and writing the .gvmi trailer, once with the
    pwsh running this script and once with a ReadyToRun-compiled copy of it (New-ReadyToRunPwsh.ps1: how Microsoft's
    packages ship pwsh; the NuGet global tool is IL only and starts ~0.5 s slower). Each level is also timed in a
    session: one pwsh imports the module and calls ConvertTo-GolemImage twice (the first call pays for JIT
    compilation, the second is what a session that has converted before sees).
    -Trees picks the trees: Large (the one above, few big files: 2,617 entries of ~190 KB on average), Small
    (many small files, the shape of a container's root filesystem: /usr/include, /usr/lib/python3.11,
    /usr/share/doc, /usr/share/locale and /usr/share/man, ~500 MB in ~45,000 entries on the build machine) and Text
    (source text only, where lzo1x_999 is at its fastest: Python's standard library and the system, gcc and clang
    headers, ~210 MB).
#>
param(
    [Parameter(Mandatory)] [string] $ModulePath,
    [Parameter(Mandatory)] [string] $WorkDirectory,
    # Comma-separated (works through -File).
    [string] $Trees = 'Large,Small,Text',
    [string] $Levels = 'Optimal,Fastest,SmallestSize'
)
$ErrorActionPreference = 'Stop'
$ModulePath = (Resolve-Path $ModulePath).Path
Set-StrictMode -Version Latest
$LevelList = @($Levels -split ',')
$readyToRunPwsh = & (Join-Path $PSScriptRoot 'New-ReadyToRunPwsh.ps1') -CacheDirectory $WorkDirectory
$work = Join-Path $WorkDirectory 'lzo'

function Invoke-Timed([string] $Name, [string] $Output, [string[]] $Command) {
    $timeFile = Join-Path $work 'time.txt'
    & /usr/bin/time -f '%e %U %S %M' -o $timeFile @Command *> (Join-Path $work "$($Name -replace '\W', '_').log")
    if ($LASTEXITCODE -ne 0) { throw "$Name failed: $(Get-Content -Raw (Join-Path $work "$($Name -replace '\W', '_').log"))" }
    $wall, $user, $sys, $rss = (Get-Content $timeFile | Select-Object -Last 1) -split ' '
    $result = [pscustomobject]@{
        Tool    = $Name
        WallS   = [double] $wall
        CpuS    = [double] $user + [double] $sys
        RssMiB  = [math]::Round([double] $rss / 1024)
        Bytes   = (Get-Item $Output).Length
    }
    Remove-Item $Output
    Write-Host ("{0,-34} {1,8:F1} s wall {2,8:F1} s CPU {3,6} MiB {4,14:N0} bytes" -f $result.Tool, $result.WallS, $result.CpuS, $result.RssMiB, $result.Bytes)
    return $result
}

# Reads $results of the tree being measured. The judged figure is issue 21's form: the cmdlet call in a fresh pwsh,
# its first conversion (JIT included), timed after Import-Module, against the reference tool's whole process. The
# whole pwsh process (start-up and import included) and the ReadyToRun pwsh are reported beside it, not judged.
function Write-Ratio([string] $Level, [string] $Against, [double] $TimeTarget, [double] $SizeTarget) {
    if (-not $results.Contains($Level)) { return }
    $ours = $results[$Level]; $theirs = $results[$Against]
    $size = $ours.Bytes / $theirs.Bytes
    $first = $ours.SessionFirstS / $theirs.WallS; $second = $ours.SessionSecondS / $theirs.WallS
    $verdict = if ($first -le $TimeTarget -and $size -le $SizeTarget) { 'meets' } else { 'MISSES' }
    Write-Host ("{0,-13} vs {1,-32} first call {2,6:F3}x (target <= {3}) size {4,6:F3}x (target <= {5})  {6}" -f $Level, $theirs.Tool, $first, $TimeTarget, $size, $SizeTarget, $verdict)
    $process = $ours.WallS / $theirs.WallS
    $readyToRun = if ($null -ne $ours.ReadyToRunWallS) { '{0:F3}x' -f ($ours.ReadyToRunWallS / $theirs.WallS) } else { 'n/a' }
    Write-Host ("{0,-13}    beside it: whole process {1:F3}x, ReadyToRun pwsh process {2}, 2nd call in the session {3:F3}x" -f '', $process, $readyToRun, $second)
}

$pwsh = [Environment]::ProcessPath
$pwshArgs = @()
if ((Split-Path $pwsh -Leaf) -match '^dotnet') { $pwshArgs = @(Join-Path ([AppContext]::BaseDirectory) 'pwsh.dll') }
foreach ($treeName in @($Trees -split ',')) {
    if (Test-Path $work) { Remove-Item -Recurse -Force $work }
    New-Item -ItemType Directory -Force -Path $work | Out-Null
    $tree = Join-Path $work 'rootfs'
    $tarball = Join-Path $work 'rootfs.tar'
    & (Join-Path $PSScriptRoot 'New-BenchTreeTar.ps1') -Tree $treeName -Path $tarball
    New-Item -ItemType Directory -Path $tree | Out-Null
    & tar -xf $tarball -C $tree
    if ($LASTEXITCODE -ne 0) { throw 'tar -x failed' }
    $entries = @(& tar -tf $tarball).Count

    # A docker-save (legacy layout) archive whose single layer is the tarball.
    $archiveTar = Join-Path $work 'image.tar'
    $null = & (Join-Path $PSScriptRoot '../tests/Samples/New-SingleLayerArchive.ps1') -LayerTar $tarball -Path $archiveTar -RepoTag 'bench:lzo'
    $inputBytes = (Get-Item $tarball).Length
    $out = Join-Path $work 'out.img'
    $results = [ordered]@{}
    $results.Mksquashfs999 = Invoke-Timed 'mksquashfs -comp lzo (999/8)' $out @('mksquashfs', $tree, $out, '-comp', 'lzo', '-noappend', '-no-progress', '-quiet')
    $results.Mksquashfs1 = Invoke-Timed 'mksquashfs -comp lzo lzo1x_1' $out @('mksquashfs', $tree, $out, '-comp', 'lzo', '-Xalgorithm', 'lzo1x_1', '-noappend', '-no-progress', '-quiet')
    $results.Tar2sqfs = Invoke-Timed 'tar2sqfs -c lzo -j 2' $out @('/bin/sh', '-c', "tar2sqfs -q -f -j 2 -c lzo '$out' < '$tarball'")
    foreach ($level in $LevelList) {
        $convert = "ConvertTo-GolemImage -ArchivePath '$archiveTar' -Compression Lzo -CompressionLevel $level -OutputPath '$out' -Force | Out-Null"
        $script = "Import-Module '$ModulePath'; $convert"
        $results[$level] = Invoke-Timed "GolemImage Lzo $level" $out (@($pwsh) + $pwshArgs + @('-NoProfile', '-NonInteractive', '-Command', $script))
        $readyToRunWall = $null
        if ($readyToRunPwsh) {
            $readyToRunWall = (Invoke-Timed "  ReadyToRun pwsh" $out @('dotnet', $readyToRunPwsh, '-NoProfile', '-NonInteractive', '-Command', $script)).WallS
        }
        $results[$level] | Add-Member -NotePropertyName ReadyToRunWallS -NotePropertyValue $readyToRunWall
        $sessionScript = "Import-Module '$ModulePath'; foreach (`$call in 1, 2) { `$clock = [Diagnostics.Stopwatch]::StartNew(); $convert; 'CALL_SECONDS=' + `$clock.Elapsed.TotalSeconds.ToString([cultureinfo]::InvariantCulture) }"
        $calls = @(& $pwsh @pwshArgs -NoProfile -NonInteractive -Command $sessionScript | Where-Object { $_ -match '^CALL_SECONDS=' } | ForEach-Object { [double]::Parse(($_ -split '=')[1], [cultureinfo]::InvariantCulture) })
        if ($LASTEXITCODE -ne 0 -or $calls.Count -ne 2) { throw "The in-session run of $level failed." }
        Remove-Item $out
        $results[$level] | Add-Member -NotePropertyName SessionFirstS -NotePropertyValue $calls[0]
        $results[$level] | Add-Member -NotePropertyName SessionSecondS -NotePropertyValue $calls[1]
        Write-Host ("{0,-34} {1,8:F1} s 1st call in a session, {2:F1} s 2nd call" -f "  in session", $calls[0], $calls[1])
    }

    Write-Host ''
    Write-Host ("Tree {0}: {1:N0} bytes of tar in {2:N0} entries. Ratios (time = wall; size = output bytes):" -f $treeName, $inputBytes, $entries)
    Write-Ratio 'Optimal' 'Mksquashfs999' 0.10 1.07
    Write-Ratio 'Fastest' 'Mksquashfs1' 1.00 1.02
    Write-Ratio 'SmallestSize' 'Mksquashfs999' 0.70 1.00
    foreach ($level in $LevelList) {
        Write-Host ("{0,-13} vs tar2sqfs -c lzo: time {1,6:F3}x size {2,6:F3}x" -f $level, ($results[$level].WallS / $results.Tar2sqfs.WallS), ($results[$level].Bytes / $results.Tar2sqfs.Bytes))
    }
}
Remove-Item -Recurse -Force $work
