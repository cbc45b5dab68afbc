#requires -Modules Pester
# ConvertTo-GolemImage against real sources: hand-built archives (docker save legacy and OCI layouts, OCI image
# layouts, gzip and zstd layers), a real dockerd started here, and a real distribution registry on 127.0.0.1.
# The independent references are umoci (unpacks the same image), unsquashfs (reads our squashfs) and the kernel.

BeforeDiscovery {
    # -Skip conditions are evaluated during discovery.
    Import-Module "$PSScriptRoot/TestHelpers.psm1" -Force
}

BeforeAll {
    Import-Module $env:GOLEMIMAGE_MODULE -Force
    Import-Module "$PSScriptRoot/TestHelpers.psm1" -Force
    # The sample builder needs PowerShell 7.2+; under Windows PowerShell 5.1 this runs it in pwsh (TestHelpers).
    $script:Samples = Get-Command New-TestImageArchive -CommandType Function
    $script:Work = Join-Path ([IO.Path]::GetTempPath()) ('gi-convert-' + [guid]::NewGuid().ToString('N').Substring(0, 8))
    New-Item -ItemType Directory -Force -Path $Work | Out-Null

    $script:Legacy = & $Samples -Path "$Work/legacy.tar"
    $script:DockerOci = & $Samples -Path "$Work/docker-oci.tar" -Format DockerSaveOci
    $script:Layout = & $Samples -Path "$Work/layout" -Format OciLayout -LayerCompression Gzip
    $script:Members = & $Samples -Path "$Work/members" -Format OciLayout -LayerCompression GzipMembers
    $script:Multi = & $Samples -Path "$Work/multi" -Format OciLayout -Architecture amd64, arm64 -LayerCompression Gzip
    $script:ArmOnly = & $Samples -Path "$Work/armonly" -Format OciLayout -Architecture arm64
    $script:ImageId = $Legacy.ImageId

    function Get-TreeListing([string] $root) {
        # One line per entry: type+mode, owner, link count, mtime (except the root's, which no layer defines),
        # size for files, link target, and a content hash, so two trees compare entry for entry.
        Push-Location $root
        try {
            & find . -printf '%p\t%M\t%U:%G\t%n\t%T@\t%s\t%l\t%y\n' | Sort-Object | ForEach-Object {
                $f = $_ -split "`t"
                $mtime = if ($f[0] -eq '.') { '-' } else { $f[4] }
                $size = if ($f[7] -eq 'f') { $f[5] } else { '-' }
                $content = if ($f[7] -eq 'f') { (Get-FileHash -LiteralPath $f[0] -Algorithm SHA256).Hash } else { '-' }
                "$($f[0]) $($f[1]) $($f[2]) n=$($f[3]) t=$mtime s=$size l=$($f[6]) $content"
            }
        } finally {
            Pop-Location
        }
    }

    function Expand-Gvmi([string] $gvmi, [string] $destination) {
        & unsquashfs -no-progress -d $destination $gvmi *> $null
        $LASTEXITCODE | Should -Be 0 -Because "unsquashfs must read $gvmi"
    }

    function Get-LeftoverFiles([string] $directory) {
        @(Get-ChildItem -LiteralPath $directory -Force -File | Where-Object { $_.Name -like '.*.tmp' -or $_.Extension -eq '.tmp' })
    }
}

AfterAll {
    Remove-Item -Recurse -Force -LiteralPath $Work -ErrorAction Ignore
}

Describe 'ConvertTo-GolemImage from image archives' -Tag 'Portable' {
    BeforeAll {
        $script:Out = Join-Path $Work 'archives'
        New-Item -ItemType Directory -Force -Path $Out | Out-Null
        $script:FromLegacy = ConvertTo-GolemImage -ArchivePath $Legacy.Path -OutputPath "$Out/legacy.gvmi" -ErrorAction Stop
    }

    It 'gives the same bytes for both docker save layouts, an OCI layout (gzip layers) and a multi-platform index' -Tag 'LinuxTools' {
        $fromDockerOci = ConvertTo-GolemImage -ArchivePath $DockerOci.Path -OutputPath "$Out/docker-oci.gvmi" -ErrorAction Stop
        $fromLayout = ConvertTo-GolemImage -ArchivePath $Layout.Path -OutputPath "$Out/layout.gvmi" -ErrorAction Stop
        $fromMulti = ConvertTo-GolemImage -ArchivePath $Multi.Path -OutputPath "$Out/multi.gvmi" -ErrorAction Stop
        $FromLegacy.Hash | Should -Match '^[0-9a-f]{56}$'
        $fromDockerOci.Hash | Should -Be $FromLegacy.Hash
        $fromLayout.Hash | Should -Be $FromLegacy.Hash
        $fromMulti.Hash | Should -Be $FromLegacy.Hash
        $fromMulti.Platform | Should -Be 'linux/amd64'
        (& openssl dgst -sha3-224 -r $FromLegacy.Path) -replace ' .*$' | Should -Be $FromLegacy.Hash
    }

    It 'reads every member of gzip layers made of several members (eStargz, cat a.gz b.gz), on both builds' {
        # .NET Framework's GZipStream (Windows PowerShell 5.1) stops after the first member: the engine reads the
        # members itself, on every runtime, so this suite on the netstandard2.0 build runs the same code.
        $fromMembers = ConvertTo-GolemImage -ArchivePath $Members.Path -OutputPath "$Out/members.gvmi" -ErrorAction Stop
        $fromMembers.Hash | Should -Be $FromLegacy.Hash
    }

    It 'emits a GolemImageFile describing the image and its config' {
        $FromLegacy | Should -BeOfType ([GolemImage.GolemImageFile])
        $FromLegacy.Path | Should -Be (Join-Path $Out 'legacy.gvmi')
        $FromLegacy.Size | Should -Be (Get-Item $FromLegacy.Path).Length
        $FromLegacy.ImageId | Should -Be $ImageId
        $FromLegacy.SourceImage | Should -Be 'golemimage/sample:1.0'
        $FromLegacy.Platform | Should -Be 'linux/amd64'
        $FromLegacy.Created | Should -Be ([datetime]::new(2024, 3, 1, 12, 0, 0, [DateTimeKind]::Utc))
        $FromLegacy.Config.Env | Should -Be @('PATH=/usr/local/bin:/usr/bin:/bin', 'GREETING=hello golem')
        $FromLegacy.Config.Entrypoint | Should -Be @('/bin/tool')
        $FromLegacy.Config.Cmd | Should -Be @('--serve', 'now')
        $FromLegacy.Config.WorkingDir | Should -Be '/opt/app'
        $FromLegacy.Config.Volumes | Should -Be @('/golem/work')
        $FromLegacy.Config.User | Should -Be '1000:1000'
        $FromLegacy.Config.Image | Should -Be $ImageId
    }

    It 'writes the trailer ya-runtime-vm reads: CRC-32 of the JSON, the JSON, its length as 8 digits' {
        $bytes = [IO.File]::ReadAllBytes($FromLegacy.Path)
        $length = [int] [Text.Encoding]::ASCII.GetString($bytes, $bytes.Length - 8, 8)
        $json = [Text.Encoding]::UTF8.GetString($bytes, $bytes.Length - 8 - $length, $length)
        $config = $json | ConvertFrom-Json
        $config.Image | Should -Be $ImageId
        $config.WorkingDir | Should -Be '/opt/app'
        $config.Volumes.PSObject.Properties.Name | Should -Be '/golem/work' -Because 'volumes are an object of empty objects'
        ($bytes.Length - 8 - $length - 4) % 4096 | Should -Be 0 -Because 'the squashfs part is padded to 4 KiB'
    }

    It 'matches, entry for entry, the root filesystem umoci unpacks from the same image' -Tag 'LinuxTools', 'SquashfsTools', 'Root' -Skip:(-not (Get-Command umoci -ErrorAction Ignore) -or -not (Test-IsLinuxRoot)) {
        # umoci reads the OCI layout and applies the layers itself (whiteouts, opaque dir, replaced hard-link target).
        $bundle = Join-Path $Work 'umoci-bundle'
        & umoci unpack --image "$($Layout.Path):1.0" $bundle *> $null
        $LASTEXITCODE | Should -Be 0
        $ours = Join-Path $Work 'ours'
        Expand-Gvmi $FromLegacy.Path $ours
        $expected = Get-TreeListing "$bundle/rootfs"
        $actual = Get-TreeListing $ours
        $expected.Count | Should -BeGreaterThan 30
        Compare-Object $expected $actual | Out-String | Should -BeNullOrEmpty
        # Spot checks of what flattening must get right, so a failure says which rule broke.
        Get-Content -Raw "$ours/etc/hello.txt" | Should -Be "hello from layer 2`n"
        Get-Content -Raw "$ours/data/hard-b.txt" | Should -Be "original hard-link content`n"
        Test-Path "$ours/var/cache/junk" | Should -BeFalse
        Test-Path "$ours/opt/app/old.txt" | Should -BeFalse
        Test-Path "$ours/srv/site/index.html" | Should -BeFalse
        Test-Path "$ours/etc/motd" | Should -BeFalse
        @(Get-ChildItem -Recurse -Force $ours | Where-Object Name -like '.wh.*').Count | Should -Be 0
    }

    It 'keeps hard links as links (one inode, nlink 2)' -Tag 'SquashfsTools' -Skip:(-not (Get-Command rdsquashfs -ErrorAction Ignore)) {
        $stat = & rdsquashfs -s /usr/share/one.txt $FromLegacy.Path
        ($stat | Select-String 'Link count: 2') | Should -Not -BeNullOrEmpty
    }

    It 'reads zstd-compressed layers' -Tag 'LinuxTools' -Skip:(-not (Get-Command skopeo -ErrorAction Ignore)) {
        & skopeo copy --dest-compress-format zstd "oci:$($Layout.Path):1.0" "oci:$Work/zstd:1.0" *> $null
        $LASTEXITCODE | Should -Be 0
        $manifest = Get-ChildItem "$Work/zstd/blobs/sha256" | Where-Object Length -lt 4096 | ForEach-Object { Get-Content -Raw $_.FullName } | Where-Object { $_ -match '"layers"\s*:' }
        $manifest | Should -Match 'tar\+zstd'
        (ConvertTo-GolemImage -ArchivePath "$Work/zstd" -OutputPath "$Out/zstd.gvmi" -ErrorAction Stop).Hash | Should -Be $FromLegacy.Hash
    }

    It 'warns once that Golem providers cannot mount a zstd image, and still writes one unsquashfs reads' {
        $image = ConvertTo-GolemImage -ArchivePath $Legacy.Path -OutputPath "$Out/zstd-image.gvmi" -Compression Zstd -WarningVariable warnings -WarningAction SilentlyContinue -ErrorAction Stop
        @($warnings).Count | Should -Be 1
        "$($warnings[0])" | Should -Match 'zstd'
        $image.Compression | Should -Be 'zstd'
        if (Get-Command unsquashfs -ErrorAction Ignore) {
            (& unsquashfs -s $image.Path) -join "`n" | Should -Match 'Compression zstd'
        }
    }

    It 'takes -Compression in any letter case, and refuses a compressor it cannot write before touching the output' {
        (ConvertTo-GolemImage -ArchivePath $Legacy.Path -OutputPath "$Out/case-lzo.gvmi" -Compression lzo -ErrorAction Stop).Hash | Should -Be $FromLegacy.Hash
        (ConvertTo-GolemImage -ArchivePath $Legacy.Path -OutputPath "$Out/case-gzip.gvmi" -Compression GZIP -ErrorAction Stop).Compression | Should -Be 'gzip'
        $lz4 = [GolemImage.Compression.CompressionAlgorithm]::Lz4
        (ConvertTo-GolemImage -ArchivePath $Legacy.Path -OutputPath "$Out/case-lz4.gvmi" -Compression $lz4 -ErrorAction Stop).Compression | Should -Be 'lz4'
        (ConvertTo-GolemImage -ArchivePath $Legacy.Path -OutputPath "$Out/case-xz.gvmi" -Compression XZ -ErrorAction Stop).Compression | Should -Be 'xz'
        # lzma: never (no kernel reads it).
        { ConvertTo-GolemImage -ArchivePath $Legacy.Path -OutputPath "$Out/refused-lzma.gvmi" -Compression lzma } |
            Should -Throw -ErrorId 'ParameterArgumentValidationError,GolemImage.Cmdlets.ConvertToGolemImageCommand' -ExpectedMessage '*cannot write lzma images yet; use gzip, lzo, xz, lz4 or zstd.'
        { ConvertTo-GolemImage -ArchivePath $Legacy.Path -OutputPath "$Out/refused-zlib.gvmi" -Compression zlib } |
            Should -Throw -ErrorId 'ParameterArgumentValidationError,GolemImage.Cmdlets.ConvertToGolemImageCommand' -ExpectedMessage "*'zlib' is not a squashfs compressor; use gzip, lzo, xz, lz4 or zstd."
        foreach ($name in 'lzma', 'zlib') {
            Test-Path "$Out/refused-$name.gvmi" | Should -BeFalse
        }
    }

    It 'completes -Compression with the compressors it writes' {
        foreach ($case in @(@('ConvertTo-GolemImage -Compression ', @('Gzip', 'Lzo', 'Xz', 'Lz4', 'Zstd')), @('ConvertTo-GolemImage -Compression l', @('Lzo', 'Lz4')))) {
            $line = $case[0]
            (TabExpansion2 -inputScript $line -cursorColumn $line.Length).CompletionMatches.CompletionText | Should -Be $case[1]
        }
    }

    It 'warns that files kept under a VOLUME are hidden on providers, and still writes them' {
        $sample = & $Samples -Path "$Work/volume-files.tar" -FilesInVolume
        $image = ConvertTo-GolemImage -ArchivePath $sample.Path -OutputPath "$Out/volume-files.gvmi" -WarningVariable warnings -WarningAction SilentlyContinue -ErrorAction Stop
        @($warnings).Count | Should -Be 1
        "$($warnings[0])" | Should -Match '^VOLUME /golem/work has 2 entries in the image \(such as /golem/work/input\.txt\)\. Golem providers mount an empty directory'
        if (Get-Command unsquashfs -ErrorAction Ignore) {
            (& unsquashfs -l $image.Path) | Should -Contain 'squashfs-root/golem/work/input.txt'
        }
        # Test-GolemImage finds the same in the written image (it reads the directory tables), and so only warns.
        $volumes = Test-GolemImage $image.Path -Detailed | Where-Object Check -EQ 'Volumes'
        $volumes.Result | Should -Be 'Warning'
        $volumes.Message | Should -Match '^VOLUME /golem/work has 2 entries in the image \(such as /golem/work/cache\)'
        Test-GolemImage $image.Path | Should -BeTrue
        (Test-GolemImage $FromLegacy.Path -Detailed | Where-Object Check -EQ 'Volumes').Result | Should -Be 'Passed'
    }

    It 'reads a gzip-compressed docker save archive' {
        $gz = "$Work/legacy.tar.gz"
        $source = [IO.File]::OpenRead($Legacy.Path)
        $gzip = [IO.Compression.GZipStream]::new([IO.File]::Create($gz), [IO.Compression.CompressionLevel]::Fastest)
        $source.CopyTo($gzip); $gzip.Dispose(); $source.Dispose()
        (ConvertTo-GolemImage -ArchivePath $gz -OutputPath "$Out/gz.gvmi" -ErrorAction Stop).Hash | Should -Be $FromLegacy.Hash
    }

    Context 'spool files' {
        BeforeAll {
            $script:Gz = "$Work/legacy.tar.gz"
            $script:SpoolOut = Join-Path $Work 'spool-out'
            $script:Spool = Join-Path $Work 'spool'
            $script:EnvSpool = Join-Path $Work 'env-spool'
            New-Item -ItemType Directory -Force -Path $SpoolOut, $Spool, $EnvSpool | Out-Null
            function Get-SpoolPath($verbose) {
                # The verbose message names the spool file it decompresses to.
                $line = @($verbose | Where-Object { "$_" -like '*decompressing it to*' })[0]
                "$line" -replace '^.* to (.+) for random access.*$', '$1'
            }
        }
        AfterEach { Remove-Item Env:GOLEMIMAGE_SPOOL -ErrorAction Ignore }

        It 'spools beside the output by default, to $env:GOLEMIMAGE_SPOOL when set, and to -SpoolDirectory over both; none is left' {
            $verbose = ConvertTo-GolemImage -ArchivePath $Gz -OutputPath "$SpoolOut/a.gvmi" -Force -Verbose 4>&1 | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] }
            Split-Path (Get-SpoolPath $verbose) | Should -Be $SpoolOut
            (Split-Path -Leaf (Get-SpoolPath $verbose)) | Should -Match "^\.golemimage-spool-.+-$PID-[0-9a-f]+\.tmp$"

            $env:GOLEMIMAGE_SPOOL = $EnvSpool
            $verbose = ConvertTo-GolemImage -ArchivePath $Gz -OutputPath "$SpoolOut/a.gvmi" -Force -Verbose 4>&1 | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] }
            Split-Path (Get-SpoolPath $verbose) | Should -Be $EnvSpool

            $verbose = ConvertTo-GolemImage -ArchivePath $Gz -OutputPath "$SpoolOut/a.gvmi" -SpoolDirectory $Spool -Force -Verbose 4>&1 | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] }
            Split-Path (Get-SpoolPath $verbose) | Should -Be $Spool
            @(Get-ChildItem -Force $Spool, $EnvSpool).Count | Should -Be 0
            @(Get-ChildItem -Force $SpoolOut).Name | Should -Be 'a.gvmi'
        }

        It 'leaves no spool after a failure' {
            $cut = "$Work/cut.tar.gz"
            $bytes = [IO.File]::ReadAllBytes($Gz)
            [IO.File]::WriteAllBytes($cut, $bytes[0..($bytes.Length / 2)])
            { ConvertTo-GolemImage -ArchivePath $cut -OutputPath "$SpoolOut/cut.gvmi" -SpoolDirectory $Spool -ErrorAction Stop } |
                Should -Throw -ErrorId 'InvalidArchive,GolemImage.Cmdlets.ConvertToGolemImageCommand'
            @(Get-ChildItem -Force $Spool).Count | Should -Be 0
        }

        It 'sweeps the spool a killed job left behind (xunit covers the ones kept)' -Tag 'LinuxTools' {
            $dead = Start-Process -FilePath 'true' -PassThru; $dead.WaitForExit()
            $orphan = Join-Path $Spool ".golemimage-spool-$([Environment]::MachineName)-$($dead.Id)-0123456789ab.tmp"
            [IO.File]::WriteAllText($orphan, 'spooled')
            (Get-Item -Force $orphan).LastWriteTimeUtc = [DateTime]::UtcNow.AddHours(-1)
            ConvertTo-GolemImage -ArchivePath $Gz -OutputPath "$SpoolOut/b.gvmi" -SpoolDirectory $Spool -ErrorAction Stop | Out-Null
            Test-Path $orphan | Should -BeFalse
            @(Get-ChildItem -Force $Spool).Count | Should -Be 0
        }

        It 'refuses a spool directory that does not exist (SpoolDirectoryNotFound), naming where it came from' {
            $env:GOLEMIMAGE_SPOOL = Join-Path $Work 'no-such-dir'
            { ConvertTo-GolemImage -ArchivePath $Gz -OutputPath "$SpoolOut/c.gvmi" -ErrorAction Stop } |
                Should -Throw -ErrorId 'SpoolDirectoryNotFound,GolemImage.Cmdlets.ConvertToGolemImageCommand' -ExpectedMessage '*GOLEMIMAGE_SPOOL*'
        }
    }

    It 'is mountable by the kernel' -Tag 'Root' -Skip:(-not (Test-CanLoopMount)) {
        $mount = Join-Path $Work 'mnt'
        New-Item -ItemType Directory -Force -Path $mount | Out-Null
        & mount -t squashfs -o loop,ro $FromLegacy.Path $mount
        $LASTEXITCODE | Should -Be 0
        try {
            Get-Content -Raw "$mount/opt/app/new.txt" | Should -Be "the only child left`n"
            (Get-FileHash "$mount/data/big.bin").Hash | Should -Be (Get-FileHash "$Work/ours/data/big.bin").Hash
        } finally {
            & umount $mount
        }
    }

    It 'names the output repository-tag-id10.gvmi in the current location, and skips an up-to-date file' {
        $here = Join-Path $Work 'cwd'
        New-Item -ItemType Directory -Force -Path $here | Out-Null
        Push-Location $here
        try {
            $first = ConvertTo-GolemImage -ArchivePath $Legacy.Path -ErrorAction Stop
            $expectedName = 'golemimage-sample-1.0-' + $ImageId.Substring(7, 10) + '.gvmi'
            $first.Path | Should -Be (Join-Path $here $expectedName)
            $stamp = (Get-Item $first.Path).LastWriteTimeUtc
            Start-Sleep -Milliseconds 1100
            $again = ConvertTo-GolemImage -ArchivePath $Legacy.Path -Verbose -ErrorAction Stop 4>&1
            $verbose = @($again | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] })
            $result = @($again | Where-Object { $_ -is [GolemImage.GolemImageFile] })
            $result.Count | Should -Be 1
            $result[0].Hash | Should -Be $first.Hash
            ($verbose.Message -join "`n") | Should -Match 'skipping'
            (Get-Item $first.Path).LastWriteTimeUtc | Should -Be $stamp
            $forced = ConvertTo-GolemImage -ArchivePath $Legacy.Path -Force -ErrorAction Stop
            $forced.Hash | Should -Be $first.Hash
            (Get-Item $first.Path).LastWriteTimeUtc | Should -BeGreaterThan $stamp
        } finally {
            Pop-Location
        }
    }

    It 'compresses on -ThrottleLimit threads, to the same bytes as on one per processor' {
        $runs = foreach ($limit in 1, 3, $null) {
            $threads = if ($limit) { @{ ThrottleLimit = $limit } } else { @{} }
            $output = @(ConvertTo-GolemImage -ArchivePath $Legacy.Path -OutputPath "$Out/throttle-$limit.gvmi" @threads -Verbose -ErrorAction Stop 4>&1)
            [pscustomobject]@{
                Hash    = @($output | Where-Object { $_ -is [GolemImage.GolemImageFile] })[0].Hash
                Verbose = @($output | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] }).Message -join "`n"
            }
        }
        $runs[0].Verbose | Should -Match ', 1 compression thread,'
        $runs[1].Verbose | Should -Match ', 3 compression threads,'
        $processors = [Environment]::ProcessorCount
        $runs[2].Verbose | Should -Match ", $processors compression threads?,"
        $runs.Hash | Should -Be @($FromLegacy.Hash, $FromLegacy.Hash, $FromLegacy.Hash)
        { ConvertTo-GolemImage -ArchivePath $Legacy.Path -OutputPath "$Out/throttle-0.gvmi" -ThrottleLimit 0 -ErrorAction Stop } |
            Should -Throw -ErrorId 'ParameterArgumentValidationError,GolemImage.Cmdlets.ConvertToGolemImageCommand'
        Test-Path "$Out/throttle-0.gvmi" | Should -BeFalse
    }

    It 'writes nothing under -WhatIf' {
        $target = Join-Path $Out 'whatif.gvmi'
        ConvertTo-GolemImage -ArchivePath $Legacy.Path -OutputPath $target -WhatIf | Should -BeNullOrEmpty
        Test-Path $target | Should -BeFalse
    }

    It 'refuses an output name Windows cannot hold as an InvalidArgument error for that item, and goes on' {
        $err = $null
        $results = @(foreach ($name in 'bad:name.gvmi', 'bad|name.gvmi', 'good-name.gvmi') {
            ConvertTo-GolemImage -ArchivePath $Legacy.Path -OutputPath (Join-Path $Out $name) -ErrorVariable +err -ErrorAction SilentlyContinue
        })
        @($err).Count | Should -Be 2
        foreach ($e in $err) {
            $e.FullyQualifiedErrorId | Should -BeLike 'InvalidOutputPath*'
            $e.CategoryInfo.Category | Should -Be 'InvalidArgument'
        }
        $err[0].Exception.Message | Should -Match 'alternate data stream'
        $results.Count | Should -Be 1
        $results[0].Hash | Should -Be $FromLegacy.Hash
        @(Get-ChildItem -LiteralPath $Out -Filter 'bad*').Count | Should -Be 0
    }

    It 'writes an output whose name is near the 255-byte limit (the temporary name is short)' {
        $name = ('n' * 245) + '.gvmi'
        (ConvertTo-GolemImage -ArchivePath $Legacy.Path -OutputPath (Join-Path $Out $name) -ErrorAction Stop).Hash | Should -Be $FromLegacy.Hash
        Get-LeftoverFiles $Out | Should -BeNullOrEmpty
    }

    It 'refuses DOCKER_HOST=ssh:// with DockerHostUnsupported, an error for the item, not a terminating one' {
        $saved = $env:DOCKER_HOST
        $env:DOCKER_HOST = 'ssh://me@buildhost'
        try {
            $err = $null
            # A terminating error would end this It here; both images must each get their own error record.
            ConvertTo-GolemImage 'golemimage/sample:1.0', 'golemimage/other:1.0' -Source Docker -OutputPath $Out -ErrorVariable err -ErrorAction SilentlyContinue
            @($err).Count | Should -Be 2
            $err[0].FullyQualifiedErrorId | Should -BeLike 'DockerHostUnsupported*'
            $err[0].CategoryInfo.Category | Should -Be 'NotImplemented'
            $err[0].Exception.Message | Should -Match 'ssh -NL'
        } finally {
            $env:DOCKER_HOST = $saved
        }
    }

    It 'binds archives from Get-Item by FullName' {
        $result = Get-Item $DockerOci.Path | ConvertTo-GolemImage -OutputPath "$Out/piped.gvmi" -ErrorAction Stop
        $result.Hash | Should -Be $FromLegacy.Hash
    }

    It 'refuses an arm64-only image with UnsupportedPlatform, and converts it with a warning under -Force' {
        $err = $null
        ConvertTo-GolemImage -ArchivePath $ArmOnly.Path -OutputPath "$Out/arm.gvmi" -ErrorVariable err -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        $err[0].FullyQualifiedErrorId | Should -BeLike 'UnsupportedPlatform*'
        $err[0].Exception.Message | Should -Match 'linux/arm64'
        Test-Path "$Out/arm.gvmi" | Should -BeFalse
        $warnings = $null
        $forced = ConvertTo-GolemImage -ArchivePath $ArmOnly.Path -OutputPath "$Out/arm.gvmi" -Force -WarningVariable warnings -WarningAction SilentlyContinue -ErrorAction Stop
        $forced.Platform | Should -Be 'linux/arm64'
        ($warnings -join "`n") | Should -Match 'arm64'
    }

    It 'refuses a tampered layer with InvalidArchive, leaving no partial output and an existing file untouched' {
        # Uncompressed layers, so that the flipped byte is file content and only the digest check can notice.
        $tampered = (& $Samples -Path "$Work/tampered" -Format OciLayout).Path
        $layer = Get-ChildItem "$tampered/blobs/sha256" | Sort-Object Length -Descending | Select-Object -First 1
        $bytes = [IO.File]::ReadAllBytes($layer.FullName)
        $bytes[200000] = $bytes[200000] -bxor 0xFF
        [IO.File]::WriteAllBytes($layer.FullName, $bytes)
        $target = Join-Path $Out 'existing.gvmi'
        Set-Content -LiteralPath $target -Encoding utf8 -Value 'precious'
        $err = $null
        ConvertTo-GolemImage -ArchivePath $tampered -OutputPath $target -ErrorVariable err -ErrorAction SilentlyContinue
        $err[0].FullyQualifiedErrorId | Should -BeLike 'InvalidArchive*'
        $err[0].Exception.Message | Should -Match 'digest'
        Get-Content -Raw $target | Should -Be "precious$([Environment]::NewLine)"
        Get-LeftoverFiles $Out | Should -BeNullOrEmpty
    }

    It 'reports a file that is not an image archive, naming it' {
        $bogus = Join-Path $Work 'bogus.tar'
        Set-Content -LiteralPath $bogus -Encoding utf8 -Value ('x' * 2000)
        $err = $null
        ConvertTo-GolemImage -ArchivePath $bogus -OutputPath "$Out/bogus.gvmi" -ErrorVariable err -ErrorAction SilentlyContinue
        $err[0].FullyQualifiedErrorId | Should -BeLike 'InvalidArchive*'
        $err[0].Exception.Message | Should -Match 'bogus.tar'
    }
}

Describe 'ConvertTo-GolemImage from a Docker engine' -Tag 'Dockerd', 'Root' -Skip:(-not (Test-IsLinuxRoot) -or -not (Get-Command dockerd -ErrorAction Ignore)) {
    BeforeAll {
        $script:Daemon = Start-TestDockerd
        $script:SavedHost = $env:DOCKER_HOST
        $env:DOCKER_HOST = $Daemon.Host
        & docker load -i $Legacy.Path *> $null
        $script:Out = Join-Path $Work 'docker'
        New-Item -ItemType Directory -Force -Path $Out | Out-Null
        $script:Reference = (ConvertTo-GolemImage -ArchivePath $Legacy.Path -OutputPath "$Out/reference.gvmi" -ErrorAction Stop).Hash
        $script:TempBefore = @(Get-ChildItem ([IO.Path]::GetTempPath()) -Filter 'golemimage-docker-*' -ErrorAction Ignore).Count
    }

    AfterAll {
        $env:DOCKER_HOST = $SavedHost
        Stop-TestDockerd $Daemon
    }

    It 'converts by name to the same bytes as the archive' {
        $result = ConvertTo-GolemImage 'golemimage/sample:1.0' -Source Docker -OutputPath "$Out/by-name.gvmi" -ErrorAction Stop
        $result.Hash | Should -Be $Reference
        $result.SourceImage | Should -Be 'golemimage/sample:1.0'
        $result.ImageId | Should -Be $ImageId
    }

    It 'converts by image id' {
        $result = ConvertTo-GolemImage $ImageId.Substring(7, 12) -Source Docker -OutputPath "$Out/by-id.gvmi" -ErrorAction Stop
        $result.Hash | Should -Be $Reference
        $result.SourceImage | Should -Be 'golemimage/sample:1.0'
    }

    It 'converts docker image ls objects from the pipeline, naming the file after repository and tag' {
        $objects = & docker image ls --format json | ConvertFrom-Json
        $results = @($objects | ConvertTo-GolemImage -OutputPath $Out -ErrorAction Stop)
        $results.Count | Should -Be 1
        $results[0].Hash | Should -Be $Reference
        Split-Path -Leaf $results[0].Path | Should -Be ('golemimage-sample-1.0-' + $ImageId.Substring(7, 10) + '.gvmi')
    }

    It 'leaves no container and no temporary export behind' {
        @(& docker ps -aq).Count | Should -Be 0
        @(Get-ChildItem ([IO.Path]::GetTempPath()) -Filter 'golemimage-docker-*' -ErrorAction Ignore).Count | Should -Be $TempBefore
    }

    It 'reports an unknown image id as ImageNotFound' {
        $err = $null
        ConvertTo-GolemImage 'abcdefabcdef' -Source Docker -OutputPath "$Out/x.gvmi" -ErrorVariable err -ErrorAction SilentlyContinue
        $err[0].FullyQualifiedErrorId | Should -BeLike 'ImageNotFound*'
    }

    It 'reports an unreachable engine as DockerUnavailable' {
        $saved = $env:DOCKER_HOST
        $env:DOCKER_HOST = "unix://$Work/no-such.sock"
        try {
            $err = $null
            ConvertTo-GolemImage 'golemimage/sample:1.0' -Source Docker -OutputPath "$Out/y.gvmi" -ErrorVariable err -ErrorAction SilentlyContinue
            $err[0].FullyQualifiedErrorId | Should -BeLike 'DockerUnavailable*'
        } finally {
            $env:DOCKER_HOST = $saved
        }
    }

    Context 'an image the engine does not have' -Tag 'Registry', 'LinuxTools' -Skip:(-not (Get-Command docker-registry -ErrorAction Ignore) -or -not (Get-Command skopeo -ErrorAction Ignore)) {
        BeforeAll {
            $script:PullRegistry = Start-TestOciRegistry
            # dockerd treats registries on 127.0.0.0/8 as insecure (plain http) by default.
            $script:PullName = "$($PullRegistry.Address)/golemimage/pulltest:1.0"
            & skopeo copy --dest-tls-verify=false "docker-archive:$($Legacy.Path)" "docker://$PullName" *> $null
            $LASTEXITCODE | Should -Be 0 -Because 'skopeo must push the sample to the test registry'
            # The engine would only tag an image whose config it already holds (no layer is pulled), so the loaded
            # sample, which is the same image, goes first; this Context runs after the Describe's other tests.
            & docker -H $env:DOCKER_HOST image rm -f 'golemimage/sample:1.0' *> $null
            function Test-EngineHasImage([string] $name) {
                & docker -H $env:DOCKER_HOST image inspect $name *> $null
                $LASTEXITCODE -eq 0
            }
            Test-EngineHasImage $PullName | Should -BeFalse -Because 'the engine must start without the image'
        }

        AfterAll {
            & docker -H $env:DOCKER_HOST image rm -f $PullName *> $null
            Stop-TestOciRegistry $PullRegistry
        }

        It 'neither pulls nor saves it under -WhatIf' {
            $temp = @(Get-ChildItem ([IO.Path]::GetTempPath()) -Filter 'golemimage-docker-*' -ErrorAction Ignore).Count
            $result = ConvertTo-GolemImage $PullName -Source Docker -OutputPath "$Out/pull-whatif.gvmi" -WhatIf -ErrorAction Stop
            $result | Should -BeNullOrEmpty
            Test-Path "$Out/pull-whatif.gvmi" | Should -BeFalse
            Test-EngineHasImage $PullName | Should -BeFalse -Because '-WhatIf must not pull'
            @(& docker -H $env:DOCKER_HOST image ls --format '{{.Repository}}') | Should -Not -Contain "$($PullRegistry.Address)/golemimage/pulltest"
            @(Get-ChildItem ([IO.Path]::GetTempPath()) -Filter 'golemimage-docker-*' -ErrorAction Ignore).Count | Should -Be $temp
        }

        It 'pulls it, reporting progress per layer, and converts it to the same bytes as the archive' {
            # A PowerShell instance of its own keeps the progress records (the pipeline here cannot capture them).
            $ps = [powershell]::Create()
            try {
                $null = $ps.AddCommand('Import-Module').AddParameter('Name', $env:GOLEMIMAGE_MODULE).AddStatement()
                $null = $ps.AddCommand('ConvertTo-GolemImage').AddParameter('Image', $PullName).AddParameter('Source', 'Docker').
                    AddParameter('OutputPath', "$Out/pulled.gvmi").AddParameter('Verbose', $true).AddParameter('ErrorAction', 'Stop')
                $results = @($ps.Invoke())
                $ps.Streams.Error | Should -BeNullOrEmpty
                $results.Count | Should -Be 1
                $results[0].Hash | Should -Be $Reference
                $results[0].ImageId | Should -Be $ImageId
                $results[0].SourceImage | Should -Be $PullName
                Test-EngineHasImage $PullName | Should -BeTrue -Because 'the conversion pulls the image into the engine'
                @($ps.Streams.Verbose | Where-Object Message -Like "Docker has no image '$PullName'*").Count | Should -Be 1
                $progress = @($ps.Streams.Progress)
                @($progress | Where-Object Activity -EQ "Pulling $PullName").Count | Should -BeGreaterThan 0
                $layers = @($progress | Where-Object { $_.Activity -like 'Layer *' -and $_.ParentActivityId -ge 0 })
                $layers.Count | Should -BeGreaterThan 0 -Because 'each pulled layer reports its own progress'
                @($layers | Where-Object StatusDescription -EQ 'Pull complete').Count | Should -BeGreaterThan 0
            } finally {
                $ps.Dispose()
            }
        }

        It 'pulls from a registry that wants a password with what docker login saved, and fails without it' {
            $locked = Start-TestPasswordRegistry
            $name = "$($locked.Address)/golemimage/private:1.0"
            $savedConfig = $env:DOCKER_CONFIG
            try {
                & skopeo copy --dest-tls-verify=false --dest-creds 'golem:s3cret-pass' "docker-archive:$($Legacy.Path)" "docker://$name" *> $null
                $LASTEXITCODE | Should -Be 0
                $env:DOCKER_CONFIG = Join-Path $Work 'empty-docker-config'
                $err = $null
                ConvertTo-GolemImage $name -Source Docker -OutputPath "$Out/locked-none.gvmi" -ErrorVariable err -ErrorAction SilentlyContinue
                $err[0].FullyQualifiedErrorId | Should -BeLike 'PullFailed*'
                Test-Path "$Out/locked-none.gvmi" | Should -BeFalse

                $configDir = Join-Path $Work 'docker-config-engine'
                New-Item -ItemType Directory -Force -Path $configDir | Out-Null
                $auth = [Convert]::ToBase64String([Text.Encoding]::UTF8.GetBytes('golem:s3cret-pass'))
                Set-Content -LiteralPath "$configDir/config.json" -Encoding utf8 -Value (@{ auths = @{ $locked.Address = @{ auth = $auth } } } | ConvertTo-Json -Depth 5)
                $env:DOCKER_CONFIG = $configDir
                (ConvertTo-GolemImage $name -Source Docker -OutputPath "$Out/locked.gvmi" -ErrorAction Stop).Hash | Should -Be $Reference
                Test-EngineHasImage $name | Should -BeTrue
            } finally {
                $env:DOCKER_CONFIG = $savedConfig
                & docker -H $env:DOCKER_HOST image rm -f $name *> $null
                Stop-TestOciRegistry $locked
            }
        }
    }
}

Describe 'ConvertTo-GolemImage from an OCI registry' -Tag 'Registry', 'LinuxTools' -Skip:(-not (Test-Platform Linux) -or -not (Get-Command docker-registry -ErrorAction Ignore) -or -not (Get-Command skopeo -ErrorAction Ignore)) {
    BeforeAll {
        $script:Registry = Start-TestOciRegistry
        $a = $Registry.Address
        & skopeo copy --all --dest-tls-verify=false "oci:$($Multi.Path):1.0" "docker://$a/golemimage/multi:1.0" *> $null
        & skopeo copy --dest-tls-verify=false "oci:$($ArmOnly.Path):1.0" "docker://$a/golemimage/arm:1.0" *> $null
        & skopeo copy --dest-tls-verify=false "docker-archive:$($Legacy.Path)" "docker://$a/golemimage/sample:1.0" *> $null
        $script:Out = Join-Path $Work 'registry'
        New-Item -ItemType Directory -Force -Path $Out | Out-Null
        $script:Reference = (ConvertTo-GolemImage -ArchivePath $Legacy.Path -OutputPath "$Out/reference.gvmi" -ErrorAction Stop).Hash
    }

    AfterAll {
        Stop-TestOciRegistry $Registry
    }

    It 'picks linux/amd64 from a multi-platform index and gives the same bytes as the archive' {
        $result = ConvertTo-GolemImage "$($Registry.Address)/golemimage/multi:1.0" -Source Registry -OutputPath "$Out/multi.gvmi" -ErrorAction Stop
        $result.Hash | Should -Be $Reference
        $result.Platform | Should -Be 'linux/amd64'
        $result.SourceImage | Should -Be "$($Registry.Address)/golemimage/multi:1.0"
    }

    It 'converts a Docker schema-2 manifest (skopeo push of a docker-save archive)' {
        (ConvertTo-GolemImage "$($Registry.Address)/golemimage/sample:1.0" -Source Registry -OutputPath "$Out/sample.gvmi" -ErrorAction Stop).Hash | Should -Be $Reference
    }

    It 'refuses an arm64-only image with UnsupportedPlatform' {
        $err = $null
        ConvertTo-GolemImage "$($Registry.Address)/golemimage/arm:1.0" -Source Registry -OutputPath "$Out/arm.gvmi" -ErrorVariable err -ErrorAction SilentlyContinue
        $err[0].FullyQualifiedErrorId | Should -BeLike 'UnsupportedPlatform*'
        Test-Path "$Out/arm.gvmi" | Should -BeFalse
    }

    It 'reports a missing repository as ImageNotFound' {
        $err = $null
        ConvertTo-GolemImage "$($Registry.Address)/golemimage/missing:1.0" -Source Registry -OutputPath "$Out/missing.gvmi" -ErrorVariable err -ErrorAction SilentlyContinue
        $err[0].FullyQualifiedErrorId | Should -BeLike 'ImageNotFound*'
    }

    It 'resumes a layer download whose connection breaks off, with a range request, to the same bytes' {
        $proxy = Start-TestCuttingProxy -Target $Registry.Address -CutAfter 40000 -Cuts 1
        try {
            $output = @(ConvertTo-GolemImage "127.0.0.1:$($proxy.Port)/golemimage/sample:1.0" -Source Registry -OutputPath "$Out/resumed.gvmi" -Verbose -ErrorAction Stop 4>&1)
            $proxy.Cuts | Should -Be 1 -Because 'the proxy must have broken a download off'
            $proxy.RangeRequests | Should -BeGreaterOrEqual 1
            @($output | Where-Object { $_ -is [Management.Automation.VerboseRecord] -and $_.Message -like '*broke off at byte*resuming there*' }).Count | Should -Be 1
            ($output | Where-Object { $_ -isnot [Management.Automation.VerboseRecord] }).Hash | Should -Be $Reference
        } finally {
            $proxy.Dispose()
        }
    }

    It 'gives up with RegistryUnavailable when every connection breaks off, leaving no file' {
        $proxy = Start-TestCuttingProxy -Target $Registry.Address -CutAfter 20000 -Cuts 1000
        try {
            $err = $null
            ConvertTo-GolemImage "127.0.0.1:$($proxy.Port)/golemimage/sample:1.0" -Source Registry -OutputPath "$Out/broken.gvmi" -ErrorVariable err -ErrorAction SilentlyContinue
            $err[0].FullyQualifiedErrorId | Should -BeLike 'RegistryUnavailable*'
            $err[0].Exception.Message | Should -Match 'could not be resumed'
            Test-Path "$Out/broken.gvmi" | Should -BeFalse
            Get-LeftoverFiles $Out | Should -BeNullOrEmpty
        } finally {
            $proxy.Dispose()
        }
    }

    It 'falls back to the registry under -Source Auto when no Docker engine answers' {
        $saved = $env:DOCKER_HOST
        $env:DOCKER_HOST = "unix://$Work/no-such.sock"
        try {
            (ConvertTo-GolemImage "$($Registry.Address)/golemimage/multi:1.0" -OutputPath "$Out/auto.gvmi" -ErrorAction Stop).Hash | Should -Be $Reference
        } finally {
            $env:DOCKER_HOST = $saved
        }
    }
}

Describe 'ConvertTo-GolemImage from a registry that requires a password' -Tag 'Registry', 'LinuxTools' -Skip:(-not (Test-Platform Linux) -or -not (Get-Command docker-registry -ErrorAction Ignore) -or -not (Get-Command skopeo -ErrorAction Ignore)) {
    BeforeAll {
        $script:AuthRegistry = Start-TestPasswordRegistry
        $script:AuthAddress = $AuthRegistry.Address
        & skopeo copy --dest-tls-verify=false --dest-creds 'golem:s3cret-pass' "docker-archive:$($Legacy.Path)" "docker://$AuthAddress/golemimage/private:1.0" *> $null
        $LASTEXITCODE | Should -Be 0
        $script:Out = Join-Path $Work 'auth'
        New-Item -ItemType Directory -Force -Path $Out | Out-Null
        $script:Reference = (ConvertTo-GolemImage -ArchivePath $Legacy.Path -OutputPath "$Out/reference.gvmi" -ErrorAction Stop).Hash
        $script:Image = "$AuthAddress/golemimage/private:1.0"
        $script:SavedDockerConfig = $env:DOCKER_CONFIG
        $env:DOCKER_CONFIG = Join-Path $Work 'empty-docker-config'
    }

    AfterAll {
        $env:DOCKER_CONFIG = $SavedDockerConfig
        Stop-TestOciRegistry $AuthRegistry
    }

    It 'asks for credentials with AuthenticationFailed when none are given' {
        $err = $null
        ConvertTo-GolemImage $Image -Source Registry -OutputPath "$Out/none.gvmi" -ErrorVariable err -ErrorAction SilentlyContinue
        $err[0].FullyQualifiedErrorId | Should -BeLike 'AuthenticationFailed*'
        $err[0].Exception.Message | Should -Match 'Credential'
    }

    It 'refuses a wrong password with AuthenticationFailed' {
        $wrong = [pscredential]::new('golem', (ConvertTo-SecureString 'wrong' -AsPlainText -Force))
        $err = $null
        ConvertTo-GolemImage $Image -Source Registry -Credential $wrong -OutputPath "$Out/wrong.gvmi" -ErrorVariable err -ErrorAction SilentlyContinue
        $err[0].FullyQualifiedErrorId | Should -BeLike 'AuthenticationFailed*'
        $err[0].Exception.Message | Should -Match "'golem'"
        $err[0].Exception.Message | Should -Not -Match 'wrong'
    }

    It 'converts with -Credential (basic auth) to the same bytes' {
        $credential = [pscredential]::new('golem', (ConvertTo-SecureString 's3cret-pass' -AsPlainText -Force))
        (ConvertTo-GolemImage $Image -Source Registry -Credential $credential -OutputPath "$Out/cred.gvmi" -ErrorAction Stop).Hash | Should -Be $Reference
    }

    It 'uses the auths entry of the docker config.json' {
        $configDir = Join-Path $Work 'docker-config'
        New-Item -ItemType Directory -Force -Path $configDir | Out-Null
        $auth = [Convert]::ToBase64String([Text.Encoding]::UTF8.GetBytes('golem:s3cret-pass'))
        Set-Content -LiteralPath "$configDir/config.json" -Encoding utf8 -Value (@{ auths = @{ $AuthAddress = @{ auth = $auth } } } | ConvertTo-Json -Depth 5)
        $env:DOCKER_CONFIG = $configDir
        try {
            (ConvertTo-GolemImage $Image -Source Registry -OutputPath "$Out/config.gvmi" -ErrorAction Stop).Hash | Should -Be $Reference
        } finally {
            $env:DOCKER_CONFIG = Join-Path $Work 'empty-docker-config'
        }
    }

    It 'asks the credential helper config.json names (credsStore), as docker login on Docker Desktop leaves it' {
        # A helper speaking docker-credential-helpers' protocol: 'get', the server address on stdin, JSON out.
        $helperDir = Join-Path $Work 'credential-helper'
        New-Item -ItemType Directory -Force -Path $helperDir | Out-Null
        $helper = Join-Path $helperDir 'docker-credential-golemtest'
        Set-Content -LiteralPath $helper -Encoding utf8 -Value @"
#!/bin/sh
server=`$(cat)
printf '%s' "`$server" > '$helperDir/asked'
[ "`$1" = get ] && [ "`$server" = '$AuthAddress' ] || { echo 'credentials not found in native keychain'; exit 1; }
printf '{"ServerURL":"%s","Username":"golem","Secret":"s3cret-pass"}' "`$server"
"@
        & chmod +x $helper
        $configDir = Join-Path $Work 'docker-config-helper'
        New-Item -ItemType Directory -Force -Path $configDir | Out-Null
        Set-Content -LiteralPath "$configDir/config.json" -Encoding utf8 -Value (@{ auths = @{ $AuthAddress = @{} }; credsStore = 'golemtest' } | ConvertTo-Json -Depth 5)
        $savedPath = $env:PATH
        $env:DOCKER_CONFIG = $configDir
        $env:PATH = $helperDir + [IO.Path]::PathSeparator + $savedPath
        try {
            (ConvertTo-GolemImage $Image -Source Registry -OutputPath "$Out/helper.gvmi" -ErrorAction Stop).Hash | Should -Be $Reference
            Get-Content -LiteralPath "$helperDir/asked" -Raw | Should -BeExactly $AuthAddress

            # A helper that fails is a warning, naming it and what it said, and the pull goes on anonymously (a public
            # image would convert); this private registry then refuses with AuthenticationFailed.
            Set-Content -LiteralPath $helper -Encoding utf8 -Value "#!/bin/sh`ncat > /dev/null`necho 'keychain is locked' >&2`nexit 2"
            $err = $null
            $warnings = $null
            ConvertTo-GolemImage $Image -Source Registry -OutputPath "$Out/helper-broken.gvmi" -ErrorVariable err -ErrorAction SilentlyContinue -WarningVariable warnings -WarningAction SilentlyContinue
            @($warnings | Where-Object { "$_" -match 'keychain is locked' -and "$_" -match 'golemtest' }).Count | Should -Be 1
            $err[0].FullyQualifiedErrorId | Should -BeLike 'AuthenticationFailed*'
            $err[0].CategoryInfo.Category | Should -Be 'AuthenticationError'
            Test-Path -LiteralPath "$Out/helper-broken.gvmi" | Should -BeFalse
        } finally {
            $env:PATH = $savedPath
            $env:DOCKER_CONFIG = Join-Path $Work 'empty-docker-config'
        }
    }
}

Describe 'ConvertTo-GolemImage from a registry with bearer-token authentication' -Tag 'Registry', 'LinuxTools' -Skip:(-not (Test-Platform Linux) -or -not (Get-Command docker-registry -ErrorAction Ignore) -or -not (Get-Command skopeo -ErrorAction Ignore)) {
    BeforeAll {
        # Docker Hub's scheme: the real distribution registry answers 401 with 'WWW-Authenticate: Bearer realm=...,
        # service=...,scope=...' and verifies RS256 JWTs whose x5c certificate chains to its rootcertbundle. The token
        # server is an HttpListener in a thread job: anyone may pull golemimage/public; golem:s3cret-pass may pull and
        # push everything; a wrong password gets 401; anonymous requests for other repositories get a token granting
        # nothing (as Docker Hub does), so the registry refuses it. It records every request it answers.
        $script:TokenRoot = Join-Path $Work 'token-registry'
        New-Item -ItemType Directory -Force -Path $TokenRoot | Out-Null
        $script:SigningKey = [Security.Cryptography.RSA]::Create(2048)
        $request = [Security.Cryptography.X509Certificates.CertificateRequest]::new('CN=golem-test-token-issuer', $SigningKey,
            [Security.Cryptography.HashAlgorithmName]::SHA256, [Security.Cryptography.RSASignaturePadding]::Pkcs1)
        $request.CertificateExtensions.Add([Security.Cryptography.X509Certificates.X509BasicConstraintsExtension]::new($true, $false, 0, $true))
        $certificate = $request.CreateSelfSigned([DateTimeOffset]::UtcNow.AddDays(-1), [DateTimeOffset]::UtcNow.AddDays(1))
        $der = [Convert]::ToBase64String($certificate.RawData)
        $certificatePem = "-----BEGIN CERTIFICATE-----`n" + ($der -replace '(.{64})', "`$1`n").TrimEnd("`n") + "`n-----END CERTIFICATE-----"

        $script:TokenLog = [Collections.Concurrent.ConcurrentQueue[object]]::new()
        $tokenPort = Get-FreeTcpPort
        $script:TokenListener = [Net.HttpListener]::new()
        $TokenListener.Prefixes.Add("http://127.0.0.1:$tokenPort/")
        $TokenListener.Start()
        $script:TokenJob = Start-ThreadJob -ArgumentList $TokenListener, $TokenLog, $SigningKey, $der -ScriptBlock {
            param($listener, $log, $key, $x5c)
            function ConvertTo-Base64Url([byte[]] $bytes) { [Convert]::ToBase64String($bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_') }
            while ($listener.IsListening) {
                try { $context = $listener.GetContext() } catch { break }
                try {
                    $query = $context.Request.QueryString
                    $authorization = $context.Request.Headers['Authorization']
                    $user = $null
                    $status = 200
                    if ($authorization -like 'Basic *') {
                        $pair = [Text.Encoding]::UTF8.GetString([Convert]::FromBase64String($authorization.Substring(6))).Split(':', 2)
                        if ($pair[0] -eq 'golem' -and $pair[1] -eq 's3cret-pass') { $user = 'golem' } else { $status = 401 }
                    }
                    $scopes = @($query.GetValues('scope') | Where-Object { $_ })
                    $log.Enqueue([pscustomobject]@{ Path = $context.Request.Url.AbsolutePath; Service = $query['service']; Scopes = $scopes; Basic = $authorization -like 'Basic *'; User = $user; Status = $status })
                    if ($context.Request.Url.AbsolutePath -ne '/token' -or $query['service'] -ne 'golem-test') { $status = 400 }
                    if ($status -ne 200) {
                        $context.Response.StatusCode = $status
                        $context.Response.Close()
                        continue
                    }
                    $access = @(foreach ($scope in $scopes) {
                            $parts = $scope.Split(':')
                            $name = $parts[1..($parts.Count - 2)] -join ':'
                            $actions = @($parts[-1].Split(',') | Where-Object { $user -or ($name -eq 'golemimage/public' -and $_ -eq 'pull') })
                            if ($parts[0] -eq 'repository' -and $actions.Count -gt 0) { [ordered]@{ type = 'repository'; name = $name; actions = $actions } }
                        })
                    $now = [DateTimeOffset]::UtcNow.ToUnixTimeSeconds()
                    $header = [ordered]@{ typ = 'JWT'; alg = 'RS256'; x5c = @($x5c) } | ConvertTo-Json -Compress
                    $claims = [ordered]@{ iss = 'golem-test-issuer'; sub = if ($user) { $user } else { '' }; aud = 'golem-test'; exp = $now + 300; nbf = $now - 10; iat = $now
                        jti = [guid]::NewGuid().ToString('N'); access = $access } | ConvertTo-Json -Compress -Depth 5
                    $signed = (ConvertTo-Base64Url ([Text.Encoding]::UTF8.GetBytes($header))) + '.' + (ConvertTo-Base64Url ([Text.Encoding]::UTF8.GetBytes($claims)))
                    $signature = $key.SignData([Text.Encoding]::ASCII.GetBytes($signed), [Security.Cryptography.HashAlgorithmName]::SHA256, [Security.Cryptography.RSASignaturePadding]::Pkcs1)
                    $token = "$signed.$(ConvertTo-Base64Url $signature)"
                    # Docker Hub answers both fields; answering authenticated users with access_token only covers the OAuth2 name.
                    $body = if ($user) { @{ access_token = $token; expires_in = 300 } } else { @{ token = $token; expires_in = 300 } }
                    $bytes = [Text.Encoding]::UTF8.GetBytes(($body | ConvertTo-Json -Compress))
                    $context.Response.ContentType = 'application/json'
                    $context.Response.OutputStream.Write($bytes, 0, $bytes.Length)
                    $context.Response.Close()
                } catch {
                    try { $context.Response.Abort() } catch { }
                }
            }
        }

        $script:TokenRegistry = Start-TestOciRegistry -Files @{ 'cert.pem' = $certificatePem } `
            -Auth "{token: {realm: `"http://127.0.0.1:$tokenPort/token`", service: golem-test, issuer: golem-test-issuer, rootcertbundle: {root}/cert.pem}}"
        $script:TokenAddress = $TokenRegistry.Address
        foreach ($repository in 'public', 'private') {
            & skopeo copy --dest-tls-verify=false --dest-creds 'golem:s3cret-pass' "docker-archive:$($Legacy.Path)" "docker://$TokenAddress/golemimage/${repository}:1.0" *>&1 | Set-Content -LiteralPath "$TokenRoot/skopeo.log" -Encoding utf8
            $LASTEXITCODE | Should -Be 0 -Because "skopeo must push through the token server: $(Get-Content -Raw "$TokenRoot/skopeo.log")"
        }
        $script:Out = Join-Path $Work 'token'
        New-Item -ItemType Directory -Force -Path $Out | Out-Null
        $script:Reference = (ConvertTo-GolemImage -ArchivePath $Legacy.Path -OutputPath "$Out/reference.gvmi" -ErrorAction Stop).Hash
        $script:SavedDockerConfig = $env:DOCKER_CONFIG
        $env:DOCKER_CONFIG = Join-Path $Work 'empty-docker-config'

        function Get-TokenRequests {
            # What the token server answered since the last call.
            $entry = $null
            @(while ($TokenLog.TryDequeue([ref] $entry)) { $entry })
        }
        Get-TokenRequests | Out-Null
    }

    AfterAll {
        $env:DOCKER_CONFIG = $SavedDockerConfig
        Stop-TestOciRegistry $TokenRegistry
        if ($TokenListener) { $TokenListener.Stop(); $TokenListener.Close() }
        if ($TokenJob) { $TokenJob | Wait-Job -Timeout 5 | Out-Null; $TokenJob | Remove-Job -Force }
        if ($SigningKey) { $SigningKey.Dispose() }
    }

    It 'converts anonymously with a pull token from the realm, to the same bytes as the archive' {
        (ConvertTo-GolemImage "$TokenAddress/golemimage/public:1.0" -Source Registry -OutputPath "$Out/public.gvmi" -ErrorAction Stop).Hash | Should -Be $Reference
        $requests = Get-TokenRequests
        $requests.Count | Should -BeGreaterThan 0
        $requests | ForEach-Object { $_.Path | Should -Be '/token'; $_.Service | Should -Be 'golem-test'; $_.Basic | Should -BeFalse }
        @($requests.Scopes) | Should -Contain 'repository:golemimage/public:pull'
        Get-LeftoverFiles $Out | Should -BeNullOrEmpty
    }

    It 'converts with -Credential: basic credentials go to the token server, the token to the registry' {
        $credential = [pscredential]::new('golem', (ConvertTo-SecureString 's3cret-pass' -AsPlainText -Force))
        (ConvertTo-GolemImage "$TokenAddress/golemimage/private:1.0" -Source Registry -Credential $credential -OutputPath "$Out/private.gvmi" -ErrorAction Stop).Hash | Should -Be $Reference
        $requests = Get-TokenRequests
        $requests.Count | Should -BeGreaterThan 0
        $requests | ForEach-Object { $_.Basic | Should -BeTrue; $_.User | Should -Be 'golem' }
        @($requests.Scopes) | Should -Contain 'repository:golemimage/private:pull'
        Get-LeftoverFiles $Out | Should -BeNullOrEmpty
    }

    It 'refuses a wrong password with AuthenticationFailed and leaves nothing behind' {
        $wrong = [pscredential]::new('golem', (ConvertTo-SecureString 'wrong' -AsPlainText -Force))
        $err = $null
        ConvertTo-GolemImage "$TokenAddress/golemimage/private:1.0" -Source Registry -Credential $wrong -OutputPath "$Out/wrong.gvmi" -ErrorVariable err -ErrorAction SilentlyContinue
        $err[0].FullyQualifiedErrorId | Should -BeLike 'AuthenticationFailed*'
        $err[0].Exception.Message | Should -Match "'golem'"
        $err[0].Exception.Message | Should -Not -Match 'wrong'
        (Get-TokenRequests | Where-Object Status -EQ 401).Count | Should -BeGreaterThan 0
        Test-Path "$Out/wrong.gvmi" | Should -BeFalse
        Get-LeftoverFiles $Out | Should -BeNullOrEmpty
    }

    It 'asks for credentials with AuthenticationFailed when the anonymous token grants nothing' {
        $err = $null
        ConvertTo-GolemImage "$TokenAddress/golemimage/private:1.0" -Source Registry -OutputPath "$Out/anonymous.gvmi" -ErrorVariable err -ErrorAction SilentlyContinue
        $err[0].FullyQualifiedErrorId | Should -BeLike 'AuthenticationFailed*'
        $err[0].Exception.Message | Should -Match 'Credential'
        @((Get-TokenRequests).Scopes) | Should -Contain 'repository:golemimage/private:pull'
        Test-Path "$Out/anonymous.gvmi" | Should -BeFalse
        Get-LeftoverFiles $Out | Should -BeNullOrEmpty
    }
}

Describe 'Stopping ConvertTo-GolemImage (Ctrl+C)' -Tag 'LinuxTools' {
    BeforeAll {
        # A one-layer archive of the pwsh installation (tens of MB of assemblies): at SmallestSize it converts for
        # seconds, long enough to be stopped while the image is being written.
        $script:StopWork = Join-Path $Work 'stop'
        New-Item -ItemType Directory -Force -Path "$StopWork/out" | Out-Null
        & tar -C $PSHOME -cf "$StopWork/layer.tar" .
        $LASTEXITCODE | Should -Be 0
        $script:BigArchive = (& (Join-Path $PSScriptRoot '../Samples/New-SingleLayerArchive.ps1') -LayerTar "$StopWork/layer.tar" -Path "$StopWork/big.tar").FullName
    }

    It 'stops at once, keeps the image that was there and leaves no temporary file' {
        $target = "$StopWork/out/image.gvmi"
        Set-Content -LiteralPath $target -Encoding utf8 -Value 'the previous image' -NoNewline
        $ps = [powershell]::Create()
        try {
            $null = $ps.AddCommand('Import-Module').AddParameter('Name', $env:GOLEMIMAGE_MODULE).AddStatement()
            $null = $ps.AddCommand('ConvertTo-GolemImage').AddParameter('ArchivePath', $BigArchive).AddParameter('CompressionLevel', 'SmallestSize').
                AddParameter('OutputPath', $target).AddParameter('Force', $true)
            $pending = $ps.BeginInvoke()
            Wait-Until -TimeoutSeconds 60 -What 'the conversion to start writing' -Condition {
                if ($pending.IsCompleted) { throw "The conversion ended before it could be stopped: $($ps.Streams.Error)" }
                @(Get-ChildItem -LiteralPath "$StopWork/out" -Force -File -Filter '.gvmi-*.tmp').Count -gt 0
            }
            $clock = [Diagnostics.Stopwatch]::StartNew()
            $ps.Stop()
            $clock.Elapsed.TotalSeconds | Should -BeLessThan 10 -Because 'the workers and the writer must notice the stop'
            $ps.InvocationStateInfo.State | Should -Be 'Stopped'
        } finally {
            $ps.Dispose()
        }
        Get-Content -LiteralPath $target -Raw | Should -BeExactly 'the previous image'
        Get-LeftoverFiles "$StopWork/out" | Should -BeNullOrEmpty
    }
}
