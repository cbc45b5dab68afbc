<#
.SYNOPSIS
    Upload throughput of Publish-GolemImage: a 1 GiB image to the loopback Golem registry test server, against
    the rate the same file is read and hashed at by the reference tools in the same run.
.DESCRIPTION
    Three phases, each timed separately:
      read        cat FILE > /dev/null (warm page cache): the ceiling for anything that reads the file;
      descriptor  the one pass that builds the descriptor (SHA3-224 of the file + SHA-256 per chunk), against
                  openssl dgst -sha3-224 and sha256sum on the same file;
      upload      Publish-GolemImage -Anonymous with the cached descriptor: chunks over 4 loopback connections,
                  including the test server's own verification (it joins the chunks and runs openssl on them).
    The image is a real .gvmi (Publish-GolemImage refuses anything else) holding one file of random bytes, stored
    uncompressed by mksquashfs: random data defeats any compression on the way.
#>
param(
    [Parameter(Mandatory)] [string] $ModulePath,
    [Parameter(Mandatory)] [string] $WorkDirectory,
    [long] $SizeBytes = 1GB
)
$ErrorActionPreference = 'Stop'
Import-Module $ModulePath -Force
# The engine assembly loads lazily with the first cmdlet call; the descriptor phase calls it directly.
Add-Type -LiteralPath (Join-Path (Split-Path $ModulePath) 'net8.0/GolemImage.dll')
Import-Module (Join-Path $PSScriptRoot '../tests/Pester/TestHelpers.psm1') -Force

$work = Join-Path $WorkDirectory 'publish'
if (Test-Path $work) { Remove-Item -Recurse -Force $work }
New-Item -ItemType Directory -Force -Path $work | Out-Null
$image = Join-Path $work 'bench.gvmi'

function Measure-Seconds([scriptblock] $Block) {
    $watch = [Diagnostics.Stopwatch]::StartNew()
    & $Block | Out-Null
    $watch.Elapsed.TotalSeconds
}

$registry = $null
try {
    Write-Host "Writing a $([math]::Round($SizeBytes / 1MB)) MiB image of random bytes"
    $tree = Join-Path $work 'tree'
    New-Item -ItemType Directory -Path $tree | Out-Null
    # 1 MiB under the size, so that with squashfs metadata and trailer the image stays within the same chunk-size tier.
    & head -c ($SizeBytes - 1MB) /dev/urandom > (Join-Path $tree 'random.bin')
    & mksquashfs $tree $image -noappend -quiet -no-progress -noI -noD -noF -noX -mkfs-time 0 -all-time 0 | Out-Null
    if ($LASTEXITCODE -ne 0) { throw 'mksquashfs failed' }
    Remove-Item -Recurse -Force -LiteralPath $tree
    $stream = [IO.File]::Open($image, 'Append')
    try { [GolemImage.Gvmi.GvmiTrailer]::Write($stream, [GolemImage.Gvmi.ContainerConfig]::new()) } finally { $stream.Dispose() }
    $mib = (Get-Item $image).Length / 1MB

    & cat $image > /dev/null   # warm the page cache, as it is for every phase below
    $read = Measure-Seconds { & cat $image > /dev/null }
    $openssl = Measure-Seconds { & openssl dgst -sha3-224 $image }
    $sha256sum = Measure-Seconds { & sha256sum $image }

    $descriptor = Measure-Seconds {
        [GolemImage.Registry.ImageDescriptorFile]::GetOrComputeAsync($image, [GolemImage.Registry.ImageDescriptor]::DefaultChunkSize((Get-Item $image).Length), [GolemImage.Reporting.NullReporter]::Instance, [Threading.CancellationToken]::None).GetAwaiter().GetResult()
    }

    $registry = Start-TestGolemRegistry
    $result = $null
    # CPU seconds on each side say who does the work, whatever else the machine is running.
    $self = [Diagnostics.Process]::GetCurrentProcess()
    $clientCpuBefore = $self.TotalProcessorTime.TotalSeconds
    $registry.Process.Refresh()
    $serverCpuBefore = $registry.Process.TotalProcessorTime.TotalSeconds
    $upload = Measure-Seconds { $script:result = Publish-GolemImage -LiteralPath $image -Anonymous -RegistryUrl $registry.Url }
    $self.Refresh()
    $registry.Process.Refresh()
    $clientCpu = $self.TotalProcessorTime.TotalSeconds - $clientCpuBefore
    $serverCpu = $registry.Process.TotalProcessorTime.TotalSeconds - $serverCpuBefore
    if ($result.ChunksUploaded -eq 0 -or $result.Hash -ne ((& openssl dgst -sha3-224 -r $image) -split ' ')[0]) { throw 'The upload did not happen as measured.' }

    $rows = @(
        [pscustomobject]@{ Phase = 'read (cat)'; Seconds = $read; MiBps = $mib / $read; Ratio = 1.0 }
        [pscustomobject]@{ Phase = 'openssl dgst -sha3-224'; Seconds = $openssl; MiBps = $mib / $openssl; Ratio = $read / $openssl }
        [pscustomobject]@{ Phase = 'sha256sum'; Seconds = $sha256sum; MiBps = $mib / $sha256sum; Ratio = $read / $sha256sum }
        [pscustomobject]@{ Phase = 'descriptor (sha3-224 + sha256/chunk)'; Seconds = $descriptor; MiBps = $mib / $descriptor; Ratio = $read / $descriptor }
        [pscustomobject]@{ Phase = "upload ($($result.ChunksUploaded) chunks, 4 workers, server verify)"; Seconds = $upload; MiBps = $mib / $upload; Ratio = $read / $upload }
    )
    $rows | Format-Table Phase, @{ n = 'Seconds'; e = { '{0:N2}' -f $_.Seconds } }, @{ n = 'MiB/s'; e = { '{0:N0}' -f $_.MiBps } }, @{ n = 'vs read'; e = { '{0:N2}' -f $_.Ratio } } -AutoSize | Out-Host
    Write-Host ('Descriptor vs openssl sha3-224 alone: {0:N2}x the time; vs openssl sha3-224 + sha256sum run one after the other: {1:N2}x.' -f ($descriptor / $openssl), ($descriptor / ($openssl + $sha256sum)))
    Write-Host ('Upload: {0:N1} s wall; CPU {1:N1} s in the client (pwsh), {2:N1} s in the test server (without its openssl child); load average {3}.' -f $upload, $clientCpu, $serverCpu, ((Get-Content /proc/loadavg) -split ' ')[0])
} finally {
    Stop-TestGolemRegistry $registry
    Remove-Item -Recurse -Force $work -ErrorAction Ignore
}
