#requires -Modules Pester
# Test-GolemImage on mksquashfs images with hand-built trailers: good ones pass, truncated, padded-wrong,
# CRC-broken and non-squashfs ones fail with a finding that says why.

BeforeAll {
    Import-Module $env:GOLEMIMAGE_MODULE -Force
    Import-Module "$PSScriptRoot/TestHelpers.psm1" -Force
    $script:Dir = Join-Path $TestDrive 'images'
    New-Item -ItemType Directory -Path $Dir | Out-Null
    $script:Good = (New-TestGvmiFile -Path (Join-Path $Dir 'good.gvmi')).FullName
    $script:GoodLzo = (New-TestGvmiFile -Path (Join-Path $Dir '[lzo].gvmi') -MksquashfsArgument '-comp', 'lzo', '-no-exports', '-no-fragments').FullName
    $script:Truncated = (New-TestGvmiFile -Path (Join-Path $TestDrive 'truncated.gvmi') -SquashfsBytes { param($b) [byte[]] $b[0..(200703)] }).FullName
    $script:Unpadded = (New-TestGvmiFile -Path (Join-Path $TestDrive 'unpadded.gvmi') -MksquashfsArgument '-nopad').FullName
    $script:BadCrc = Join-Path $TestDrive 'badcrc.gvmi'
    $bytes = [IO.File]::ReadAllBytes($Good)
    $bytes[$bytes.Length - 12] = $bytes[$bytes.Length - 12] -bxor 1
    [IO.File]::WriteAllBytes($BadCrc, $bytes)
    $script:NotSquashfs = (New-TestGvmiFile -Path (Join-Path $TestDrive 'random.gvmi') -SquashfsBytes { param($b) $r = [byte[]]::new(4096); ([Random]::new(1)).NextBytes($r); $r }).FullName
    $script:BadLayout = (New-TestGvmiFile -Path (Join-Path $TestDrive 'badlayout.gvmi') -SquashfsBytes {
            param($b)
            # Move the id table pointer 8 bytes back: its index no longer ends exactly at bytes_used.
            $id = [BitConverter]::ToUInt64($b, 48) - 8
            [BitConverter]::GetBytes([uint64] $id).CopyTo($b, 48)
            $b
        } -MksquashfsArgument '-no-xattrs').FullName
}

Describe 'Test-GolemImage on good images' {
    It 'returns $true' {
        Test-GolemImage $Good | Should -BeTrue
        Test-GolemImage -LiteralPath $GoodLzo | Should -BeTrue
    }

    It 'returns every check as Passed with -Detailed' {
        $findings = @(Test-GolemImage $Good -Detailed)
        $findings | ForEach-Object { $_ | Should -BeOfType ([GolemImage.GolemImageTestFinding]) }
        $findings.Check | Should -Be @('Trailer', 'Config.User', 'Superblock.Magic', 'Superblock.Version', 'Superblock.BlockSize', 'Superblock.Compression',
            'Superblock.Counts', 'Superblock.RootInode', 'Superblock.BytesUsed', 'Layout.XattrTable', 'Layout.IdTable', 'Layout.ExportTable',
            'Layout.FragmentTable', 'Layout.DirectoryTable', 'Layout.InodeTable', 'Padding', 'Volumes')
        $findings.Result | Sort-Object -Unique | Should -Be 'Passed'
        $findings.Path | Sort-Object -Unique | Should -Be $Good
    }
}

Describe 'Test-GolemImage on images ConvertTo-GolemImage writes' {
    It 'passes every check, and Get-GolemImage agrees with openssl and the conversion' {
        $archive = Join-Path $TestDrive 'sample.tar'
        & "$PSScriptRoot/../Samples/New-TestImageArchive.ps1" -Path $archive | Out-Null
        $output = Join-Path $TestDrive 'converted.gvmi'
        $converted = ConvertTo-GolemImage -ArchivePath $archive -OutputPath $output -Compression lzo
        $findings = @(Test-GolemImage -LiteralPath $output -Detailed)
        ($findings | Where-Object Result -ne 'Passed' | Out-String) | Should -BeNullOrEmpty
        $image = Get-GolemImage -LiteralPath $output
        $image.Hash | Should -Be (Get-OpenSslSha3224 -LiteralPath $output)[$output]
        $image.Hash | Should -Be $converted.Hash
        $image.InodeCount | Should -Be $converted.InodeCount
        $image.Compression | Should -Be 'lzo'
        $image.Config.ToJson() | Should -Be $converted.Config.ToJson()
    }
}

Describe 'Test-GolemImage on broken images' {
    It 'fails a truncated image on bytes_used' {
        Test-GolemImage $Truncated | Should -BeFalse
        $finding = Test-GolemImage $Truncated -Detailed | Where-Object Check -eq 'Superblock.BytesUsed'
        $finding.Result | Should -Be 'Failed'
        $finding.Message | Should -BeLike '*truncated*'
    }

    It 'fails an image that is not padded to 4 KiB before the trailer' {
        Test-GolemImage $Unpadded | Should -BeFalse
        $finding = Test-GolemImage $Unpadded -Detailed | Where-Object Check -eq 'Padding'
        $finding.Result | Should -Be 'Failed'
        $finding.Message | Should -BeLike '*not a multiple of 4096*'
    }

    It 'fails a broken CRC' {
        Test-GolemImage $BadCrc | Should -BeFalse
        $finding = Test-GolemImage $BadCrc -Detailed | Where-Object Check -eq 'Trailer'
        $finding.Result | Should -Be 'Failed'
        $finding.Message | Should -BeLike '*CRC-32*'
    }

    It 'fails a file that is not squashfs' {
        Test-GolemImage $NotSquashfs | Should -BeFalse
        $finding = Test-GolemImage $NotSquashfs -Detailed | Where-Object Check -eq 'Superblock.Magic'
        $finding.Result | Should -Be 'Failed'
        $finding.Message | Should -BeLike '*Not a squashfs image*'
    }

    It 'fails an id table that does not end at bytes_used, skipping the checks that depend on it' {
        $findings = Test-GolemImage $BadLayout -Detailed
        ($findings | Where-Object Check -eq 'Layout.IdTable').Message | Should -BeLike '*must end exactly at bytes_used*'
        ($findings | Where-Object Check -eq 'Layout.InodeTable').Result | Should -Be 'Skipped'
    }

    It 'explains the failures with -Verbose' {
        $verbose = Test-GolemImage $BadCrc -Verbose 4>&1 | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] }
        "$verbose" | Should -BeLike '*Failed Trailer*CRC-32*'
    }
}

Describe 'Test-GolemImage input' {
    It 'returns one Boolean per file, in order, from the pipeline' {
        $Good, $BadCrc, $GoodLzo | ForEach-Object { Get-Item -LiteralPath $_ } | Test-GolemImage | Should -Be @($true, $false, $true)
        ($Good, $Truncated | Test-GolemImage) | Should -Be @($true, $false)
    }

    It 'takes GolemImageFile objects' {
        Get-GolemImage $Good | Test-GolemImage | Should -BeTrue
    }

    It 'expands wildcards' {
        @(Test-GolemImage (Join-Path $Dir '*.gvmi')).Count | Should -Be 2
    }

    It 'reports missing files and directories as errors, not as $false' {
        Test-GolemImage (Join-Path $Dir 'nope.gvmi') -ErrorVariable errors -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        $errors[0].FullyQualifiedErrorId | Should -BeLike 'PathNotFound*'
        Test-GolemImage -LiteralPath $Dir -ErrorVariable errors -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        $errors[0].FullyQualifiedErrorId | Should -BeLike 'PathIsDirectory*'
    }
}

Describe 'Test-GolemImage presentation' {
    It 'shows findings as a table of Result, Check and Message' {
        $text = Test-GolemImage $BadCrc -Detailed | Out-String -Width 200
        $text | Should -Match 'Result\s+Check\s+Message'
        $text | Should -Match 'Failed\s+Trailer'
    }

    It 'has help with examples and the -Detailed parameter' {
        $help = Get-Help Test-GolemImage -Full
        @($help.examples.example).Count | Should -BeGreaterOrEqual 2
        ($help.parameters.parameter | Where-Object name -eq 'Detailed').description | Should -Not -BeNullOrEmpty
    }
}
