<#
.SYNOPSIS
    SHA3-224 throughput of Get-GolemImageHash on a 1 GiB file against openssl dgst -sha3-224 in the same run.
.DESCRIPTION
    The file is random bytes in the page cache (read once before timing). Each tool hashes it three times; the
    best wall time counts (the build machine is shared, so the best run is the least disturbed one), and the CPU
    time of that run is shown too: user+system of the openssl process, and the CPU time this pwsh process spent
    inside Get-GolemImageHash. Ratio = our throughput / openssl's (target >= 0.8). Both hashes must agree.
#>
param(
    [Parameter(Mandatory)] [string] $ModulePath,
    [Parameter(Mandatory)] [string] $WorkDirectory,
    [long] $SizeBytes = 1GB,
    [int] $Repeat = 3
)
$ErrorActionPreference = 'Stop'
Import-Module $ModulePath -Force

$work = Join-Path $WorkDirectory 'hash'
if (Test-Path $work) { Remove-Item -Recurse -Force $work }
New-Item -ItemType Directory -Force -Path $work | Out-Null
$file = Join-Path $work 'bench.bin'

try {
    Write-Host "Writing $([math]::Round($SizeBytes / 1MB)) MiB of random bytes"
    & head -c $SizeBytes /dev/urandom > $file
    $mib = (Get-Item $file).Length / 1MB
    & cat $file > /dev/null

    $openssl = foreach ($i in 1..$Repeat) {
        $timing = Join-Path $work 'time.txt'
        $watch = [Diagnostics.Stopwatch]::StartNew()
        $line = & /usr/bin/time -f '%U %S' -o $timing openssl dgst -sha3-224 -r $file
        $wall = $watch.Elapsed.TotalSeconds
        $user, $system = (Get-Content $timing | Select-Object -Last 1) -split ' '
        [pscustomobject]@{ Wall = $wall; Cpu = [double] $user + [double] $system; Hash = ($line -split ' ')[0] }
    }

    [void] (Get-GolemImageHash -LiteralPath $file)   # load the module's assemblies before timing
    $ours = foreach ($i in 1..$Repeat) {
        $process = [Diagnostics.Process]::GetCurrentProcess()
        $cpuBefore = $process.TotalProcessorTime
        $watch = [Diagnostics.Stopwatch]::StartNew()
        $result = Get-GolemImageHash -LiteralPath $file
        $wall = $watch.Elapsed.TotalSeconds
        $process.Refresh()
        [pscustomobject]@{ Wall = $wall; Cpu = ($process.TotalProcessorTime - $cpuBefore).TotalSeconds; Hash = $result.Hash }
    }

    if (@($openssl.Hash + $ours.Hash | Sort-Object -Unique).Count -ne 1) { throw "The hashes differ: openssl $($openssl[0].Hash), ours $($ours[0].Hash)." }
    $bestOpenssl = $openssl | Sort-Object Wall | Select-Object -First 1
    $bestOurs = $ours | Sort-Object Wall | Select-Object -First 1
    $rows = @(
        [pscustomobject]@{ Tool = 'openssl dgst -sha3-224'; BestSeconds = [math]::Round($bestOpenssl.Wall, 2); CpuSeconds = [math]::Round($bestOpenssl.Cpu, 2); MiBps = [math]::Round($mib / $bestOpenssl.Wall); Ratio = 1.0 }
        [pscustomobject]@{ Tool = 'Get-GolemImageHash'; BestSeconds = [math]::Round($bestOurs.Wall, 2); CpuSeconds = [math]::Round($bestOurs.Cpu, 2); MiBps = [math]::Round($mib / $bestOurs.Wall); Ratio = [math]::Round($bestOpenssl.Wall / $bestOurs.Wall, 2) }
    )
    $rows | Format-Table -AutoSize | Out-String | Write-Host
    Write-Host ("Get-GolemImageHash: {0:N2}x openssl's SHA3-224 throughput (wall), {1:N2}x by CPU time; hash {2}" -f ($bestOpenssl.Wall / $bestOurs.Wall), ($bestOpenssl.Cpu / $bestOurs.Cpu), $bestOurs.Hash)
} finally {
    Remove-Item -Recurse -Force -LiteralPath $work -ErrorAction Ignore
}
