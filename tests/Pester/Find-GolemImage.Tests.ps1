# Find-GolemImage against the Golem registry test server (tests/RegistryServer): images are published there with
# Publish-GolemImage first, then looked up by tag and hash as a requestor pins them.
BeforeDiscovery {
    $script:CanRun = [bool] (Get-Command mksquashfs -ErrorAction Ignore) -and [bool] (Get-Command openssl -ErrorAction Ignore) -and [bool] (Get-Command python3 -ErrorAction Ignore)
}

BeforeAll {
    Import-Module $env:GOLEMIMAGE_MODULE -Force
    Import-Module "$PSScriptRoot/TestHelpers.psm1" -Force

    $script:Work = Join-Path ([IO.Path]::GetTempPath()) ('gi-find-' + [guid]::NewGuid().ToString('N').Substring(0, 8))
    New-Item -ItemType Directory -Path $Work | Out-Null
    $script:Registry = Start-TestGolemRegistry -User 'alice'
    $script:Credential = [pscredential]::new($Registry.User, (ConvertTo-SecureString $Registry.Token -AsPlainText -Force))

    $script:Tagged = (New-TestGvmiFile -Path (Join-Path $Work 'tagged.gvmi')).FullName
    $script:TaggedHash = (Get-OpenSslSha3224 -LiteralPath $Tagged)[$Tagged]
    $script:Published = Publish-GolemImage -LiteralPath $Tagged -Tag 'alice/find:1.0' -Credential $Credential -RegistryUrl $Registry.Url -ErrorAction Stop

    $script:Anonymous = (New-TestGvmiFile -Path (Join-Path $Work 'anonymous.gvmi') -Json '{"Env":["PATH=/bin"],"Cmd":["/bin/true"]}').FullName
    $script:AnonymousHash = (Get-OpenSslSha3224 -LiteralPath $Anonymous)[$Anonymous]
    $script:PublishedAnonymously = Publish-GolemImage -LiteralPath $Anonymous -Anonymous -RegistryUrl $Registry.Url -ErrorAction Stop
    $script:Unknown = 'ab' * 28
}

AfterAll {
    Stop-TestGolemRegistry $script:Registry
    if ($script:Work) { Remove-Item -Recurse -Force -LiteralPath $script:Work -ErrorAction Ignore }
}

Describe 'Find-GolemImage' -Tag 'SquashfsTools', 'LinuxTools' -Skip:(-not $CanRun) {
    BeforeEach {
        Get-TestGolemRegistryStats -Registry $Registry -Reset | Out-Null
    }

    It 'finds a tag and reports what a requestor pins: hash, size, links and the task package' {
        $found = Find-GolemImage -Tag 'alice/find:1.0' -RegistryUrl $Registry.Url -ErrorAction Stop
        $found | Should -HaveCount 1
        $found.PSObject.TypeNames[0] | Should -Be 'GolemImage.GolemRegistryImage'
        $found.Tag | Should -Be 'alice/find:1.0'
        $found.Hash | Should -Be $TaggedHash
        $found.Size | Should -Be (Get-Item -LiteralPath $Tagged).Length
        $found.DownloadUrl | Should -Be "$($Registry.Url)/download/$TaggedHash"
        $found.HttpsDownloadUrl | Should -Be ("$($Registry.Url)/download/$TaggedHash" -replace '^http:', 'https:')
        $found.TaskPackage | Should -Be "hash:sha3:$($TaggedHash):$($Registry.Url)/download/$TaggedHash"
        $found.RegistryUrl | Should -Be "$($Registry.Url)/"
    }

    It 'looks up with dev=true, so a lookup is not counted as a use of the image' {
        Find-GolemImage 'alice/find:1.0' -RegistryUrl $Registry.Url -ErrorAction Stop | Out-Null
        $stats = Get-TestGolemRegistryStats -Registry $Registry
        $stats.requests.'GET /v1/image/info' | Should -Be 1
        @($stats.requests.PSObject.Properties.Name) | Should -Not -Contain "count $TaggedHash"
    }

    It 'defaults the tag to latest and finds nothing there' {
        Find-GolemImage 'alice/find' -RegistryUrl $Registry.Url -ErrorVariable problems -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        $problems[0].FullyQualifiedErrorId | Should -BeLike 'ImageNotFound*'
        $problems[0].Exception.Message | Should -BeLike '*tag alice/find:latest*'
    }

    It 'finds an image by hash, written plain, upper case or as sha3:<hex>' -ForEach @(
        @{ Form = { param($h) $h } }
        @{ Form = { param($h) $h.ToUpperInvariant() } }
        @{ Form = { param($h) "sha3:$h" } }
    ) {
        $found = Find-GolemImage -Hash (& $Form $AnonymousHash) -RegistryUrl $Registry.Url -ErrorAction Stop
        $found.Hash | Should -Be $AnonymousHash
        $found.Tag | Should -BeNullOrEmpty
        $found.Size | Should -Be (Get-Item -LiteralPath $Anonymous).Length
    }

    It 'takes a hash given where a tag goes (a tag always has a /)' {
        (Find-GolemImage $TaggedHash -RegistryUrl $Registry.Url -ErrorAction Stop).Hash | Should -Be $TaggedHash
    }

    It 'writes a non-terminating ImageNotFound for an unknown tag or hash and goes on with the others' {
        $found = Find-GolemImage -Tag 'alice/find:1.0', 'alice/nothing:1', $Unknown, 'alice/find:1.0' -RegistryUrl $Registry.Url -ErrorVariable problems -ErrorAction SilentlyContinue
        $found | Should -HaveCount 2
        $problems | Should -HaveCount 2
        $problems[0].FullyQualifiedErrorId | Should -Be 'ImageNotFound,GolemImage.Cmdlets.FindGolemImageCommand'
        $problems[0].CategoryInfo.Category | Should -Be 'ObjectNotFound'
        $problems[0].TargetObject | Should -Be 'alice/nothing:1'
        $problems[1].TargetObject | Should -Be $Unknown
        { Find-GolemImage -Hash $Unknown -RegistryUrl $Registry.Url -ErrorAction Stop } | Should -Throw -ErrorId 'ImageNotFound,GolemImage.Cmdlets.FindGolemImageCommand'
    }

    It 'refuses a malformed tag or hash before asking the registry' {
        Find-GolemImage -Tag 'Not A Tag' -RegistryUrl $Registry.Url -ErrorVariable bad1 -ErrorAction SilentlyContinue
        Find-GolemImage -Hash 'abc123' -RegistryUrl $Registry.Url -ErrorVariable bad2 -ErrorAction SilentlyContinue
        $bad1[0].FullyQualifiedErrorId | Should -BeLike 'InvalidImageTag*'
        $bad2[0].FullyQualifiedErrorId | Should -BeLike 'InvalidImageHash*'
        $bad2[0].CategoryInfo.Category | Should -Be 'InvalidArgument'
        (Get-TestGolemRegistryStats -Registry $Registry).totalRequests | Should -Be 0
    }

    It 'takes tags from the pipeline as strings' {
        $found = 'alice/find:1.0', $AnonymousHash | Find-GolemImage -RegistryUrl $Registry.Url -ErrorAction Stop
        $found.Hash | Should -Be $TaggedHash, $AnonymousHash
    }

    It 'takes Publish-GolemImage output by property name, tagged or anonymous' {
        $found = $Published, $PublishedAnonymously | Find-GolemImage -RegistryUrl $Registry.Url -ErrorAction Stop
        $found | Should -HaveCount 2
        $found[0].Tag | Should -Be 'alice/find:1.0'
        $found[0].Hash | Should -Be $TaggedHash
        $found[1].Tag | Should -BeNullOrEmpty
        $found[1].Hash | Should -Be $AnonymousHash
        $found[0].TaskPackage | Should -Be $Published.TaskPackage
    }

    It 'takes Get-GolemImage and Get-GolemImageHash output by Hash: is my local file published?' {
        (Get-GolemImage -LiteralPath $Tagged | Find-GolemImage -RegistryUrl $Registry.Url -ErrorAction Stop).Hash | Should -Be $TaggedHash
        (Get-GolemImageHash -LiteralPath $Anonymous | Find-GolemImage -RegistryUrl $Registry.Url -ErrorAction Stop).Hash | Should -Be $AnonymousHash
    }

    It 'carries a valid tag given beside a hash, and looks up the hash' {
        $found = Find-GolemImage -Tag 'alice/find:1.0' -Hash $AnonymousHash -RegistryUrl $Registry.Url -ErrorAction Stop
        $found.Hash | Should -Be $AnonymousHash
        $found.Tag | Should -Be 'alice/find:1.0'
        (Get-TestGolemRegistryStats -Registry $Registry).requests.'GET /v1/image/info' | Should -Be 1
    }

    It 'writes the task package exactly as Get-GolemImageHash -Url does' {
        $found = Find-GolemImage 'alice/find:1.0' -RegistryUrl $Registry.Url -ErrorAction Stop
        (Get-GolemImageHash -LiteralPath $Tagged -Url $found.DownloadUrl).TaskPackage | Should -Be $found.TaskPackage
        "$found" | Should -Be $found.TaskPackage
    }

    It 'reads the registry from REGISTRY_URL when -RegistryUrl is not given' {
        $saved = $env:REGISTRY_URL
        try {
            $env:REGISTRY_URL = $Registry.Url
            (Find-GolemImage 'alice/find:1.0' -ErrorAction Stop).Hash | Should -Be $TaggedHash
        } finally {
            $env:REGISTRY_URL = $saved
        }
    }

    It 'refuses plain http to another host unless -AllowInsecureHttp' {
        { Find-GolemImage 'alice/find:1.0' -RegistryUrl 'http://registry.example.invalid' -ErrorAction Stop } | Should -Throw -ErrorId 'InsecureRegistryUrl,GolemImage.Cmdlets.FindGolemImageCommand'
    }

    It 'shows a table of tag, size and hash' {
        $text = Find-GolemImage 'alice/find:1.0' -RegistryUrl $Registry.Url | Out-String -Width 200
        $text | Should -Match 'Tag\s+Size\s+Hash'
        $text | Should -Match "alice/find:1.0\s+\d+\s+$TaggedHash"
    }
}
