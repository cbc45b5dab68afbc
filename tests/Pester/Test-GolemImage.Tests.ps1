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

Describe 'Test-GolemImage on good images' -Tag 'SquashfsTools', 'LinuxTools' {
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

Describe 'Test-GolemImage on images ConvertTo-GolemImage writes' -Tag 'SquashfsTools', 'LinuxTools' {
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

Describe 'Test-GolemImage on xz images' -Tag 'SquashfsTools', 'LinuxTools' {
    It 'names xz mountable and reads its directory tables for the Volumes check, at every level' {
        $archive = Join-Path $TestDrive 'volume-files.tar'
        & "$PSScriptRoot/../Samples/New-TestImageArchive.ps1" -Path $archive -FilesInVolume | Out-Null
        foreach ($level in 'Fastest', 'Optimal', 'SmallestSize') {
            $output = Join-Path $TestDrive "xz-$level.gvmi"
            $converted = ConvertTo-GolemImage -ArchivePath $archive -OutputPath $output -Compression Xz -CompressionLevel $level -WarningAction SilentlyContinue -ErrorAction Stop
            $converted.Compression | Should -Be 'xz'
            $findings = @(Test-GolemImage -LiteralPath $output -Detailed)
            ($findings | Where-Object Check -EQ 'Superblock.Compression').Message | Should -Be 'Compression xz, which the Golem provider kernel supports.'
            $volumes = $findings | Where-Object Check -EQ 'Volumes'
            $volumes.Result | Should -Be 'Warning'
            $volumes.Message | Should -Match '^VOLUME /golem/work has 2 entries in the image \(such as /golem/work/cache\)'
            ($findings | Where-Object Result -NotIn 'Passed', 'Warning' | Out-String) | Should -BeNullOrEmpty
            Test-GolemImage -LiteralPath $output | Should -BeTrue
            (Get-GolemImage -LiteralPath $output).Compression | Should -Be 'xz'
        }
    }
}

Describe 'Test-GolemImage on broken images' -Tag 'SquashfsTools', 'LinuxTools' {
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

Describe 'Test-GolemImage input' -Tag 'SquashfsTools', 'LinuxTools' {
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

Describe 'Test-GolemImage presentation' -Tag 'SquashfsTools', 'LinuxTools' {
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

Describe 'Test-GolemImage -Url (a self-hosted image)' -Tag 'SquashfsTools', 'LinuxTools' -Skip:(-not (Get-Command python3 -ErrorAction Ignore)) {
    BeforeAll {
        # A real web server (Python's http.server: HEAD and GET with Content-Length, no byte ranges) serves the image, a
        # copy with one byte changed, a truncated copy and nothing else. An HttpListener in a thread job stands for a
        # server that takes byte ranges and redirects, as object stores and CDNs do.
        $script:Www = Join-Path $TestDrive 'www'
        New-Item -ItemType Directory -Path $Www | Out-Null
        $bytes = [IO.File]::ReadAllBytes($Good)
        [IO.File]::WriteAllBytes((Join-Path $Www 'good.gvmi'), $bytes)
        [IO.File]::WriteAllBytes((Join-Path $Www 'short.gvmi'), [byte[]] $bytes[0..999])
        $bytes[5000] = $bytes[5000] -bxor 0xFF
        [IO.File]::WriteAllBytes((Join-Path $Www 'other.gvmi'), $bytes)

        $port = Get-FreeTcpPort
        $script:WebServer = Start-Process python3 -ArgumentList '-m', 'http.server', $port, '--bind', '127.0.0.1', '--directory', $Www -PassThru `
            -RedirectStandardError (Join-Path $TestDrive 'http.server.log') -RedirectStandardOutput (Join-Path $TestDrive 'http.server.out')
        $script:Base = "http://127.0.0.1:$port"
        Wait-Until -What 'python3 -m http.server' -Condition {
            try { (Invoke-WebRequest -Method Head "$Base/good.gvmi" -UseBasicParsing).StatusCode -eq 200 } catch { $false }
        }

        $listenerPort = Get-FreeTcpPort
        $script:Listener = [Net.HttpListener]::new()
        $Listener.Prefixes.Add("http://127.0.0.1:$listenerPort/")
        $Listener.Start()
        $script:Ranged = "http://127.0.0.1:$listenerPort"
        $script:ListenerJob = Start-ThreadJob -ArgumentList $Listener, $Good -ScriptBlock {
            param($listener, $file)
            $content = [IO.File]::ReadAllBytes($file)
            while ($listener.IsListening) {
                try { $context = $listener.GetContext() } catch { break }
                try {
                    $response = $context.Response
                    if ($context.Request.Url.AbsolutePath -eq '/moved') {
                        $response.StatusCode = 302
                        $response.RedirectLocation = '/ranged.gvmi'
                    } elseif ($context.Request.Url.AbsolutePath -eq '/ranged.gvmi') {
                        $response.Headers.Add('Accept-Ranges', 'bytes')
                        $response.ContentLength64 = $content.Length
                        if ($context.Request.HttpMethod -eq 'GET') { $response.OutputStream.Write($content, 0, $content.Length) }
                    } else {
                        $response.StatusCode = 404
                    }
                    $response.Close()
                } catch {
                    try { $context.Response.Abort() } catch { }
                }
            }
        }
    }

    AfterAll {
        if ($WebServer) { Stop-Process -Id $WebServer.Id -ErrorAction Ignore }
        if ($Listener) { $Listener.Stop() }
        if ($ListenerJob) { $ListenerJob | Remove-Job -Force }
    }

    It 'passes a URL that serves the image, with a warning when the server takes no byte ranges' {
        $findings = @(Test-GolemImage $Good -Url "$Base/good.gvmi" -Detailed | Where-Object Check -Like 'Url.*')
        $findings.Check | Should -Be @('Url.Head', 'Url.Size', 'Url.Ranges', 'Url.Content')
        $findings.Result | Should -Be @('Passed', 'Passed', 'Warning', 'Passed')
        $findings[3].Message | Should -Match ([regex]::Escape("hash:sha3:$((Get-GolemImageHash $Good).Hash):$Base/good.gvmi"))
        Test-GolemImage $Good -Url "$Base/good.gvmi" | Should -BeTrue
    }

    It 'fails a URL that serves another file of the same size, a shorter one, or nothing' {
        $other = @(Test-GolemImage $Good -Url "$Base/other.gvmi" -Detailed | Where-Object Check -Like 'Url.*')
        ($other | Where-Object Check -EQ 'Url.Content').Result | Should -Be 'Failed'
        ($other | Where-Object Check -EQ 'Url.Content').Message | Should -Match 'providers would reject the download'
        Test-GolemImage $Good -Url "$Base/other.gvmi" | Should -BeFalse

        $short = @(Test-GolemImage $Good -Url "$Base/short.gvmi" -Detailed | Where-Object Check -Like 'Url.*')
        ($short | Where-Object Check -EQ 'Url.Size').Message | Should -Match '^The URL serves 1000 bytes, the image has \d+'
        ($short | Where-Object Check -EQ 'Url.Size').Result | Should -Be 'Failed'
        ($short | Where-Object Check -EQ 'Url.Content').Result | Should -Be 'Skipped'

        $missing = @(Test-GolemImage $Good -Url "$Base/missing.gvmi" -Detailed | Where-Object Check -Like 'Url.*')
        $missing.Result | Should -Be @('Failed', 'Skipped', 'Skipped', 'Skipped')
        $missing[0].Message | Should -Match 'answered 404'
    }

    It 'follows a redirect and passes a server that takes byte ranges' {
        $findings = @(Test-GolemImage $Good -Url "$Ranged/moved" -Detailed | Where-Object Check -Like 'Url.*')
        $findings.Result | Should -Be @('Passed', 'Passed', 'Passed', 'Passed')
        $findings[0].Message | Should -Match ([regex]::Escape("redirected to $Ranged/ranged.gvmi"))
    }

    It 'fails when nothing answers, without throwing' {
        $findings = @(Test-GolemImage $Good -Url "http://127.0.0.1:$(Get-FreeTcpPort)/good.gvmi" -Detailed | Where-Object Check -Like 'Url.*')
        $findings.Result | Should -Be @('Failed', 'Skipped', 'Skipped', 'Skipped')
        $findings[0].Message | Should -Match '^HEAD .* failed: '
    }

    It 'refuses a relative URL, a URL that is not http, and -Url with several images' {
        $err = $null
        Test-GolemImage $Good -Url 'images/good.gvmi' -ErrorVariable err -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        $err[0].FullyQualifiedErrorId | Should -BeLike 'RelativeUrl,*'
        Test-GolemImage $Good -Url 'ftp://127.0.0.1/good.gvmi' -ErrorVariable err -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        $err[0].FullyQualifiedErrorId | Should -BeLike 'InvalidUrl,*'
        Test-GolemImage (Join-Path $Www '*.gvmi') -Url "$Base/good.gvmi" -ErrorVariable err -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        $err[0].FullyQualifiedErrorId | Should -BeLike 'UrlNeedsOneImage,*'
        $err[0].Exception.Message | Should -Match 'names 3 files'
    }
}
