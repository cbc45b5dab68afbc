# Publish-GolemImage against the Golem registry test server (tests/RegistryServer), which checks what the real
# registry must (descriptor format, chunk hashes, positions and lengths, the whole file's SHA3-224 via openssl,
# credentials, tag syntax) and injects faults on request.
BeforeDiscovery {
    $script:CanRun = [bool] (Get-Command mksquashfs -ErrorAction Ignore) -and [bool] (Get-Command openssl -ErrorAction Ignore)
}

BeforeAll {
    Import-Module $env:GOLEMIMAGE_MODULE -Force
    Import-Module "$PSScriptRoot/TestHelpers.psm1" -Force

    $script:Work = Join-Path ([IO.Path]::GetTempPath()) ('gi-publish-' + [guid]::NewGuid().ToString('N').Substring(0, 8))
    New-Item -ItemType Directory -Path $Work | Out-Null
    $script:Registry = Start-TestGolemRegistry -User 'alice' -ArgumentList @('--repositories', 'alice/hello,alice/faults,alice/resume,alice/env,alice/pipe')
    $script:Credential = [pscredential]::new($Registry.User, (ConvertTo-SecureString $Registry.Token -AsPlainText -Force))
    $script:ChunkSize = 65536

    # The engine assembly loads lazily with the first cmdlet call; the image helper below needs its types now.
    $framework = if ($env:GOLEMIMAGE_FRAMEWORK) { $env:GOLEMIMAGE_FRAMEWORK } else { 'net8.0' }
    Add-Type -LiteralPath (Join-Path (Split-Path $env:GOLEMIMAGE_MODULE) "$framework/GolemImage.dll")

    function script:New-TestGvmi {
        <# A real .gvmi: a squashfs of random (incompressible) files from mksquashfs, plus the ContainerConfig trailer. #>
        param([string] $Name, [int] $Kilobytes = 600, [string] $Compression = 'gzip')
        $tree = Join-Path $Work "$Name-tree"
        New-Item -ItemType Directory -Force -Path "$tree/app" | Out-Null
        $bytes = [byte[]]::new($Kilobytes * 1024)
        [Security.Cryptography.RandomNumberGenerator]::Fill($bytes)
        [IO.File]::WriteAllBytes("$tree/app/data.bin", $bytes)
        Set-Content -LiteralPath "$tree/app/hello.txt" -Encoding utf8 -Value "hello from $Name"
        $path = Join-Path $Work "$Name.gvmi"
        & mksquashfs $tree $path -noappend -quiet -no-progress -comp $Compression -mkfs-time 0 -all-time 0 | Out-Null
        if ($LASTEXITCODE -ne 0) { throw "mksquashfs failed for $Name" }
        $config = [GolemImage.Gvmi.ContainerConfig]::new()
        $config.Env = @('PATH=/bin')
        $config.Cmd = @('/bin/sh')
        $stream = [IO.File]::Open($path, 'Append')
        try { [GolemImage.Gvmi.GvmiTrailer]::Write($stream, $config) } finally { $stream.Dispose() }
        Remove-Item -Recurse -Force -LiteralPath $tree
        $path
    }

    function script:Get-OpenSslSha3([string] $Path) {
        ((& openssl dgst -sha3-224 -r $Path) -split ' ')[0]
    }

    function script:Invoke-Publish {
        <#
        Runs Publish-GolemImage in its own PowerShell instance (same process) and returns every stream it wrote:
        Output, Errors, Verbose, Progress, and AllText (all streams as one string, for secret searches).
        -Pipeline is a script whose output is piped into the cmdlet (it runs in that instance, so provider
        properties such as PSPath survive).
        #>
        param([hashtable] $Parameters, [string] $Pipeline)
        $ps = [powershell]::Create()
        try {
            $script = if ($Pipeline) { "param(`$Module, `$Arguments) Import-Module `$Module; $Pipeline | Publish-GolemImage @Arguments" } else { 'param($Module, $Arguments) Import-Module $Module; Publish-GolemImage @Arguments' }
            $null = $ps.AddScript($script).AddArgument($env:GOLEMIMAGE_MODULE).AddArgument($Parameters)
            $output = @($ps.Invoke())
            $errors = @($ps.Streams.Error)
            $text = [Text.StringBuilder]::new()
            foreach ($o in $output) { foreach ($p in $o.PSObject.Properties) { [void] $text.AppendLine("$($p.Name)=$($p.Value)") } }
            foreach ($e in $errors) { [void] $text.AppendLine("$e | $($e.FullyQualifiedErrorId) | $($e.TargetObject) | $($e.ErrorDetails) | $($e.Exception.ToString())") }
            foreach ($r in @($ps.Streams.Verbose) + @($ps.Streams.Debug) + @($ps.Streams.Warning) + @($ps.Streams.Information)) { [void] $text.AppendLine("$r") }
            foreach ($r in $ps.Streams.Progress) { [void] $text.AppendLine("$($r.Activity) | $($r.StatusDescription) | $($r.CurrentOperation)") }
            [pscustomobject]@{
                Output   = $output
                Errors   = $errors
                Verbose  = @($ps.Streams.Verbose | ForEach-Object Message)
                Warnings = @($ps.Streams.Warning | ForEach-Object Message)
                Progress = @($ps.Streams.Progress)
                AllText  = $text.ToString()
            }
        } finally {
            $ps.Dispose()
        }
    }

    function script:Get-ChunkRequests($Stats) {
        $n = $Stats.requests.'POST /v1/image/push/chunk'
        if ($n) { $n } else { 0 }
    }
}

AfterAll {
    Stop-TestGolemRegistry $script:Registry
    if ($script:Work) { Remove-Item -Recurse -Force -LiteralPath $script:Work -ErrorAction Ignore }
}

Describe 'Publish-GolemImage' -Tag 'SquashfsTools', 'LinuxTools' -Skip:(-not $CanRun) {
    BeforeEach {
        Set-TestGolemRegistryFault -Registry $Registry -Clear -DelayMilliseconds 0
        Get-TestGolemRegistryStats -Registry $Registry -Reset | Out-Null
    }

    Context 'a new image, then the same image again' {
        BeforeAll {
            $script:Image = New-TestGvmi -Name 'hello'
            $script:ExpectedHash = Get-OpenSslSha3 $Image
            $script:First = Invoke-Publish @{ Path = $Image; Tag = 'alice/hello:1.0'; Credential = $Credential; RegistryUrl = $Registry.Url; ChunkSize = $ChunkSize; Verbose = $true; Debug = $true }
            $script:FirstStats = Get-TestGolemRegistryStats -Registry $Registry -Reset
            $script:Second = Invoke-Publish @{ Path = $Image; Tag = 'alice/hello:1.0'; Credential = $Credential; RegistryUrl = $Registry.Url; ChunkSize = $ChunkSize }
            $script:SecondStats = Get-TestGolemRegistryStats -Registry $Registry
            $script:ChunkCount = [math]::Ceiling((Get-Item $Image).Length / $ChunkSize)
        }

        It 'uploads every chunk once and reports the image' {
            $First.Errors | Should -BeNullOrEmpty
            $First.Output | Should -HaveCount 1
            $result = $First.Output[0]
            $result.PSObject.TypeNames[0] | Should -Be 'GolemImage.PublishedGolemImage'
            $result.Hash | Should -Be $ExpectedHash
            $result.Tag | Should -Be 'alice/hello:1.0'
            $result.Size | Should -Be (Get-Item $Image).Length
            $result.ChunksUploaded | Should -Be $ChunkCount
            $result.ChunksSkipped | Should -Be 0
            $result.DescriptorHash | Should -Be (Get-FileHash -Algorithm SHA256 "$Image.descr.bin").Hash.ToLowerInvariant()
            $result.DownloadUrl | Should -Be "$($Registry.Url)/download/$ExpectedHash"
            $result.HttpsDownloadUrl | Should -Be ("$($Registry.Url)/download/$ExpectedHash" -replace '^http:', 'https:')
            $result.TaskPackage | Should -Be "hash:sha3:$($ExpectedHash):$($Registry.Url)/download/$ExpectedHash"
            Get-ChunkRequests $FirstStats | Should -Be $ChunkCount
            $FirstStats.chunkBytesStored | Should -Be (Get-Item $Image).Length
        }

        It 'follows gvmkit-build''s order: login, descriptor, attach dry run, chunks, attach' {
            $FirstStats.requests.'POST /auth/pat/login' | Should -Be 1
            $FirstStats.requests.'POST /v1/image/push/descr' | Should -Be 1
            $FirstStats.requests.'POST /v1/image/descr/attach/{id}' | Should -Be 2
            (Invoke-RestMethod "$($Registry.Url)/v1/image/info?tag=alice/hello:1.0&dev=true").sha3 | Should -Be $ExpectedHash
        }

        It 'sends no chunk and no descriptor the second time' {
            $Second.Errors | Should -BeNullOrEmpty
            $Second.Output.ChunksUploaded | Should -Be 0
            $Second.Output.ChunksSkipped | Should -Be $ChunkCount
            $Second.Output.Hash | Should -Be $ExpectedHash
            Get-ChunkRequests $SecondStats | Should -Be 0
            $SecondStats.requests.'POST /v1/image/push/descr' | Should -BeNullOrEmpty
        }

        It 'never shows the token in any stream' {
            $First.AllText | Should -Not -BeNullOrEmpty
            $First.AllText | Should -Not -Match ([regex]::Escape($Registry.Token))
            $Second.AllText | Should -Not -Match ([regex]::Escape($Registry.Token))
        }

        It 'serves back the same bytes from /download/ by sha3 and by descriptor sha256, with HEAD and ranges' {
            $download = Join-Path $Work 'downloaded.gvmi'
            Invoke-WebRequest -Uri $First.Output.DownloadUrl -OutFile $download -UseBasicParsing
            Get-OpenSslSha3 $download | Should -Be $ExpectedHash
            Invoke-WebRequest -Uri "$($Registry.Url)/download/$($First.Output.DescriptorHash)" -OutFile $download -UseBasicParsing
            Get-OpenSslSha3 $download | Should -Be $ExpectedHash

            $head = Invoke-WebRequest -Method Head -Uri $First.Output.DownloadUrl -UseBasicParsing
            [string] $head.Headers['Accept-Ranges'] | Should -Be 'bytes'
            [long] [string] $head.Headers['Content-Length'] | Should -Be (Get-Item $Image).Length
            $range = Invoke-WebRequest -Uri $First.Output.DownloadUrl -Headers @{ Range = 'bytes=100-199' } -UseBasicParsing
            $range.StatusCode | Should -Be 206
            $expected = [IO.File]::ReadAllBytes($Image)[100..199]
            [byte[]] $range.Content | Should -Be $expected
        }
    }

    Context 'input' {
        It 'takes Get-ChildItem files, GolemImageFile objects and strings from the pipeline' {
            $image = New-TestGvmi -Name 'pipe' -Kilobytes 100
            $asFile = Invoke-Publish @{ Tag = 'alice/pipe:file'; Credential = $Credential; RegistryUrl = $Registry.Url } -Pipeline "Get-ChildItem -LiteralPath '$Work' -Filter pipe.gvmi"
            $asObject = Invoke-Publish @{ Tag = 'alice/pipe:object'; Credential = $Credential; RegistryUrl = $Registry.Url } -Pipeline "[GolemImage.GolemImageFile] @{ Path = '$image' }"
            $asString = Invoke-Publish @{ Tag = 'alice/pipe:string'; Credential = $Credential; RegistryUrl = $Registry.Url } -Pipeline "'$image'"
            foreach ($run in $asFile, $asObject, $asString) {
                $run.Errors | Should -BeNullOrEmpty
                $run.Output.Path | Should -Be $image
                $run.Output.Hash | Should -Be (Get-OpenSslSha3 $image)
            }
            (Invoke-RestMethod "$($Registry.Url)/v1/image/info?tag=alice/pipe:object&dev=true").sha3 | Should -Be (Get-OpenSslSha3 $image)
        }

        It 'publishes what ConvertTo-GolemImage converts, straight from the pipeline' {
            $archive = & (Join-Path $PSScriptRoot '../Samples/New-TestImageArchive.ps1') -Path (Join-Path $Work 'sample.tar') -Variant 'publish'
            $converted = Join-Path $Work 'converted.gvmi'
            $run = Invoke-Publish @{ Tag = 'alice/pipe:converted'; Credential = $Credential; RegistryUrl = $Registry.Url } -Pipeline "ConvertTo-GolemImage -ArchivePath '$($archive.Path)' -OutputPath '$converted'"
            $run.Errors | Should -BeNullOrEmpty
            $run.Output.Path | Should -Be $converted
            $run.Output.Hash | Should -Be (Get-OpenSslSha3 $converted)
            (Invoke-RestMethod "$($Registry.Url)/v1/image/info?tag=alice/pipe:converted&dev=true").sha3 | Should -Be $run.Output.Hash
        }

        It 'takes the user, token and registry from REGISTRY_USER, REGISTRY_TOKEN and REGISTRY_URL' {
            $image = New-TestGvmi -Name 'env' -Kilobytes 50
            $saved = $env:REGISTRY_USER, $env:REGISTRY_TOKEN, $env:REGISTRY_URL
            try {
                $env:REGISTRY_USER = $Registry.User; $env:REGISTRY_TOKEN = $Registry.Token; $env:REGISTRY_URL = $Registry.Url
                $run = Invoke-Publish @{ Path = $image; Tag = 'alice/env:1' }
            } finally {
                $env:REGISTRY_USER, $env:REGISTRY_TOKEN, $env:REGISTRY_URL = $saved
            }
            $run.Errors | Should -BeNullOrEmpty
            $run.Output.Tag | Should -Be 'alice/env:1'
            $run.AllText | Should -Not -Match ([regex]::Escape($Registry.Token))
        }
    }

    Context 'progress' {
        It 'shows the upload with bytes, rate and time left' {
            $image = New-TestGvmi -Name 'progress' -Kilobytes 300
            Set-TestGolemRegistryFault -Registry $Registry -DelayMilliseconds 250
            $run = Invoke-Publish @{ Path = $image; Anonymous = $true; RegistryUrl = $Registry.Url; ChunkSize = $ChunkSize; ThrottleLimit = 1 }
            $run.Errors | Should -BeNullOrEmpty
            $upload = @($run.Progress | Where-Object { $_.Activity -like 'Publishing progress.gvmi to 127.0.0.1*' -and $_.RecordType -eq 'Processing' })
            $upload.Count | Should -BeGreaterThan 1
            $withRate = @($upload | Where-Object { $_.StatusDescription -match '^[\d.]+ (B|KiB|MiB) of [\d.]+ KiB uploaded, [\d.]+ (B|KiB|MiB|GiB)/s$' -and $_.SecondsRemaining -ge 0 })
            $withRate | Should -Not -BeNullOrEmpty
            $upload[-1].PercentComplete | Should -BeGreaterThan $upload[0].PercentComplete
            @($run.Progress | Where-Object { $_.Activity -like 'Publishing progress.gvmi*' -and $_.RecordType -eq 'Completed' }) | Should -Not -BeNullOrEmpty
            @($run.Progress | Where-Object { $_.Activity -eq 'Hashing progress.gvmi' }) | Should -Not -BeNullOrEmpty
        }
    }

    Context 'resuming' {
        It 'uploads only the missing chunks after the uploading process was killed midway' {
            $image = New-TestGvmi -Name 'resume' -Kilobytes 1200
            $chunkCount = [math]::Ceiling((Get-Item $image).Length / $ChunkSize)
            Set-TestGolemRegistryFault -Registry $Registry -DelayMilliseconds 150
            $script = @"
`$ErrorActionPreference = 'Stop'
Import-Module '$($env:GOLEMIMAGE_MODULE)'
`$credential = [pscredential]::new('alice', (ConvertTo-SecureString '$($Registry.Token)' -AsPlainText -Force))
Publish-GolemImage -LiteralPath '$image' -Tag alice/resume:1 -Credential `$credential -RegistryUrl '$($Registry.Url)' -ChunkSize $ChunkSize -ThrottleLimit 1
"@
            $scriptFile = Join-Path $Work 'resume.ps1'
            Set-Content -LiteralPath $scriptFile -Encoding utf8 -Value $script
            $pwsh = Get-PwshCommand
            $process = Start-Process -FilePath $pwsh[0] -ArgumentList (@($pwsh | Select-Object -Skip 1) + @('-NoProfile', '-NonInteractive', '-File', $scriptFile)) -PassThru -RedirectStandardOutput (Join-Path $Work 'resume.out') -RedirectStandardError (Join-Path $Work 'resume.err')
            try {
                Wait-Until -TimeoutSeconds 60 -What 'a few chunks stored' -Condition {
                    if ($process.HasExited) { throw "The uploader exited early: $(Get-Content -Raw (Join-Path $Work 'resume.err'))" }
                    (Get-TestGolemRegistryStats -Registry $Registry).chunksStored -ge 3
                }
            } finally {
                Stop-Process -Id $process.Id -Force -ErrorAction Ignore
                $process.WaitForExit(10000) | Out-Null
            }
            Start-Sleep -Milliseconds 500
            Set-TestGolemRegistryFault -Registry $Registry -DelayMilliseconds 0
            $stored = (Get-TestGolemRegistryStats -Registry $Registry -Reset).chunksStored
            $stored | Should -BeLessThan $chunkCount

            $run = Invoke-Publish @{ LiteralPath = $image; Tag = 'alice/resume:1'; Credential = $Credential; RegistryUrl = $Registry.Url; ChunkSize = $ChunkSize }

            $run.Errors | Should -BeNullOrEmpty
            $run.Output.ChunksSkipped | Should -Be $stored
            $run.Output.ChunksUploaded | Should -Be ($chunkCount - $stored)
            (Get-TestGolemRegistryStats -Registry $Registry).chunksStored | Should -Be ($chunkCount - $stored)
            $download = Join-Path $Work 'resumed.gvmi'
            Invoke-WebRequest -Uri $run.Output.DownloadUrl -OutFile $download -UseBasicParsing
            Get-OpenSslSha3 $download | Should -Be (Get-OpenSslSha3 $image)
        }
    }

    Context 'transient faults' {
        It 'survives <Name>' -ForEach @(
            @{ Name = 'a 500 on one chunk'; Fault = 'fail500:2'; Extra = @{} }
            @{ Name = 'a connection dropped in the middle of a chunk'; Fault = 'drop:1'; Extra = @{} }
            @{ Name = 'a 429 with Retry-After'; Fault = 'throttle429:*'; Extra = @{} }
            @{ Name = 'a response slower than the timeout'; Fault = 'delay:3:6000'; Extra = @{ TimeoutSec = 1 } }
        ) {
            $image = New-TestGvmi -Name ('fault-' + ($Fault -replace '\W', '')) -Kilobytes 300
            $chunkCount = [math]::Ceiling((Get-Item $image).Length / $ChunkSize)
            Set-TestGolemRegistryFault -Registry $Registry -Fault $Fault
            $parameters = @{ Path = $image; Tag = 'alice/faults:1'; Credential = $Credential; RegistryUrl = $Registry.Url; ChunkSize = $ChunkSize; Verbose = $true } + $Extra

            $run = Invoke-Publish $parameters

            $run.Errors | Should -BeNullOrEmpty
            $run.Output.Hash | Should -Be (Get-OpenSslSha3 $image)
            $run.Output.ChunksUploaded | Should -Be $chunkCount
            $stats = Get-TestGolemRegistryStats -Registry $Registry
            Get-ChunkRequests $stats | Should -Be ($chunkCount + 1)
            (Invoke-RestMethod -Uri "$($Registry.Url)/_test/faults") | Should -Be '0'
            @($run.Verbose | Where-Object { $_ -like '*chunk*failed*retry 1 of 5*' }) | Should -HaveCount 1
            $run.AllText | Should -Not -Match ([regex]::Escape($Registry.Token))
        }

        It 'gives up with RegistryUnavailable when the failures outlast the retries' {
            $image = New-TestGvmi -Name 'hopeless' -Kilobytes 30
            Set-TestGolemRegistryFault -Registry $Registry -Fault @('fail500:0', 'fail500:0', 'fail500:0')
            $run = Invoke-Publish @{ Path = $image; Tag = 'alice/faults:2'; Credential = $Credential; RegistryUrl = $Registry.Url; MaximumRetryCount = 2; RetryIntervalSec = 0 }
            $run.Output | Should -BeNullOrEmpty
            $run.Errors | Should -HaveCount 1
            $run.Errors[0].FullyQualifiedErrorId | Should -BeLike 'RegistryUnavailable,*'
            $run.Errors[0].CategoryInfo.Category | Should -Be 'ConnectionError'
            $run.Errors[0].Exception.Message | Should -Match 'chunk 0 3 times.*HTTP 500'
        }
    }

    Context 'permanent failures' {
        It 'stops at the login with a wrong token, sending no descriptor and no chunk' {
            $image = New-TestGvmi -Name 'wrongtoken' -Kilobytes 100
            $wrong = 'pat-wrong-' + [guid]::NewGuid().ToString('N')
            $credential = [pscredential]::new('alice', (ConvertTo-SecureString $wrong -AsPlainText -Force))
            $run = Invoke-Publish @{ Path = $image; Tag = 'alice/hello:2'; Credential = $credential; RegistryUrl = $Registry.Url; Verbose = $true; Debug = $true }
            $run.Output | Should -BeNullOrEmpty
            $run.Errors | Should -HaveCount 1
            $run.Errors[0].FullyQualifiedErrorId | Should -BeLike 'RegistryAuthenticationFailed,*'
            $run.Errors[0].CategoryInfo.Category | Should -Be 'AuthenticationError'
            $run.Errors[0].Exception.Message | Should -Match "user 'alice'"
            $stats = Get-TestGolemRegistryStats -Registry $Registry
            $stats.totalRequests | Should -Be 1
            $stats.requests.'POST /auth/pat/login' | Should -Be 1
            $run.AllText | Should -Not -Match ([regex]::Escape($wrong))
        }

        It 'stops with <ErrorId> before any chunk when <Name>' -ForEach @(
            @{ Name = 'the tag belongs to another user'; Tag = 'bob/hello:1'; ErrorId = 'RegistryPermissionDenied'; Category = 'PermissionDenied' }
            @{ Name = 'the repository does not exist'; Tag = 'alice/nothere:1'; ErrorId = 'RegistryRepositoryNotFound'; Category = 'ObjectNotFound' }
        ) {
            $image = New-TestGvmi -Name ('permanent-' + $ErrorId) -Kilobytes 100
            $run = Invoke-Publish @{ Path = $image; Tag = $Tag; Credential = $Credential; RegistryUrl = $Registry.Url }
            $run.Errors | Should -HaveCount 1
            $run.Errors[0].FullyQualifiedErrorId | Should -BeLike "$ErrorId,*"
            $run.Errors[0].CategoryInfo.Category | Should -Be $Category
            $run.Errors[0].Exception.Message | Should -Match ([regex]::Escape($Tag))
            Get-ChunkRequests (Get-TestGolemRegistryStats -Registry $Registry) | Should -Be 0
        }

        It 'refuses <Name> before contacting the registry' -ForEach @(
            @{ Name = 'a malformed tag'; Parameters = @{ Tag = 'alice/Hello World' }; ErrorId = 'InvalidImageTag' }
            @{ Name = 'a tag without credentials'; Parameters = @{ Tag = 'alice/hello:1' }; ErrorId = 'CredentialRequired' }
            @{ Name = 'neither -Tag nor -Anonymous'; Parameters = @{}; ErrorId = 'TagRequired' }
            @{ Name = 'plain http to another machine'; Parameters = @{ Anonymous = $true; RegistryUrl = 'http://registry.example.com' }; ErrorId = 'InsecureRegistryUrl' }
        ) {
            $image = Join-Path $Work 'refused.gvmi'
            Set-Content -LiteralPath $image -Encoding utf8 -Value 'not even an image'
            $saved = $env:REGISTRY_USER, $env:REGISTRY_TOKEN
            try {
                $env:REGISTRY_USER = $null; $env:REGISTRY_TOKEN = $null
                $arguments = @{ Path = $image; RegistryUrl = $Registry.Url }
                foreach ($key in $Parameters.Keys) { $arguments[$key] = $Parameters[$key] }
                $run = Invoke-Publish $arguments
            } finally {
                $env:REGISTRY_USER, $env:REGISTRY_TOKEN = $saved
            }
            $run.Errors | Should -HaveCount 1
            $run.Errors[0].FullyQualifiedErrorId | Should -BeLike "$ErrorId,*"
            (Get-TestGolemRegistryStats -Registry $Registry).totalRequests | Should -Be 0
            Test-Path "$image.descr.bin" | Should -BeFalse
        }

        It 'refuses <Name> before reading or uploading it, also with -WhatIf' -ForEach @(
            @{ Name = 'a text file'; Kind = 'text'; ErrorId = 'GvmiTrailerLengthInvalid' }
            @{ Name = 'a squashfs without the trailer'; Kind = 'squashfs'; ErrorId = 'GvmiTrailerLengthInvalid' }
            @{ Name = 'a trailer after something that is not squashfs'; Kind = 'trailer'; ErrorId = 'InvalidSquashfs' }
        ) {
            $image = Join-Path $Work "not-a-gvmi-$Kind.gvmi"
            switch ($Kind) {
                'text' { Set-Content -LiteralPath $image -Encoding utf8 -Value 'not even an image' }
                'squashfs' {
                    $tree = Join-Path $Work 'untrailed-tree'
                    New-Item -ItemType Directory -Force -Path $tree | Out-Null
                    Set-Content -LiteralPath "$tree/hello.txt" -Encoding utf8 -Value 'hello'
                    & mksquashfs $tree $image -noappend -quiet -no-progress -comp gzip | Out-Null
                    $LASTEXITCODE | Should -Be 0
                }
                'trailer' {
                    [IO.File]::WriteAllBytes($image, [byte[]]::new(8192))
                    $stream = [IO.File]::Open($image, 'Append')
                    try { [GolemImage.Gvmi.GvmiTrailer]::Write($stream, [GolemImage.Gvmi.ContainerConfig]::new()) } finally { $stream.Dispose() }
                }
            }
            $before = (Get-TestGolemRegistryStats -Registry $Registry).totalRequests
            foreach ($whatIf in $false, $true) {
                $run = Invoke-Publish @{ Path = $image; Anonymous = $true; RegistryUrl = $Registry.Url; WhatIf = $whatIf }
                $run.Output | Should -BeNullOrEmpty
                $run.Errors | Should -HaveCount 1
                $run.Errors[0].FullyQualifiedErrorId | Should -BeLike "$ErrorId,*"
                $run.Errors[0].CategoryInfo.Category | Should -Be 'InvalidData'
                $run.Errors[0].TargetObject | Should -Be $image
                $run.Errors[0].Exception.Message | Should -Match ([regex]::Escape($image))
            }
            (Get-TestGolemRegistryStats -Registry $Registry).totalRequests | Should -Be $before
            Test-Path "$image.descr.bin" | Should -BeFalse
        }

        It 'warns that providers cannot mount a zstd image, and publishes it as asked' {
            $image = New-TestGvmi -Name 'zstd' -Kilobytes 40 -Compression zstd
            $run = Invoke-Publish @{ Path = $image; Anonymous = $true; RegistryUrl = $Registry.Url; ChunkSize = $ChunkSize }
            $run.Errors | Should -BeNullOrEmpty
            $run.Warnings | Should -HaveCount 1
            $run.Warnings[0] | Should -Match 'zstd, which Golem providers cannot mount'
            $run.Output.Hash | Should -Be (Get-OpenSslSha3 $image)
        }

        It 'publishes an xz image without a mount warning: providers read xz' {
            $image = New-TestGvmi -Name 'xz' -Kilobytes 40 -Compression xz
            $run = Invoke-Publish @{ Path = $image; Anonymous = $true; RegistryUrl = $Registry.Url; ChunkSize = $ChunkSize }
            $run.Errors | Should -BeNullOrEmpty
            $run.Warnings | Should -BeNullOrEmpty
            $run.Output.Hash | Should -Be (Get-OpenSslSha3 $image)
        }

        It 'reports RegistryValidationFailed when the registry finds the joined chunks do not match the image hash' {
            $image = New-TestGvmi -Name 'lying' -Kilobytes 100
            $bytes = [IO.File]::ReadAllBytes($image)
            $chunks = [Collections.Generic.List[byte[]]]::new()
            for ($p = 0; $p -lt $bytes.Length; $p += $ChunkSize) {
                $chunks.Add([Security.Cryptography.SHA256]::HashData([ArraySegment[byte]]::new($bytes, $p, [math]::Min($ChunkSize, $bytes.Length - $p)).ToArray()))
            }
            # A cached descriptor whose chunk hashes are right but whose whole-file sha3 is not.
            $descriptor = [GolemImage.Registry.ImageDescriptor]::new($bytes.Length, $ChunkSize, [byte[]]::new(28), $chunks)
            [IO.File]::WriteAllBytes("$image.descr.bin", $descriptor.Bytes)
            (Get-Item "$image.descr.bin").LastWriteTimeUtc = [datetime]::UtcNow.AddMinutes(1)

            $run = Invoke-Publish @{ Path = $image; Anonymous = $true; RegistryUrl = $Registry.Url; ChunkSize = $ChunkSize; ValidationTimeoutSec = 2 }

            $run.Errors | Should -HaveCount 1
            $run.Errors[0].FullyQualifiedErrorId | Should -BeLike 'RegistryValidationFailed,*'
            $run.Errors[0].Exception.Message | Should -Match "still reports the upload as 'corrupt'"
        }
    }

    Context 'anonymous uploads and -WhatIf' {
        It 'uploads anonymously without login or tag, downloadable by hash' {
            $image = New-TestGvmi -Name 'anonymous' -Kilobytes 200
            $run = Invoke-Publish @{ Path = $image; Anonymous = $true; RegistryUrl = $Registry.Url; ChunkSize = $ChunkSize }
            $run.Errors | Should -BeNullOrEmpty
            $run.Output.Tag | Should -BeNullOrEmpty
            $run.Output.Hash | Should -Be (Get-OpenSslSha3 $image)
            $stats = Get-TestGolemRegistryStats -Registry $Registry
            $stats.requests.'POST /auth/pat/login' | Should -BeNullOrEmpty
            $stats.requests.'POST /v1/image/descr/attach/{id}' | Should -BeNullOrEmpty
            (Invoke-RestMethod "$($Registry.Url)/v1/image/info?hash=$($run.Output.Hash)&dev=true").size | Should -Be (Get-Item $image).Length
            $download = Join-Path $Work 'anonymous-back.gvmi'
            Invoke-WebRequest -Uri $run.Output.DownloadUrl -OutFile $download -UseBasicParsing
            Get-OpenSslSha3 $download | Should -Be $run.Output.Hash
        }

        It 'sends nothing and writes nothing with -WhatIf' {
            $image = New-TestGvmi -Name 'whatif' -Kilobytes 50
            $run = Invoke-Publish @{ Path = $image; Tag = 'alice/hello:whatif'; Credential = $Credential; RegistryUrl = $Registry.Url; WhatIf = $true }
            $run.Output | Should -BeNullOrEmpty
            $run.Errors | Should -BeNullOrEmpty
            (Get-TestGolemRegistryStats -Registry $Registry).totalRequests | Should -Be 0
            Test-Path "$image.descr.bin" | Should -BeFalse
        }
    }
}
