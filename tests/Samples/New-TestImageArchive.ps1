#requires -Version 7.2
<#
.SYNOPSIS
    Builds a small multi-layer container image (no daemon, no network) as a `docker save` archive or an OCI
    image layout, byte-for-byte the same on every run.
.DESCRIPTION
    The image has three layers that exercise what flattening must get right:
      layer 1  directories, files (one of ~300 KiB so that it spans several squashfs blocks), relative,
               absolute and dangling symlinks, a hard-link pair, a fifo, a sticky /tmp, setuid/owner bits
      layer 2  a whiteout of a directory (var/cache/junk), a whiteout of a symlink (usr/lib/libfoo.so), an opaque
               directory (opt/app) with a new child, a modified file (etc/hello.txt) and a replaced hard-link
               target (data/hard-a.txt, whose old content must survive in data/hard-b.txt)
      layer 3  a file replacing a directory (srv/site), a whiteout of a single file (etc/motd), a new hard-link pair
    The config carries Env, Entrypoint, Cmd, WorkingDir, Volumes, User (numeric), Labels and Created.

    -Format DockerSave       the legacy `docker save` layout (Docker < 25): manifest.json, <id>/layer.tar, <config>.json
    -Format DockerSaveOci    the layout Docker >= 25 writes: index.json + oci-layout + blobs/sha256 + manifest.json
    -Format OciLayout        an OCI image-layout directory (not a tar); with several -Architecture values the
                             index.json entry is an image index holding one manifest per platform

    -LayerCompression Gzip stores gzip layers (media type ...tar+gzip) in the OCI formats; GzipMembers stores each
    layer as several gzip members one after another (as eStargz and `cat a.gz b.gz` do), same media type.
    Returns an object with Path, ImageId (sha256:<config digest> of the first architecture), Reference, Created.
.EXAMPLE
    ./New-TestImageArchive.ps1 -Path ./sample.tar
.EXAMPLE
    ./New-TestImageArchive.ps1 -Path ./multi -Format OciLayout -Architecture amd64, arm64 -LayerCompression Gzip
#>
[CmdletBinding()]
param(
    [Parameter(Mandatory)] [string] $Path,
    [ValidateSet('DockerSave', 'DockerSaveOci', 'OciLayout')] [string] $Format = 'DockerSave',
    [string] $Repository = 'golemimage/sample',
    [string] $Tag = '1.0',
    [ValidateSet('amd64', 'arm64', 'arm', '386', 'riscv64')] [string[]] $Architecture = @('amd64'),
    [ValidateSet('None', 'Gzip', 'GzipMembers')] [string] $LayerCompression = 'None',
    # Varies the content (a marker file) so that tests can make distinct images with the same structure.
    [string] $Variant = '',
    # Puts two entries below the image's VOLUME /golem/work (which Golem providers hide at run time).
    [switch] $FilesInVolume
)

$ErrorActionPreference = 'Stop'
Set-StrictMode -Version Latest

$Created = [DateTimeOffset]::new(2024, 3, 1, 12, 0, 0, [TimeSpan]::Zero)
$EntryTime = [DateTimeOffset]::new(2024, 2, 29, 10, 30, 0, [TimeSpan]::Zero)
$Utf8 = [System.Text.UTF8Encoding]::new($false)
# Dates in the config are the same in every culture (th-TH would write the Buddhist year 2567).
$Invariant = [System.Globalization.CultureInfo]::InvariantCulture

function Get-Sha256Hex([byte[]] $bytes) {
    [Convert]::ToHexString([System.Security.Cryptography.SHA256]::HashData($bytes)).ToLowerInvariant()
}

function Get-PseudoRandomBytes([int] $count, [int] $seed) {
    # xorshift32: deterministic on every platform and runtime (System.Random's sequence is not a contract).
    $bytes = [byte[]]::new($count)
    [uint32] $state = [uint32] (2463534242 -bxor $seed)
    for ($i = 0; $i -lt $count; $i++) {
        $state = $state -bxor [uint32](($state -shl 13) -band 0xFFFFFFFF)
        $state = $state -bxor ($state -shr 17)
        $state = $state -bxor [uint32](($state -shl 5) -band 0xFFFFFFFF)
        # Text-like low entropy in the first half keeps compressors busy without making every block incompressible.
        $bytes[$i] = if ($i -lt $count / 2) { [byte](97 + ($state % 8)) } else { [byte]($state -band 0xFF) }
    }
    return , $bytes
}

function New-Layer {
    <# Entries: @{ Name; Type = File|Dir|Symlink|HardLink|Fifo; Content; Target; Mode; Uid; Gid } -> tar bytes. #>
    param([object[]] $Entries)
    $stream = [System.IO.MemoryStream]::new()
    $writer = [System.Formats.Tar.TarWriter]::new($stream, [System.Formats.Tar.TarEntryFormat]::Ustar, $true)
    foreach ($e in $Entries) {
        $type = switch ($e.Type) {
            'File' { [System.Formats.Tar.TarEntryType]::RegularFile }
            'Dir' { [System.Formats.Tar.TarEntryType]::Directory }
            'Symlink' { [System.Formats.Tar.TarEntryType]::SymbolicLink }
            'HardLink' { [System.Formats.Tar.TarEntryType]::HardLink }
            'Fifo' { [System.Formats.Tar.TarEntryType]::Fifo }
        }
        $name = if ($e.Type -eq 'Dir') { $e.Name.TrimEnd('/') + '/' } else { $e.Name }
        $entry = [System.Formats.Tar.UstarTarEntry]::new($type, $name)
        $defaultMode = if ($e.Type -in 'Dir') { 0x1ED } elseif ($e.Type -eq 'Symlink') { 0x1FF } else { 0x1A4 }  # 0755 / 0777 / 0644
        $entry.Mode = [System.IO.UnixFileMode] $(if ($e.ContainsKey('Mode')) { $e.Mode } else { $defaultMode })
        $entry.ModificationTime = if ($e.ContainsKey('Time')) { $e.Time } else { $EntryTime }
        $entry.Uid = if ($e.ContainsKey('Uid')) { $e.Uid } else { 0 }
        $entry.Gid = if ($e.ContainsKey('Gid')) { $e.Gid } else { 0 }
        if ($e.Type -in 'Symlink', 'HardLink') { $entry.LinkName = $e.Target }
        if ($e.Type -eq 'File') {
            [byte[]] $content = $e.Content -is [byte[]] ? $e.Content : $Utf8.GetBytes([string] $e.Content)
            $entry.DataStream = [System.IO.MemoryStream]::new($content)
        }
        $writer.WriteEntry($entry)
    }
    $writer.Dispose()
    return , $stream.ToArray()
}

function New-TarFromFiles {
    <# An outer archive: @( @{ Name; Bytes } | @{ Name; Dir = $true } ), in the given order. #>
    param([object[]] $Files, [string] $Destination)
    $file = [System.IO.File]::Create($Destination)
    try {
        $writer = [System.Formats.Tar.TarWriter]::new($file, [System.Formats.Tar.TarEntryFormat]::Ustar, $true)
        foreach ($f in $Files) {
            if ($f.ContainsKey('Dir')) {
                $entry = [System.Formats.Tar.UstarTarEntry]::new([System.Formats.Tar.TarEntryType]::Directory, $f.Name.TrimEnd('/') + '/')
                $entry.Mode = [System.IO.UnixFileMode] 0x1ED
            } else {
                $entry = [System.Formats.Tar.UstarTarEntry]::new([System.Formats.Tar.TarEntryType]::RegularFile, $f.Name)
                $entry.Mode = [System.IO.UnixFileMode] 0x1A4
                $entry.DataStream = [System.IO.MemoryStream]::new([byte[]] $f.Bytes)
            }
            $entry.ModificationTime = [DateTimeOffset]::FromUnixTimeSeconds(0)
            $writer.WriteEntry($entry)
        }
        $writer.Dispose()
    } finally {
        $file.Dispose()
    }
}

function Compress-Gzip([byte[]] $bytes) {
    $out = [System.IO.MemoryStream]::new()
    $gzip = [System.IO.Compression.GZipStream]::new($out, [System.IO.Compression.CompressionLevel]::Optimal, $true)
    $gzip.Write($bytes, 0, $bytes.Length)
    $gzip.Dispose()
    return , $out.ToArray()
}

function Compress-GzipMembers([byte[]] $bytes) {
    # Three members cut at uneven places (one inside the first 512 bytes, so inside a tar header); each member is a
    # complete gzip stream of its own.
    $cuts = @(0, [Math]::Min(300, $bytes.Length), [int]($bytes.Length * 0.6), $bytes.Length)
    $out = [System.IO.MemoryStream]::new()
    for ($i = 0; $i -lt 3; $i++) {
        $member = Compress-Gzip ([byte[]] $bytes[$cuts[$i]..($cuts[$i + 1] - 1)])
        $out.Write($member, 0, $member.Length)
    }
    return , $out.ToArray()
}

function ConvertTo-CanonicalJson($value) {
    # Compact JSON with keys in insertion order (ordered hashtables below), so digests are stable.
    ConvertTo-Json -InputObject $value -Depth 20 -Compress
}

function Get-ImageLayers([string] $arch) {
    $marker = "arch=$arch variant=$Variant`n"
    $layer1 = New-Layer @(
        @{ Name = 'bin'; Type = 'Dir' }
        @{ Name = 'bin/tool'; Type = 'File'; Content = "#!/bin/sh`necho tool`n"; Mode = 0x1ED }
        @{ Name = 'bin/sudo-like'; Type = 'File'; Content = "setuid`n"; Mode = 0x9ED }          # 04755
        @{ Name = 'bin/tool-link'; Type = 'Symlink'; Target = 'tool' }
        @{ Name = 'data'; Type = 'Dir'; Mode = 0x1FD; Uid = 1000; Gid = 1000 }                # 0775
        @{ Name = 'data/hard-a.txt'; Type = 'File'; Content = "original hard-link content`n"; Uid = 1000; Gid = 1000 }
        @{ Name = 'data/hard-b.txt'; Type = 'HardLink'; Target = 'data/hard-a.txt' }
        @{ Name = 'data/big.bin'; Type = 'File'; Content = (Get-PseudoRandomBytes 307200 7) }
        @{ Name = 'etc'; Type = 'Dir' }
        @{ Name = 'etc/hello.txt'; Type = 'File'; Content = "hello from layer 1`n" }
        @{ Name = 'etc/motd'; Type = 'File'; Content = "message of the day`n" }
        @{ Name = 'etc/marker'; Type = 'File'; Content = $marker }
        @{ Name = 'etc/absolute-link'; Type = 'Symlink'; Target = '/etc/hello.txt' }
        @{ Name = 'etc/dangling-link'; Type = 'Symlink'; Target = '../nowhere/at/all' }
        @{ Name = 'golem'; Type = 'Dir' }
        @{ Name = 'golem/work'; Type = 'Dir' }
        @{ Name = 'opt'; Type = 'Dir' }
        @{ Name = 'opt/app'; Type = 'Dir' }
        @{ Name = 'opt/app/old.txt'; Type = 'File'; Content = "hidden by the opaque directory`n" }
        @{ Name = 'opt/app/sub'; Type = 'Dir' }
        @{ Name = 'opt/app/sub/deep.txt'; Type = 'File'; Content = "also hidden`n" }
        @{ Name = 'run'; Type = 'Dir' }
        @{ Name = 'run/fifo'; Type = 'Fifo'; Mode = 0x180 }                                  # 0600
        @{ Name = 'srv'; Type = 'Dir' }
        @{ Name = 'srv/site'; Type = 'Dir' }
        @{ Name = 'srv/site/index.html'; Type = 'File'; Content = "<p>hidden by a file</p>`n" }
        @{ Name = 'tmp'; Type = 'Dir'; Mode = 0x3FF }                                         # 01777
        @{ Name = 'usr'; Type = 'Dir' }
        @{ Name = 'usr/lib'; Type = 'Dir' }
        @{ Name = 'usr/lib/libfoo.so.1'; Type = 'File'; Content = "not really a library`n" }
        @{ Name = 'usr/lib/libfoo.so'; Type = 'Symlink'; Target = 'libfoo.so.1' }
        @{ Name = 'var'; Type = 'Dir' }
        @{ Name = 'var/cache'; Type = 'Dir' }
        @{ Name = 'var/cache/junk'; Type = 'Dir' }
        @{ Name = 'var/cache/junk/a.txt'; Type = 'File'; Content = "whited out`n" }
        @{ Name = 'var/cache/keep.txt'; Type = 'File'; Content = "kept`n" }
        @{ Name = 'with space é.txt'; Type = 'File'; Content = "utf-8 name`n" }
    )
    $layer2Time = $EntryTime.AddHours(1)
    $layer2 = New-Layer @(
        @{ Name = 'data'; Type = 'Dir'; Mode = 0x1ED; Uid = 1000; Gid = 1000; Time = $layer2Time }   # new metadata wins
        @{ Name = 'data/hard-a.txt'; Type = 'File'; Content = "replaced in layer 2`n"; Time = $layer2Time }
        @{ Name = 'etc'; Type = 'Dir'; Time = $layer2Time }
        @{ Name = 'etc/hello.txt'; Type = 'File'; Content = "hello from layer 2`n"; Time = $layer2Time }
        @{ Name = 'opt/app'; Type = 'Dir'; Time = $layer2Time }
        @{ Name = 'opt/app/.wh..wh..opq'; Type = 'File'; Content = ''; Time = $layer2Time }
        @{ Name = 'opt/app/new.txt'; Type = 'File'; Content = "the only child left`n"; Time = $layer2Time }
        @{ Name = 'usr/lib/.wh.libfoo.so'; Type = 'File'; Content = ''; Time = $layer2Time }
        @{ Name = 'var/cache/.wh.junk'; Type = 'File'; Content = ''; Time = $layer2Time }
    )
    $layer3Time = $EntryTime.AddHours(2)
    $layer3 = New-Layer @(
        @{ Name = 'etc/.wh.motd'; Type = 'File'; Content = ''; Time = $layer3Time }
        @{ Name = 'srv/site'; Type = 'File'; Content = "a file where a directory was`n"; Time = $layer3Time }
        @{ Name = 'usr/share'; Type = 'Dir'; Time = $layer3Time }
        @{ Name = 'usr/share/one.txt'; Type = 'File'; Content = "linked twice`n"; Time = $layer3Time }
        @{ Name = 'usr/share/two.txt'; Type = 'HardLink'; Target = 'usr/share/one.txt'; Time = $layer3Time }
        if ($FilesInVolume) {
            @{ Name = 'golem/work/input.txt'; Type = 'File'; Content = "stored in the volume`n"; Time = $layer3Time }
            @{ Name = 'golem/work/cache'; Type = 'Dir'; Time = $layer3Time }
        }
    )
    return , @($layer1, $layer2, $layer3)
}

function New-ImageBlobs([string] $arch) {
    <# Returns layer tars, their (optionally compressed) blobs, the config bytes and the manifest bytes. #>
    $layers = Get-ImageLayers $arch
    $diffIds = @($layers | ForEach-Object { 'sha256:' + (Get-Sha256Hex $_) })
    $blobs = @($layers | ForEach-Object {
            $layer = $_  # inside switch, $_ is the switch's value
            switch ($LayerCompression) { 'Gzip' { , (Compress-Gzip $layer) } 'GzipMembers' { , (Compress-GzipMembers $layer) } default { , $layer } }
        })
    $config = [ordered]@{
        architecture = $arch
        config       = [ordered]@{
            User         = '1000:1000'
            Env          = @('PATH=/usr/local/bin:/usr/bin:/bin', 'GREETING=hello golem')
            Entrypoint   = @('/bin/tool')
            Cmd          = @('--serve', 'now')
            WorkingDir   = '/opt/app'
            Volumes      = [ordered]@{ '/golem/work' = [ordered]@{} }
            Labels       = [ordered]@{ 'org.opencontainers.image.title' = 'GolemImage sample' }
        }
        created      = $Created.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", $Invariant)
        history      = @(
            [ordered]@{ created = $Created.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", $Invariant); created_by = 'New-TestImageArchive layer 1' }
            [ordered]@{ created = $Created.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", $Invariant); created_by = 'New-TestImageArchive layer 2' }
            [ordered]@{ created = $Created.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", $Invariant); created_by = 'New-TestImageArchive layer 3' }
        )
        os           = 'linux'
        rootfs       = [ordered]@{ type = 'layers'; diff_ids = $diffIds }
    }
    if ($arch -eq 'arm') { $config.variant = 'v7' }
    $configBytes = $Utf8.GetBytes((ConvertTo-CanonicalJson $config))
    $layerMediaType = if ($LayerCompression -ne 'None') { 'application/vnd.oci.image.layer.v1.tar+gzip' } else { 'application/vnd.oci.image.layer.v1.tar' }
    $manifest = [ordered]@{
        schemaVersion = 2
        mediaType     = 'application/vnd.oci.image.manifest.v1+json'
        config        = [ordered]@{ mediaType = 'application/vnd.oci.image.config.v1+json'; digest = 'sha256:' + (Get-Sha256Hex $configBytes); size = $configBytes.Length }
        layers        = @($blobs | ForEach-Object { [ordered]@{ mediaType = $layerMediaType; digest = 'sha256:' + (Get-Sha256Hex $_); size = $_.Length } })
    }
    $manifestBytes = $Utf8.GetBytes((ConvertTo-CanonicalJson $manifest))
    [pscustomobject]@{
        Architecture  = $arch
        Layers        = $layers
        Blobs         = $blobs
        DiffIds       = $diffIds
        Config        = $configBytes
        ConfigHex     = Get-Sha256Hex $configBytes
        Manifest      = $manifestBytes
        ManifestHex   = Get-Sha256Hex $manifestBytes
    }
}

$images = @($Architecture | ForEach-Object { New-ImageBlobs $_ })
$first = $images[0]
$reference = "${Repository}:$Tag"
$destination = $ExecutionContext.SessionState.Path.GetUnresolvedProviderPathFromPSPath($Path)

switch ($Format) {
    'DockerSave' {
        if ($images.Count -ne 1) { throw 'The legacy docker-save layout holds one platform; pass one -Architecture.' }
        $files = [System.Collections.Generic.List[hashtable]]::new()
        $layerPaths = @()
        for ($i = 0; $i -lt $first.Layers.Count; $i++) {
            $dir = $first.DiffIds[$i].Substring(7)
            $files.Add(@{ Name = $dir; Dir = $true })
            $files.Add(@{ Name = "$dir/VERSION"; Bytes = $Utf8.GetBytes('1.0') })
            $files.Add(@{ Name = "$dir/layer.tar"; Bytes = $first.Layers[$i] })
            $layerPaths += "$dir/layer.tar"
        }
        $files.Add(@{ Name = "$($first.ConfigHex).json"; Bytes = $first.Config })
        $manifestJson = ConvertTo-Json -InputObject @([ordered]@{ Config = "$($first.ConfigHex).json"; RepoTags = @($reference); Layers = $layerPaths }) -Depth 5 -Compress
        $files.Add(@{ Name = 'manifest.json'; Bytes = $Utf8.GetBytes($manifestJson) })
        $repositories = ConvertTo-Json -InputObject ([ordered]@{ $Repository = [ordered]@{ $Tag = $first.DiffIds[-1].Substring(7) } }) -Compress
        $files.Add(@{ Name = 'repositories'; Bytes = $Utf8.GetBytes($repositories) })
        New-TarFromFiles -Files $files -Destination $destination
    }
    'DockerSaveOci' {
        if ($images.Count -ne 1) { throw 'docker save writes one manifest per image; pass one -Architecture.' }
        $files = [System.Collections.Generic.List[hashtable]]::new()
        $files.Add(@{ Name = 'blobs'; Dir = $true })
        $files.Add(@{ Name = 'blobs/sha256'; Dir = $true })
        $blobNames = @()
        foreach ($blob in $first.Blobs) {
            $name = 'blobs/sha256/' + (Get-Sha256Hex $blob)
            $files.Add(@{ Name = $name; Bytes = $blob })
            $blobNames += $name
        }
        $files.Add(@{ Name = "blobs/sha256/$($first.ConfigHex)"; Bytes = $first.Config })
        $files.Add(@{ Name = "blobs/sha256/$($first.ManifestHex)"; Bytes = $first.Manifest })
        $index = [ordered]@{
            schemaVersion = 2
            mediaType     = 'application/vnd.oci.image.index.v1+json'
            manifests     = @([ordered]@{
                    mediaType   = 'application/vnd.oci.image.manifest.v1+json'
                    digest      = "sha256:$($first.ManifestHex)"
                    size        = $first.Manifest.Length
                    annotations = [ordered]@{ 'io.containerd.image.name' = "docker.io/$reference"; 'org.opencontainers.image.ref.name' = $Tag }
                })
        }
        $files.Add(@{ Name = 'index.json'; Bytes = $Utf8.GetBytes((ConvertTo-CanonicalJson $index)) })
        $manifestJson = ConvertTo-Json -InputObject @([ordered]@{ Config = "blobs/sha256/$($first.ConfigHex)"; RepoTags = @($reference); Layers = $blobNames }) -Depth 5 -Compress
        $files.Add(@{ Name = 'manifest.json'; Bytes = $Utf8.GetBytes($manifestJson) })
        $files.Add(@{ Name = 'oci-layout'; Bytes = $Utf8.GetBytes('{"imageLayoutVersion":"1.0.0"}') })
        New-TarFromFiles -Files $files -Destination $destination
    }
    'OciLayout' {
        if (Test-Path -LiteralPath $destination) { Remove-Item -LiteralPath $destination -Recurse -Force }
        $blobDir = Join-Path $destination 'blobs/sha256'
        New-Item -ItemType Directory -Force -Path $blobDir | Out-Null
        $write = { param($bytes) [System.IO.File]::WriteAllBytes((Join-Path $blobDir (Get-Sha256Hex $bytes)), $bytes) }
        $descriptors = foreach ($image in $images) {
            foreach ($blob in $image.Blobs) { & $write $blob }
            & $write $image.Config
            & $write $image.Manifest
            $platform = [ordered]@{ architecture = $image.Architecture; os = 'linux' }
            if ($image.Architecture -eq 'arm') { $platform.variant = 'v7' }
            [ordered]@{ mediaType = 'application/vnd.oci.image.manifest.v1+json'; digest = "sha256:$($image.ManifestHex)"; size = $image.Manifest.Length; platform = $platform }
        }
        $annotations = [ordered]@{ 'org.opencontainers.image.ref.name' = $Tag }
        if ($images.Count -eq 1) {
            $top = $descriptors
            $top.annotations = $annotations
        } else {
            $nested = $Utf8.GetBytes((ConvertTo-CanonicalJson ([ordered]@{ schemaVersion = 2; mediaType = 'application/vnd.oci.image.index.v1+json'; manifests = @($descriptors) })))
            & $write $nested
            $top = [ordered]@{ mediaType = 'application/vnd.oci.image.index.v1+json'; digest = 'sha256:' + (Get-Sha256Hex $nested); size = $nested.Length; annotations = $annotations }
        }
        $index = [ordered]@{ schemaVersion = 2; mediaType = 'application/vnd.oci.image.index.v1+json'; manifests = @($top) }
        [System.IO.File]::WriteAllBytes((Join-Path $destination 'index.json'), $Utf8.GetBytes((ConvertTo-CanonicalJson $index)))
        [System.IO.File]::WriteAllBytes((Join-Path $destination 'oci-layout'), $Utf8.GetBytes('{"imageLayoutVersion":"1.0.0"}'))
    }
}

[pscustomobject]@{
    Path      = $destination
    Format    = $Format
    Reference = $reference
    ImageId   = "sha256:$($first.ConfigHex)"
    ImageIds  = @($images | ForEach-Object { "sha256:$($_.ConfigHex)" })
    Created   = $Created
}
