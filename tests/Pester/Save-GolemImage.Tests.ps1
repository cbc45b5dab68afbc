# Save-GolemImage against the Golem registry test server: downloads as providers make them (HEAD, GET, redirects,
# Range), verified against the registry's SHA3-224, with the server breaking downloads off and corrupting a byte.
BeforeDiscovery {
    $script:CanRun = [bool] (Get-Command mksquashfs -ErrorAction Ignore) -and [bool] (Get-Command openssl -ErrorAction Ignore) -and [bool] (Get-Command python3 -ErrorAction Ignore)
}

BeforeAll {
    Import-Module $env:GOLEMIMAGE_MODULE -Force
    Import-Module "$PSScriptRoot/TestHelpers.psm1" -Force

    $script:Work = Join-Path ([IO.Path]::GetTempPath()) ('gi-save-' + [guid]::NewGuid().ToString('N').Substring(0, 8))
    New-Item -ItemType Directory -Path $Work | Out-Null
    $script:Registry = Start-TestGolemRegistry -User 'alice'
    $script:Credential = [pscredential]::new($Registry.User, (ConvertTo-SecureString $Registry.Token -AsPlainText -Force))

    $script:Source = (New-TestGvmiFile -Path (Join-Path $Work 'source.gvmi')).FullName
    $script:SourceHash = (Get-OpenSslSha3224 -LiteralPath $Source)[$Source]
    $script:SourceSize = (Get-Item -LiteralPath $Source).Length
    Publish-GolemImage -LiteralPath $Source -Tag 'alice/save:1.0' -Credential $Credential -RegistryUrl $Registry.Url -ErrorAction Stop | Out-Null
    $script:DefaultName = "alice-save-1.0-$($SourceHash.Substring(0, 10)).gvmi"

    function script:New-OutputDirectory {
        $dir = Join-Path $Work ([guid]::NewGuid().ToString('N').Substring(0, 8))
        New-Item -ItemType Directory -Path $dir | Out-Null
        $dir
    }

    function script:Invoke-Save {
        <# Runs Save-GolemImage in its own PowerShell instance and returns Output, Errors, Verbose and Progress. #>
        param([hashtable] $Parameters, [string] $Pipeline)
        $ps = [powershell]::Create()
        try {
            $script = if ($Pipeline) { "param(`$Module, `$Arguments) Import-Module `$Module; $Pipeline | Save-GolemImage @Arguments" } else { 'param($Module, $Arguments) Import-Module $Module; Save-GolemImage @Arguments' }
            $null = $ps.AddScript($script).AddArgument($env:GOLEMIMAGE_MODULE).AddArgument($Parameters)
            $output = @($ps.Invoke())
            [pscustomobject]@{
                Output   = $output
                Errors   = @($ps.Streams.Error)
                Verbose  = @($ps.Streams.Verbose | ForEach-Object Message)
                Progress = @($ps.Streams.Progress)
            }
        } finally {
            $ps.Dispose()
        }
    }

    function script:Get-Range($Stats) {
        @($Stats.requests.PSObject.Properties.Name | Where-Object { $_ -like 'range *' })
    }
}

AfterAll {
    Stop-TestGolemRegistry $script:Registry
    if ($script:Work) { Remove-Item -Recurse -Force -LiteralPath $script:Work -ErrorAction Ignore }
}

Describe 'Save-GolemImage' -Tag 'SquashfsTools', 'LinuxTools' -Skip:(-not $CanRun) {
    BeforeEach {
        Set-TestGolemRegistryFault -Registry $Registry -Clear
        Invoke-RestMethod -Method Post -Uri "$($Registry.Url)/_test/redirects?hops=0" | Out-Null
        Get-TestGolemRegistryStats -Registry $Registry -Reset | Out-Null
    }

    It 'downloads a tag into a directory under ConvertTo''s kind of name and emits what Get-GolemImage gives' {
        $dir = New-OutputDirectory
        $run = Invoke-Save @{ Tag = 'alice/save:1.0'; OutputPath = $dir; RegistryUrl = $Registry.Url; Verbose = $true }
        $run.Errors | Should -BeNullOrEmpty
        $run.Output | Should -HaveCount 1
        $saved = $run.Output[0]
        $saved.PSObject.TypeNames[0] | Should -Be 'GolemImage.GolemImageFile'
        $saved.Path | Should -Be (Join-Path $dir $DefaultName)
        (Get-OpenSslSha3224 -LiteralPath $saved.Path)[$saved.Path] | Should -Be $SourceHash
        $saved.Hash | Should -Be $SourceHash
        $saved.Size | Should -Be $SourceSize
        $expected = Get-GolemImage -LiteralPath $Source
        $saved.Compression | Should -Be $expected.Compression
        $saved.InodeCount | Should -Be $expected.InodeCount
        $saved.Config.Cmd | Should -Be $expected.Config.Cmd
        @(Get-ChildItem -LiteralPath $dir).Name | Should -Be @($DefaultName)
        $stats = Get-TestGolemRegistryStats -Registry $Registry
        $stats.requests.'HEAD /download/{id}' | Should -Be 1
        $stats.requests.'GET /download/{id}' | Should -Be 1
        $stats.requests.'GET /v1/image/info' | Should -Be 1
        @($stats.requests.PSObject.Properties.Name) | Should -Not -Contain "count $SourceHash"
        $run.Progress.Activity | Should -Contain "Downloading $DefaultName"
    }

    It 'saves by hash to a file path, and from Find-GolemImage and strings in the pipeline' {
        $dir = New-OutputDirectory
        $byHash = Save-GolemImage -Hash $SourceHash -OutputPath (Join-Path $dir 'pinned.gvmi') -RegistryUrl $Registry.Url -ErrorAction Stop
        $byHash.Path | Should -Be (Join-Path $dir 'pinned.gvmi')
        $fromFind = Find-GolemImage 'alice/save:1.0' -RegistryUrl $Registry.Url | Save-GolemImage -OutputPath $dir -RegistryUrl $Registry.Url -ErrorAction Stop
        $fromFind.Path | Should -Be (Join-Path $dir $DefaultName)
        $anonymousName = Join-Path (New-OutputDirectory) "image-$($SourceHash.Substring(0, 10)).gvmi"
        $fromString = $SourceHash | Save-GolemImage -OutputPath (Split-Path $anonymousName) -RegistryUrl $Registry.Url -ErrorAction Stop
        $fromString.Path | Should -Be $anonymousName
    }

    It 'feeds Test-GolemImage -Detailed straight from the pipeline' {
        $dir = New-OutputDirectory
        $findings = Save-GolemImage 'alice/save:1.0' -OutputPath $dir -RegistryUrl $Registry.Url -ErrorAction Stop | Test-GolemImage -Detailed
        $findings | Should -Not -BeNullOrEmpty
        @($findings | Where-Object Result -eq 'Failed') | Should -BeNullOrEmpty
    }

    It 'follows redirects to where the bytes are' {
        Invoke-RestMethod -Method Post -Uri "$($Registry.Url)/_test/redirects?hops=3" | Out-Null
        $saved = Save-GolemImage 'alice/save:1.0' -OutputPath (New-OutputDirectory) -RegistryUrl $Registry.Url -ErrorAction Stop
        $saved.Hash | Should -Be $SourceHash
        (Get-OpenSslSha3224 -LiteralPath $saved.Path)[$saved.Path] | Should -Be $SourceHash
        (Get-TestGolemRegistryStats -Registry $Registry).requests.'GET /cdn/{id}' | Should -Be 3
    }

    It 'resumes with Range from where the server broke the download off' {
        Set-TestGolemRegistryFault -Registry $Registry -Fault 'cut:100000'
        $run = Invoke-Save @{ Tag = 'alice/save:1.0'; OutputPath = (New-OutputDirectory); RegistryUrl = $Registry.Url; RetryIntervalSec = 0; Verbose = $true }
        $run.Errors | Should -BeNullOrEmpty
        (Get-OpenSslSha3224 -LiteralPath $run.Output[0].Path)[$run.Output[0].Path] | Should -Be $SourceHash
        $stats = Get-TestGolemRegistryStats -Registry $Registry
        $stats.requests.'GET /download/{id}' | Should -Be 2
        Get-Range $stats | Should -Be @('range bytes=100000-')
        ($run.Verbose -join "`n") | Should -Match 'broke off at byte 100000'
    }

    It 'keeps the partial file when it gives up, and the next run resumes from it' {
        $dir = New-OutputDirectory
        $target = Join-Path $dir 'resume.gvmi'
        Set-TestGolemRegistryFault -Registry $Registry -Fault 'cut:120000'
        $first = Invoke-Save @{ Tag = 'alice/save:1.0'; OutputPath = $target; RegistryUrl = $Registry.Url; MaximumRetryCount = 0 }
        $first.Output | Should -BeNullOrEmpty
        $first.Errors[0].FullyQualifiedErrorId | Should -Be 'DownloadFailed,GolemImage.Cmdlets.SaveGolemImageCommand'
        $target | Should -Not -Exist
        $partial = @(Get-ChildItem -LiteralPath $dir -Filter '*.partial')
        $partial | Should -HaveCount 1
        $partial[0].Length | Should -Be 120000
        Get-TestGolemRegistryStats -Registry $Registry -Reset | Out-Null

        $second = Invoke-Save @{ Tag = 'alice/save:1.0'; OutputPath = $target; RegistryUrl = $Registry.Url; Verbose = $true }
        $second.Errors | Should -BeNullOrEmpty
        (Get-OpenSslSha3224 -LiteralPath $target)[$target] | Should -Be $SourceHash
        Get-Range (Get-TestGolemRegistryStats -Registry $Registry) | Should -Be @('range bytes=120000-')
        ($second.Verbose -join "`n") | Should -Match 'Resuming the download .* at byte 120000'
        @(Get-ChildItem -LiteralPath $dir).Name | Should -Be @('resume.gvmi')
    }

    It 'deletes a download with a wrong byte (HashMismatch) and leaves nothing behind' {
        $dir = New-OutputDirectory
        Set-TestGolemRegistryFault -Registry $Registry -Fault 'flip:5000'
        $run = Invoke-Save @{ Tag = 'alice/save:1.0'; OutputPath = $dir; RegistryUrl = $Registry.Url }
        $run.Output | Should -BeNullOrEmpty
        $run.Errors | Should -HaveCount 1
        $run.Errors[0].FullyQualifiedErrorId | Should -Be 'HashMismatch,GolemImage.Cmdlets.SaveGolemImageCommand'
        $run.Errors[0].CategoryInfo.Category | Should -Be 'InvalidData'
        $run.Errors[0].Exception.Message | Should -Match "not the image's $SourceHash"
        @(Get-ChildItem -LiteralPath $dir) | Should -BeNullOrEmpty
    }

    It 'skips a file that already has the hash, without downloading it' {
        $dir = New-OutputDirectory
        Copy-Item -LiteralPath $Source -Destination (Join-Path $dir $DefaultName)
        $run = Invoke-Save @{ Tag = 'alice/save:1.0'; OutputPath = $dir; RegistryUrl = $Registry.Url; Verbose = $true }
        $run.Errors | Should -BeNullOrEmpty
        $run.Output[0].Hash | Should -Be $SourceHash
        ($run.Verbose -join "`n") | Should -Match 'nothing to download'
        (Get-TestGolemRegistryStats -Registry $Registry).requests.'GET /download/{id}' | Should -BeNullOrEmpty
    }

    It 'refuses to replace another file without -Force, and replaces it with -Force' {
        $target = Join-Path (New-OutputDirectory) 'taken.gvmi'
        Set-Content -LiteralPath $target -Encoding utf8 -Value 'my notes'
        $run = Invoke-Save @{ Tag = 'alice/save:1.0'; OutputPath = $target; RegistryUrl = $Registry.Url }
        $run.Errors[0].FullyQualifiedErrorId | Should -Be 'OutputExists,GolemImage.Cmdlets.SaveGolemImageCommand'
        $run.Errors[0].CategoryInfo.Category | Should -Be 'ResourceExists'
        (Get-Content -LiteralPath $target) | Should -Be 'my notes'
        (Get-TestGolemRegistryStats -Registry $Registry).requests.'GET /download/{id}' | Should -BeNullOrEmpty

        $forced = Save-GolemImage 'alice/save:1.0' -OutputPath $target -Force -RegistryUrl $Registry.Url -ErrorAction Stop
        (Get-OpenSslSha3224 -LiteralPath $target)[$target] | Should -Be $SourceHash
        $forced.Path | Should -Be $target
    }

    It 'downloads nothing with -WhatIf' {
        $dir = New-OutputDirectory
        Save-GolemImage 'alice/save:1.0' -OutputPath $dir -RegistryUrl $Registry.Url -WhatIf | Should -BeNullOrEmpty
        @(Get-ChildItem -LiteralPath $dir) | Should -BeNullOrEmpty
        $stats = Get-TestGolemRegistryStats -Registry $Registry
        $stats.requests.'GET /download/{id}' | Should -BeNullOrEmpty
        $stats.requests.'HEAD /download/{id}' | Should -BeNullOrEmpty
    }

    It 'writes ImageNotFound for an unknown tag and saves the others' {
        $dir = New-OutputDirectory
        $saved = Save-GolemImage 'alice/none:1', 'alice/save:1.0' -OutputPath $dir -RegistryUrl $Registry.Url -ErrorVariable problems -ErrorAction SilentlyContinue
        $saved | Should -HaveCount 1
        $problems | Should -HaveCount 1
        $problems[0].FullyQualifiedErrorId | Should -Be 'ImageNotFound,GolemImage.Cmdlets.SaveGolemImageCommand'
        @(Get-ChildItem -LiteralPath $dir).Name | Should -Be @($DefaultName)
    }

    It 'refuses a second, different image to the same file in one call' {
        $target = Join-Path (New-OutputDirectory) 'one.gvmi'
        $other = (New-TestGvmiFile -Path (Join-Path $Work 'other.gvmi') -Json '{"Cmd":["/bin/other"]}').FullName
        $otherHash = (Publish-GolemImage -LiteralPath $other -Anonymous -RegistryUrl $Registry.Url -ErrorAction Stop).Hash
        Save-GolemImage -Hash $SourceHash, $otherHash -OutputPath $target -Force -RegistryUrl $Registry.Url -ErrorVariable problems -ErrorAction SilentlyContinue | Should -HaveCount 1
        $problems[0].FullyQualifiedErrorId | Should -Be 'OutputConflict,GolemImage.Cmdlets.SaveGolemImageCommand'
        (Get-OpenSslSha3224 -LiteralPath $target)[$target] | Should -Be $SourceHash
    }
}
