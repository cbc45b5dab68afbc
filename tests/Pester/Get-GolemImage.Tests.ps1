#requires -Modules Pester
# Get-GolemImage on images made by mksquashfs with a trailer built by hand (python3 zlib CRC), checked
# against unsquashfs -s and openssl; every parameter set, pipeline form and error.

BeforeAll {
    Import-Module $env:GOLEMIMAGE_MODULE -Force
    Import-Module "$PSScriptRoot/TestHelpers.psm1" -Force
    $script:Dir = Join-Path $TestDrive 'images'
    New-Item -ItemType Directory -Path $Dir | Out-Null
    $script:Json = '{"Hostname":"3f1a0c","User":"1000:100","Env":["PATH=/usr/local/bin:/usr/bin:/bin","LANG=C.UTF-8"],"Cmd":["-c","echo hi"],"Image":"alpine:3.20","Volumes":{"/golem/input":{},"/golem/output":{}},"WorkingDir":"/golem/work","Entrypoint":["/bin/sh"],"Labels":{"maintainer":"me"}}'
    $script:Lzo = (New-TestGvmiFile -Path (Join-Path $Dir 'lzo.gvmi') -Json $Json -MksquashfsArgument '-comp', 'lzo').FullName
    $script:Xz = (New-TestGvmiFile -Path (Join-Path $Dir '[xz] 64k.gvmi') -Json '{"Image":"sha256:1111111111111111111111111111111111111111111111111111111111111111"}' -MksquashfsArgument '-comp', 'xz', '-b', '65536').FullName
    $script:BadCrc = Join-Path $TestDrive 'badcrc.gvmi'
    $bytes = [IO.File]::ReadAllBytes($Lzo)
    $bytes[$bytes.Length - 20] = $bytes[$bytes.Length - 20] -bxor 0x20
    [IO.File]::WriteAllBytes($BadCrc, $bytes)
    $script:NotSquashfs = Join-Path $TestDrive 'notsquashfs.gvmi'
    New-TestGvmiFile -Path $NotSquashfs -SquashfsBytes { param($b) [byte[]]::new(8192) } | Out-Null
    $script:NoTrailer = (New-TestGvmiFile -Path (Join-Path $TestDrive 'plain.sqfs') -NoTrailer).FullName
    $script:Hashes = Get-OpenSslSha3224 -LiteralPath $Lzo, $Xz
}

Describe 'Get-GolemImage -Path' -Tag 'SquashfsTools', 'LinuxTools' {
    It 'reads the superblock as unsquashfs does' {
        $image = Get-GolemImage -Path $Lzo
        $stats = (& unsquashfs -s $Lzo) -join "`n"
        $image.Compression | Should -Be 'lzo'
        $stats | Should -Match 'Compression lzo'
        $stats -match 'Block size (\d+)' | Should -BeTrue
        $image.BlockSize | Should -Be ([int] $Matches[1])
        $stats -match 'Number of inodes (\d+)' | Should -BeTrue
        $image.InodeCount | Should -Be ([long] $Matches[1])
        $image.InodeCount | Should -Be 5
        $image.Created | Should -Be ([DateTime]::new(2009, 2, 13, 23, 31, 30, [DateTimeKind]::Utc))
        $image.Created.Kind | Should -Be 'Utc'
    }

    It 'returns the path, the size and the SHA3-224 openssl computes' {
        $image = Get-GolemImage $Lzo
        $image | Should -BeOfType ([GolemImage.GolemImageFile])
        $image.Path | Should -Be $Lzo
        $image.Size | Should -Be (Get-Item -LiteralPath $Lzo).Length
        $image.Hash | Should -Be $Hashes[$Lzo]
    }

    It 'exposes the container config as objects' {
        $config = (Get-GolemImage $Lzo).Config
        $config.Env | Should -Be @('PATH=/usr/local/bin:/usr/bin:/bin', 'LANG=C.UTF-8')
        $config.Cmd | Should -Be @('-c', 'echo hi')
        $config.Entrypoint | Should -Be @('/bin/sh')
        $config.WorkingDir | Should -Be '/golem/work'
        $config.Volumes | Should -Be @('/golem/input', '/golem/output')
        $config.User | Should -Be '1000:100'
        $config.Labels['maintainer'] | Should -Be 'me'
    }

    It 'fills SourceImage from an image reference and ImageId from an image id' {
        $lzoImage = Get-GolemImage $Lzo
        $lzoImage.SourceImage | Should -Be 'alpine:3.20'
        $lzoImage.ImageId | Should -BeNullOrEmpty
        $xzImage = Get-GolemImage -LiteralPath $Xz
        $xzImage.ImageId | Should -Be 'sha256:1111111111111111111111111111111111111111111111111111111111111111'
        $xzImage.SourceImage | Should -BeNullOrEmpty
    }

    It 'reads other compressors and block sizes' {
        # (PowerShell variables ignore case: a local $xz would hide $Xz.)
        $xzImage = Get-GolemImage -LiteralPath $Xz
        $xzImage.Compression | Should -Be 'xz'
        $xzImage.BlockSize | Should -Be 65536
        $xzImage.Hash | Should -Be $Hashes[$Xz]
        $xzImage.Config.Env | Should -BeNullOrEmpty
    }

    It 'expands wildcards' {
        @(Get-GolemImage (Join-Path $Dir '*.gvmi')).Count | Should -Be 2
    }
}

Describe 'Get-GolemImage pipeline input' -Tag 'SquashfsTools', 'LinuxTools' {
    It 'takes files from Get-ChildItem, brackets and spaces included' {
        # In input order (Sort-Object sorts by the current culture: th-TH puts '[xz] 64k' after 'lzo').
        $files = @(Get-ChildItem -LiteralPath $Dir | Sort-Object Name)
        @($files.FullName | Sort-Object -CaseSensitive) | Should -Be @(@($Xz, $Lzo) | Sort-Object -CaseSensitive)
        $images = @($files | Get-GolemImage)
        $images.Path | Should -Be $files.FullName
    }

    It 'takes strings and GolemImageFile objects' {
        ($Lzo | Get-GolemImage).Hash | Should -Be $Hashes[$Lzo]
        (Get-GolemImage $Lzo | Get-GolemImage).Path | Should -Be $Lzo
    }
}

Describe 'Get-GolemImage errors' -Tag 'SquashfsTools', 'LinuxTools' {
    It 'reports a CRC mismatch as ya-runtime-vm would, and goes on with the next file' {
        $images = Get-GolemImage -LiteralPath $BadCrc, $Lzo -ErrorVariable errors -ErrorAction SilentlyContinue
        @($images).Count | Should -Be 1
        $errors.Count | Should -Be 1
        $errors[0].FullyQualifiedErrorId | Should -BeLike 'GvmiTrailerCrcMismatch*'
        $errors[0].CategoryInfo.Category | Should -Be 'InvalidData'
        $errors[0].Exception.Message | Should -BeLike "*$BadCrc*CRC-32*"
    }

    It 'reports a file that is not squashfs' {
        Get-GolemImage $NotSquashfs -ErrorVariable errors -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        $errors[0].FullyQualifiedErrorId | Should -BeLike 'InvalidSquashfs*'
        $errors[0].Exception.Message | Should -BeLike '*not a squashfs image*'
    }

    It 'reports a squashfs image without a trailer' {
        Get-GolemImage $NoTrailer -ErrorVariable errors -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        $errors[0].FullyQualifiedErrorId | Should -BeLike 'GvmiTrailerLengthInvalid*'
    }

    It 'reports missing files and directories' {
        Get-GolemImage (Join-Path $Dir 'nope.gvmi') -ErrorVariable errors -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        $errors[0].FullyQualifiedErrorId | Should -BeLike 'PathNotFound*'
        Get-GolemImage -LiteralPath $Dir -ErrorVariable errors -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        $errors[0].FullyQualifiedErrorId | Should -BeLike 'PathIsDirectory*'
    }
}

Describe 'Get-GolemImage presentation' -Tag 'SquashfsTools', 'LinuxTools' {
    It 'shows a table with the name, compression, size, inodes and hash' {
        $text = Get-GolemImage $Lzo | Format-Table | Out-String -Width 250
        $text | Should -Match 'Name\s+Compression\s+Size\s+Inodes\s+Created\s+Hash'
        $text | Should -Match "lzo\.gvmi\s+lzo\s+$((Get-Item -LiteralPath $Lzo).Length)\s+5\s+2009-02-13 23:31:30Z\s+$($Hashes[$Lzo])"
    }

    It 'has help with examples' {
        $help = Get-Help Get-GolemImage -Full
        @($help.examples.example).Count | Should -BeGreaterOrEqual 2
        ($help.parameters.parameter | Where-Object name -eq 'LiteralPath').description | Should -Not -BeNullOrEmpty
    }
}
