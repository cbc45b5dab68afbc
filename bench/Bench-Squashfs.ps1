<#
.SYNOPSIS
    The squashfs engine against tar2sqfs (squashfs-tools-ng) on the same ~500 MB tar, at the same compressor and
    level, side by side in one run: wall, CPU, peak RSS (/usr/bin/time -v), image size, and the ratios.
    Targets: time <= 1.0x tar2sqfs, size <= 1.01x, peak RSS <= 300 MB.
    Each row is timed four ways: the whole process (/usr/bin/time: starting pwsh, loading the module, JIT), with the
    pwsh running this script and with a ReadyToRun-compiled copy of it (New-ReadyToRunPwsh.ps1: how Microsoft's
    packages ship pwsh; the NuGet global tool is IL only and starts ~0.5 s slower), the engine's first conversion
    in a process (JIT included), and the engine in a session that has already converted once (a second process
    that converts twice; its second run).
.PARAMETER Compressors
    Rows to run, by name: gzip (our Optimal = zlib level 6), gzip9 (our SmallestSize = zlib level 9, tar2sqfs's
    default), lz4 (fast, not HC), zstd (level 15), xz (our Optimal against tar2sqfs's preset 6; not a default row:
    Bench-Xz.ps1 measures xz's three levels against mksquashfs and tar2sqfs as the cmdlet call).
.PARAMETER Trees
    Large: build-machine.md 13.2's tree, /usr/lib/llvm-14 and /usr/lib/python3.11 (few big files: 2,617 entries of
    ~190 KB on average). Small: many small files, the shape of a container's root filesystem (/usr/include,
    /usr/lib/python3.11, /usr/share/doc, /usr/share/locale, /usr/share/man: ~500 MB in ~45,000 entries on the build
    machine).
#>
param(
    [Parameter(Mandatory)] [string] $ModulePath,
    [Parameter(Mandatory)] [string] $WorkDirectory,
    [string[]] $Trees = @('Large', 'Small'),
    [string[]] $Compressors = @('gzip', 'gzip9', 'lz4', 'zstd')
)
$ErrorActionPreference = 'Stop'
$ModulePath = (Resolve-Path -LiteralPath $ModulePath).Path
# -File passes "a,b" as one string.
$Compressors = @($Compressors | ForEach-Object { $_ -split "," })
$Trees = @($Trees | ForEach-Object { $_ -split "," })
New-Item -ItemType Directory -Force -Path $WorkDirectory | Out-Null

# The same pwsh that runs this script, for the engine's child process.
$pwshCommand = @([Environment]::ProcessPath)
if ((Split-Path -Leaf $pwshCommand[0]) -like 'dotnet*') { $pwshCommand += [Environment]::GetCommandLineArgs()[0] }
$helper = Join-Path $PSScriptRoot 'Invoke-SquashfsConversion.ps1'
$readyToRunPwsh = & (Join-Path $PSScriptRoot 'New-ReadyToRunPwsh.ps1') -CacheDirectory $WorkDirectory

function Measure-CommandResources {
    # Runs the command under /usr/bin/time -v (its report goes to stderr, merged into the output we parse).
    param([string[]] $Command, [string] $StandardInput = '/dev/null')
    $quoted = ($Command | ForEach-Object { "'" + ($_ -replace "'", "'\''") + "'" }) -join ' '
    $output = & /bin/bash -c "/usr/bin/time -v $quoted < '$StandardInput'" 2>&1 | Out-String
    if ($LASTEXITCODE -ne 0) { throw "$($Command -join ' ') failed: $output" }
    $wall = [regex]::Match($output, 'Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): (?:(\d+):)?(\d+):([\d.]+)')
    $seconds = [double]$wall.Groups[2].Value * 60 + [double]::Parse($wall.Groups[3].Value, [cultureinfo]::InvariantCulture)
    if ($wall.Groups[1].Success) { $seconds += [double]$wall.Groups[1].Value * 3600 }
    $number = { param($pattern) [double]::Parse([regex]::Match($output, $pattern).Groups[1].Value, [cultureinfo]::InvariantCulture) }
    [pscustomobject]@{
        Wall   = $seconds
        Cpu    = (& $number 'User time \(seconds\): ([\d.]+)') + (& $number 'System time \(seconds\): ([\d.]+)')
        RssMiB = (& $number 'Maximum resident set size \(kbytes\): (\d+)') / 1024
        Output = $output
    }
}

# Same levels on both sides: our Optimal is zlib 6, our SmallestSize zlib 9, lz4 fast, zstd 15.
$variants = @{
    gzip  = @{ Compressor = 'gzip'; Level = 'Optimal'; Reference = @('-X', 'level=6'); Label = 'gzip (6)' }
    gzip9 = @{ Compressor = 'gzip'; Level = 'SmallestSize'; Reference = @('-X', 'level=9'); Label = 'gzip (9)' }
    lz4   = @{ Compressor = 'lz4'; Level = 'Optimal'; Reference = @(); Label = 'lz4 (fast)' }
    zstd  = @{ Compressor = 'zstd'; Level = 'Optimal'; Reference = @('-X', 'level=15'); Label = 'zstd (15)' }
    xz    = @{ Compressor = 'xz'; Level = 'Optimal'; Reference = @('-X', 'level=6'); Label = 'xz (preset 6)' }
}
$rows = foreach ($treeName in $Trees) {
    $tar = Join-Path $WorkDirectory "rootfs-$treeName.tar"
    if (-not (Test-Path $tar)) {
        & (Join-Path $PSScriptRoot 'New-BenchTreeTar.ps1') -Tree $treeName -Path $tar
    }
    $entries = @(& tar -tf $tar).Count
    Write-Host "Tree $treeName`: $tar ($([math]::Round((Get-Item $tar).Length / 1MB)) MiB, $entries entries), $([Environment]::ProcessorCount) CPUs" -ForegroundColor Cyan
    foreach ($name in $Compressors) {
        if (-not $variants.ContainsKey($name)) { throw "Unknown row '$name'; use $($variants.Keys -join ', ')." }
        $variant = $variants[$name]
        $comp = $variant.Compressor
        $reference = Join-Path $WorkDirectory "tar2sqfs-$treeName-$name.sqfs"
        $ours = Join-Path $WorkDirectory "golemimage-$treeName-$name.gvmi"
        Remove-Item $reference, $ours -ErrorAction SilentlyContinue
        Write-Host "tar2sqfs $($variant.Label) ..." -ForegroundColor DarkGray
        $t = Measure-CommandResources -Command (@('tar2sqfs', '-q', '-f', '-j', "$([Environment]::ProcessorCount)", '-c', $comp) + $variant.Reference + @($reference)) -StandardInput $tar
        Write-Host "GolemImage $($variant.Label) ..." -ForegroundColor DarkGray
        $helperArgs = @('-NoProfile', '-NonInteractive', '-File', $helper, '-ModulePath', $ModulePath, '-TarPath', $tar,
            '-OutputPath', $ours, '-Compression', $comp, '-Level', $variant.Level)
        $g = Measure-CommandResources -Command ($pwshCommand + $helperArgs)
        $engineSeconds = [double]::Parse([regex]::Match($g.Output, 'ENGINE_SECONDS=([\d.]+)').Groups[1].Value, [cultureinfo]::InvariantCulture)
        $readyToRunWall = [double]::NaN
        if ($readyToRunPwsh) {
            $readyToRunWall = (Measure-CommandResources -Command (@('dotnet', $readyToRunPwsh) + $helperArgs)).Wall
        }
        $session = & $pwshCommand[0] @($pwshCommand | Select-Object -Skip 1) @helperArgs -Repeat 2 | Out-String
        if ($LASTEXITCODE -ne 0) { throw "The in-session run of $($variant.Label) failed: $session" }
        $warmSeconds = [double]::Parse([regex]::Match($session, 'ENGINE_SECONDS_2=([\d.]+)').Groups[1].Value, [cultureinfo]::InvariantCulture)
        $ourSquashfs = [long][regex]::Match($g.Output, 'SQUASHFS_BYTES=(\d+)').Groups[1].Value
        # Both padded to 4 KiB; compare the squashfs part (the .gvmi trailer is a few hundred bytes).
        $refSize = (Get-Item $reference).Length
        & unsquashfs -s $ours | Out-Null
        if ($LASTEXITCODE -ne 0) { throw "unsquashfs cannot read $ours" }
        # The images are measured; only the input tars stay (reused by the next run).
        Remove-Item $reference, $ours
        [pscustomobject]@{
            Tree              = $treeName
            Compressor        = $variant.Label
            'tar2sqfs s'      = [math]::Round($t.Wall, 2)
            'ours s'          = [math]::Round($g.Wall, 2)
            'ours R2R pwsh s' = [math]::Round($readyToRunWall, 2)
            'ours engine s'   = [math]::Round($engineSeconds, 2)
            'ours session s'  = [math]::Round($warmSeconds, 2)
            'time x'          = [math]::Round($g.Wall / $t.Wall, 2)
            'R2R pwsh time x' = [math]::Round($readyToRunWall / $t.Wall, 2)
            'engine time x'   = [math]::Round($engineSeconds / $t.Wall, 2)
            'session time x'  = [math]::Round($warmSeconds / $t.Wall, 2)
            'tar2sqfs CPU s'  = [math]::Round($t.Cpu, 1)
            'ours CPU s'      = [math]::Round($g.Cpu, 1)
            'tar2sqfs MiB'    = [math]::Round($t.RssMiB)
            'ours RSS MiB'    = [math]::Round($g.RssMiB)
            'tar2sqfs bytes'  = $refSize
            'ours bytes'      = $ourSquashfs
            'size x'          = [math]::Round($ourSquashfs / $refSize, 4)
        }
    }
}
# The console shows the ratios and sizes (a table of every column is too wide for it and dropped them); every column
# is in bench-squashfs.json.
$rows | Format-Table Tree, Compressor, 'tar2sqfs s', 'ours engine s', 'engine time x', 'time x', 'R2R pwsh time x', 'session time x', 'size x', 'ours RSS MiB' -AutoSize | Out-Host
$rows | ConvertTo-Json | Set-Content (Join-Path $WorkDirectory 'bench-squashfs.json')
