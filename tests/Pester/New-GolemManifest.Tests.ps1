# New-GolemManifest: the Computation Payload Manifest as golem-sdk-cli writes it, checked against the rules of
# golem-sdk-cli's JSON schema (src/manifest/computation-payload-manifest.schema.json, written here as checks), and
# signatures checked by openssl as a provider's would be.
BeforeDiscovery {
    $script:HasOpenSsl = [bool] (Get-Command openssl -ErrorAction Ignore)
    $script:CanPublish = $HasOpenSsl -and [bool] (Get-Command mksquashfs -ErrorAction Ignore) -and [bool] (Get-Command python3 -ErrorAction Ignore)
}

BeforeAll {
    Import-Module $env:GOLEMIMAGE_MODULE -Force
    Import-Module "$PSScriptRoot/TestHelpers.psm1" -Force
    $script:Work = Join-Path ([IO.Path]::GetTempPath()) ('gi-manifest-' + [guid]::NewGuid().ToString('N').Substring(0, 8))
    New-Item -ItemType Directory -Path $Work | Out-Null
    $script:HashA = '529f7fdaf1cf46ce3126eb6bbcd3b213c314fe8fe884914f5d1106d4'
    $script:HashB = 'f985714e913cf2f448c8dac86b3b4a82d3f2e7ece490e24428d6c675'
    $script:UrlA = "http://registry.golem.network/download/$HashA"

    function script:Test-ManifestSchema {
        <#
        The rules of golem-sdk-cli's published manifest schema (draft-07), one check each; returns what breaks them.
        Root: object; createdAt, expiresAt, payload, version required; version string; createdAt/expiresAt date-time;
        metadata null or {name, version required strings; description/homepage string or null; authors string[]};
        payload array of {hash string and urls array of uri strings required; platform null or {arch, os required
        strings; osVersion string or null}}; compManifest null or {version required string; script null or {commands
        array required; match strict|regex}; net null or {inet null or {out null or {protocols string[]; urls null
        or array of uri strings}}}}.
        #>
        param([string] $Json)
        $problems = [Collections.Generic.List[string]]::new()
        $doc = [Text.Json.JsonDocument]::Parse($Json)
        $root = $doc.RootElement
        function Prop($element, [string] $name) { $value = [Text.Json.JsonElement]::new(); if ($element.TryGetProperty($name, [ref] $value)) { $value } else { $null } }
        function IsDateTime([string] $text) { $text -match '^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$' -and [DateTimeOffset]::TryParse($text, [ref] [DateTimeOffset]::MinValue) }
        # RFC 3986 "uri" (not a relative reference): a scheme, then the rest. ([Uri] alone takes /x as file:///x on Unix.)
        function IsUri([string] $text) { $uri = $null; $text -match '^[A-Za-z][A-Za-z0-9+.-]*:' -and [Uri]::TryCreate($text, 'Absolute', [ref] $uri) }
        function Kind($element) { if ($null -eq $element) { 'Missing' } else { "$($element.ValueKind)" } }
        function StringArray($element, [string] $where, [switch] $Uri) {
            if ((Kind $element) -ne 'Array') { $problems.Add("$where is not an array"); return }
            foreach ($item in $element.EnumerateArray()) {
                if ($item.ValueKind -ne 'String') { $problems.Add("$where has a non-string item") }
                elseif ($Uri -and -not (IsUri $item.GetString())) { $problems.Add("$where item '$($item.GetString())' is not a uri") }
            }
        }
        if ($root.ValueKind -ne 'Object') { return @('root is not an object') }
        foreach ($name in 'createdAt', 'expiresAt', 'payload', 'version') { if ($null -eq (Prop $root $name)) { $problems.Add("$name is missing") } }
        if ((Kind (Prop $root 'version')) -ne 'String') { $problems.Add('version is not a string') }
        foreach ($name in 'createdAt', 'expiresAt') {
            $value = Prop $root $name
            if ((Kind $value) -ne 'String' -or -not (IsDateTime $value.GetString())) { $problems.Add("$name is not a date-time") }
        }
        $metadata = Prop $root 'metadata'
        if ((Kind $metadata) -eq 'Object') {
            foreach ($name in 'name', 'version') { if ((Kind (Prop $metadata $name)) -ne 'String') { $problems.Add("metadata.$name is missing or not a string") } }
            foreach ($name in 'description', 'homepage') { if ((Kind (Prop $metadata $name)) -notin 'Missing', 'String', 'Null') { $problems.Add("metadata.$name is not a string or null") } }
            if ($null -ne (Prop $metadata 'authors')) { StringArray (Prop $metadata 'authors') 'metadata.authors' }
        } elseif ((Kind $metadata) -notin 'Missing', 'Null') { $problems.Add('metadata is not an object or null') }
        $payload = Prop $root 'payload'
        if ((Kind $payload) -eq 'Array') {
            foreach ($item in $payload.EnumerateArray()) {
                if ($item.ValueKind -ne 'Object') { $problems.Add('a payload is not an object'); continue }
                if ((Kind (Prop $item 'hash')) -ne 'String') { $problems.Add('payload.hash is missing or not a string') }
                if ($null -eq (Prop $item 'urls')) { $problems.Add('payload.urls is missing') } else { StringArray (Prop $item 'urls') 'payload.urls' -Uri }
                $platform = Prop $item 'platform'
                if ((Kind $platform) -eq 'Object') {
                    foreach ($name in 'arch', 'os') { if ((Kind (Prop $platform $name)) -ne 'String') { $problems.Add("payload.platform.$name is missing or not a string") } }
                    if ((Kind (Prop $platform 'osVersion')) -notin 'Missing', 'String', 'Null') { $problems.Add('payload.platform.osVersion is not a string or null') }
                } elseif ((Kind $platform) -notin 'Missing', 'Null') { $problems.Add('payload.platform is not an object or null') }
            }
        } elseif ($null -ne $payload) { $problems.Add('payload is not an array') }
        $comp = Prop $root 'compManifest'
        if ((Kind $comp) -eq 'Object') {
            if ((Kind (Prop $comp 'version')) -ne 'String') { $problems.Add('compManifest.version is missing or not a string') }
            $script = Prop $comp 'script'
            if ((Kind $script) -eq 'Object') {
                if ((Kind (Prop $script 'commands')) -ne 'Array') { $problems.Add('compManifest.script.commands is missing') }
                $match = Prop $script 'match'
                if ($null -ne $match -and ($match.ValueKind -ne 'String' -or $match.GetString() -notin 'strict', 'regex')) { $problems.Add('compManifest.script.match is not strict or regex') }
            } elseif ((Kind $script) -notin 'Missing', 'Null') { $problems.Add('compManifest.script is not an object or null') }
            $net = Prop $comp 'net'
            if ((Kind $net) -eq 'Object') {
                $inet = Prop $net 'inet'
                if ((Kind $inet) -eq 'Object') {
                    $out = Prop $inet 'out'
                    if ((Kind $out) -eq 'Object') {
                        if ($null -ne (Prop $out 'protocols')) { StringArray (Prop $out 'protocols') 'compManifest.net.inet.out.protocols' }
                        if ((Kind (Prop $out 'urls')) -notin 'Missing', 'Null') { StringArray (Prop $out 'urls') 'compManifest.net.inet.out.urls' -Uri }
                    } elseif ((Kind $out) -notin 'Missing', 'Null') { $problems.Add('compManifest.net.inet.out is not an object or null') }
                } elseif ((Kind $inet) -notin 'Missing', 'Null') { $problems.Add('compManifest.net.inet is not an object or null') }
            } elseif ((Kind $net) -notin 'Missing', 'Null') { $problems.Add('compManifest.net is not an object or null') }
        } elseif ((Kind $comp) -notin 'Missing', 'Null') { $problems.Add('compManifest is not an object or null') }
        $doc.Dispose()
        $problems.ToArray()
    }
}

AfterAll {
    if ($script:Work) { Remove-Item -Recurse -Force -LiteralPath $script:Work -ErrorAction Ignore }
}

Describe 'The schema checks themselves' -Tag 'Portable' {
    It 'catch <Why>' -ForEach @(
        @{ Why = 'a missing payload'; Json = '{"version":"0.1.0","createdAt":"2026-01-01T00:00:00.000Z","expiresAt":"2026-02-01T00:00:00.000Z"}'; Expect = 'payload is missing' }
        @{ Why = 'a date that is not a date-time'; Json = '{"version":"0.1.0","createdAt":"yesterday","expiresAt":"2026-02-01T00:00:00.000Z","payload":[]}'; Expect = 'createdAt is not a date-time' }
        @{ Why = 'a payload without urls'; Json = '{"version":"0.1.0","createdAt":"2026-01-01T00:00:00Z","expiresAt":"2026-02-01T00:00:00Z","payload":[{"hash":"sha3:00"}]}'; Expect = 'payload.urls is missing' }
        @{ Why = 'a relative payload url'; Json = '{"version":"0.1.0","createdAt":"2026-01-01T00:00:00Z","expiresAt":"2026-02-01T00:00:00Z","payload":[{"hash":"sha3:00","urls":["/download/x"]}]}'; Expect = "payload.urls item '/download/x' is not a uri" }
        @{ Why = 'metadata without a version'; Json = '{"version":"0.1.0","createdAt":"2026-01-01T00:00:00Z","expiresAt":"2026-02-01T00:00:00Z","payload":[],"metadata":{"name":"x"}}'; Expect = 'metadata.version is missing or not a string' }
        @{ Why = 'a compManifest without a version'; Json = '{"version":"0.1.0","createdAt":"2026-01-01T00:00:00Z","expiresAt":"2026-02-01T00:00:00Z","payload":[],"compManifest":{"net":null}}'; Expect = 'compManifest.version is missing or not a string' }
    ) {
        Test-ManifestSchema $Json | Should -Contain $Expect
    }
}

Describe 'New-GolemManifest' -Tag 'Portable' {
    It 'writes what golem-sdk-cli writes, and it passes the schema' {
        $before = [DateTime]::UtcNow.AddSeconds(-1)
        $path = Join-Path $Work 'manifest.json'
        $m = New-GolemManifest -Hash $HashA -Url $UrlA -Name 'hello' -Version '1.2.3' -Description 'says hello' -Author 'alice <a@example.com>' -Homepage 'https://example.com/hello' -OutboundUrl 'https://api.example.com/v1', 'http://mirror.example.org' -OutputPath $path -ErrorAction Stop
        $m.PSObject.TypeNames[0] | Should -Be 'GolemImage.GolemManifest'
        $m.Path | Should -Be $path
        [IO.File]::ReadAllText($path) | Should -Be $m.Json
        [Text.Encoding]::UTF8.GetString([Convert]::FromBase64String($m.Base64)) | Should -Be $m.Json
        Test-ManifestSchema $m.Json | Should -BeNullOrEmpty
        $j = $m.Json | ConvertFrom-Json
        $j.version | Should -Be '0.1.0'
        $j.metadata.name | Should -Be 'hello'
        $j.metadata.version | Should -Be '1.2.3'
        $j.metadata.description | Should -Be 'says hello'
        $j.metadata.authors | Should -Be @('alice <a@example.com>')
        $j.metadata.homepage | Should -Be 'https://example.com/hello'
        $j.payload | Should -HaveCount 1
        $j.payload[0].platform.os | Should -Be 'linux'
        $j.payload[0].platform.arch | Should -Be 'x86_64'
        $j.payload[0].hash | Should -Be "sha3:$HashA"
        $j.payload[0].urls | Should -Be @($UrlA)
        $j.compManifest.version | Should -Be '0.1.0'
        $j.compManifest.net.inet.out.urls | Should -Be @('https://api.example.com/v1', 'http://mirror.example.org')
        $j.compManifest.net.inet.out.protocols | Should -Be @('https', 'http')
        $m.Json | Should -Match '"createdAt": "\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z"'
        $created = [DateTimeOffset]::Parse((($m.Json | ConvertFrom-Json -DateKind String).createdAt)).UtcDateTime
        $created | Should -BeGreaterOrEqual $before
        ($m.ExpiresAt - $m.CreatedAt).TotalDays | Should -Be 90
        $m.Hashes | Should -Be @($HashA)
        $m.Signature | Should -BeNullOrEmpty
        "$m" | Should -Be $m.Base64
    }

    It 'leaves compManifest out without outbound URLs, and takes -ValidFor or -ExpiresAt' {
        $m = New-GolemManifest -Hash $HashA -Url $UrlA -ValidFor ([TimeSpan]::FromDays(7)) -ErrorAction Stop
        ($m.Json | ConvertFrom-Json).PSObject.Properties.Name | Should -Not -Contain 'compManifest'
        ($m.ExpiresAt - $m.CreatedAt).TotalDays | Should -Be 7
        $at = [DateTime]::new(2031, 5, 6, 7, 8, 9, [DateTimeKind]::Utc)
        $m2 = New-GolemManifest -Hash $HashA -Url $UrlA -ExpiresAt $at -ErrorAction Stop
        $m2.Json | Should -Match '"expiresAt": "2031-05-06T07:08:09.000Z"'
        Test-ManifestSchema $m2.Json | Should -BeNullOrEmpty
    }

    It 'takes several images from the pipeline: objects with Hash and DownloadUrl, and task packages' {
        $inputs = @(
            [pscustomobject]@{ Hash = $HashA; DownloadUrl = $UrlA; Tag = 'alice/first:1.0' }
            [pscustomobject]@{ TaskPackage = "hash:sha3:$($HashB):https://files.example.com/b.gvmi" }
        )
        $m = $inputs | New-GolemManifest -ErrorAction Stop
        $j = $m.Json | ConvertFrom-Json
        $j.payload.hash | Should -Be @("sha3:$HashA", "sha3:$HashB")
        $j.payload[1].urls | Should -Be @('https://files.example.com/b.gvmi')
        $j.metadata.name | Should -Be 'first'
        Test-ManifestSchema $m.Json | Should -BeNullOrEmpty
    }

    It 'takes Get-GolemImageHash -Url output' -Tag 'SquashfsTools', 'LinuxTools' -Skip:(-not $CanPublish) {
        $file = (New-TestGvmiFile -Path (Join-Path $Work 'hashed.gvmi')).FullName
        $m = Get-GolemImageHash -LiteralPath $file -Url 'https://files.example.com/hashed.gvmi' | New-GolemManifest -ErrorAction Stop
        ($m.Json | ConvertFrom-Json).payload[0].hash | Should -Be ('sha3:' + (Get-OpenSslSha3224 -LiteralPath $file)[$file])
    }

    It 'refuses <Why>, and writes nothing' -ForEach @(
        @{ Why = 'an outbound URL with another scheme'; Arguments = @{ Hash = 'ab' * 28; Url = 'http://x.example/i.gvmi'; OutboundUrl = 'ftp://files.example.com/' }; ErrorId = 'InvalidOutboundUrl' }
        @{ Why = 'a relative outbound URL'; Arguments = @{ Hash = 'ab' * 28; Url = 'http://x.example/i.gvmi'; OutboundUrl = '/api' }; ErrorId = 'InvalidOutboundUrl' }
        @{ Why = 'a hash without a URL'; Arguments = @{ Hash = 'ab' * 28 }; ErrorId = 'PayloadUrlRequired' }
        @{ Why = 'a malformed hash'; Arguments = @{ Hash = 'abc'; Url = 'http://x.example/i.gvmi' }; ErrorId = 'InvalidImageHash' }
        @{ Why = 'a payload URL providers cannot download'; Arguments = @{ Hash = 'ab' * 28; Url = 'file:///tmp/i.gvmi' }; ErrorId = 'InvalidPayloadUrl' }
        @{ Why = 'an expiry in the past'; Arguments = @{ Hash = 'ab' * 28; Url = 'http://x.example/i.gvmi'; ExpiresAt = [DateTime]::UtcNow.AddDays(-1) }; ErrorId = 'InvalidExpiry' }
        @{ Why = 'both -ExpiresAt and -ValidFor'; Arguments = @{ Hash = 'ab' * 28; Url = 'http://x.example/i.gvmi'; ExpiresAt = [DateTime]::UtcNow.AddDays(1); ValidFor = [TimeSpan]::FromDays(1) }; ErrorId = 'ExpiryTwice' }
    ) {
        $path = Join-Path $Work ("refused-" + [guid]::NewGuid().ToString('N') + '.json')
        { New-GolemManifest @Arguments -OutputPath $path -ErrorAction Stop } | Should -Throw -ErrorId "$ErrorId,GolemImage.Cmdlets.NewGolemManifestCommand"
        $path | Should -Not -Exist
    }

    It 'makes no manifest when one of the piped images is unusable' {
        $path = Join-Path $Work 'partial.json'
        $inputs = @([pscustomobject]@{ Hash = $HashA; DownloadUrl = $UrlA }, [pscustomobject]@{ Hash = $HashB })
        { $inputs | New-GolemManifest -OutputPath $path -ErrorAction SilentlyContinue } | Should -Throw -ErrorId 'ManifestNotCreated,GolemImage.Cmdlets.NewGolemManifestCommand'
        $path | Should -Not -Exist
    }

    It 'keeps an existing file without -Force, replaces it with -Force, and writes nothing with -WhatIf' {
        $path = Join-Path $Work 'existing.json'
        Set-Content -LiteralPath $path -Encoding utf8 -Value 'keep me'
        { New-GolemManifest -Hash $HashA -Url $UrlA -OutputPath $path -ErrorAction Stop } | Should -Throw -ErrorId 'OutputExists,GolemImage.Cmdlets.NewGolemManifestCommand'
        Get-Content -LiteralPath $path | Should -Be 'keep me'
        New-GolemManifest -Hash $HashA -Url $UrlA -OutputPath $path -WhatIf | Should -BeNullOrEmpty
        Get-Content -LiteralPath $path | Should -Be 'keep me'
        $m = New-GolemManifest -Hash $HashA -Url $UrlA -OutputPath $path -Force -ErrorAction Stop
        [IO.File]::ReadAllText($path) | Should -Be $m.Json
    }
}

Describe 'New-GolemManifest signing' -Tag 'LinuxTools' -Skip:(-not $HasOpenSsl) {
    BeforeAll {
        $script:Keys = Join-Path $Work 'keys'
        New-Item -ItemType Directory -Path $Keys | Out-Null
        & openssl req -x509 -newkey rsa:2048 -nodes -keyout "$Keys/key.pem" -out "$Keys/cert.pem" -days 2 -subj '/CN=GolemImage test author' 2>&1 | Out-Null
        & openssl rsa -in "$Keys/key.pem" -traditional -out "$Keys/key-pkcs1.pem" 2>&1 | Out-Null
        & openssl pkcs12 -export -in "$Keys/cert.pem" -inkey "$Keys/key.pem" -out "$Keys/cert.pfx" -passout pass:secret 2>&1 | Out-Null
        & openssl x509 -in "$Keys/cert.pem" -pubkey -noout -out "$Keys/public.pem"
        & openssl req -x509 -newkey rsa:2048 -nodes -keyout "$Keys/other-key.pem" -out "$Keys/other-cert.pem" -days 2 -subj '/CN=someone else' 2>&1 | Out-Null

        function script:Test-OpenSslSignature($Manifest, [string] $Text) {
            $id = [guid]::NewGuid().ToString('N')
            [IO.File]::WriteAllText("$Keys/$id.b64", $Text)
            [IO.File]::WriteAllBytes("$Keys/$id.sig", [Convert]::FromBase64String($Manifest.Signature))
            $out = & openssl dgst -sha256 -verify "$Keys/public.pem" -signature "$Keys/$id.sig" "$Keys/$id.b64" 2>&1
            [pscustomobject]@{ ExitCode = $LASTEXITCODE; Output = "$out" }
        }
    }

    It 'signs with a <Form> key file as golem-sdk manifest sign does, and openssl accepts the signature' -ForEach @(
        @{ Form = 'PKCS#8'; File = 'key.pem' }
        @{ Form = 'PKCS#1'; File = 'key-pkcs1.pem' }
    ) {
        $m = New-GolemManifest -Hash $HashA -Url $UrlA -PrivateKeyPath (Join-Path $Keys $File) -ErrorAction Stop
        $m.SignatureAlgorithm | Should -Be 'sha256'
        $m.Certificate | Should -BeNullOrEmpty
        $check = Test-OpenSslSignature $m $m.Base64
        $check.Output | Should -Be 'Verified OK'
        $check.ExitCode | Should -Be 0
        # Over the base64 text, not the JSON: the same signature does not fit the JSON bytes.
        (Test-OpenSslSignature $m $m.Json).ExitCode | Should -Not -Be 0
    }

    It 'signs with an X509Certificate2 holding its key and carries the certificate''s PEM in base64' {
        $certificate = [Security.Cryptography.X509Certificates.X509Certificate2]::new("$Keys/cert.pfx", 'secret')
        $m = New-GolemManifest -Hash $HashA -Url $UrlA -Certificate $certificate -ErrorAction Stop
        (Test-OpenSslSignature $m $m.Base64).Output | Should -Be 'Verified OK'
        $pem = [Text.Encoding]::ASCII.GetString([Convert]::FromBase64String($m.Certificate))
        $pem.Trim() -replace "`r" | Should -Be ((Get-Content -Raw "$Keys/cert.pem").Trim() -replace "`r")
    }

    It 'takes a certificate without its key together with -PrivateKeyPath, and refuses a key of another certificate' {
        $certificate = [Security.Cryptography.X509Certificates.X509Certificate2]::new("$Keys/cert.pem")
        $m = New-GolemManifest -Hash $HashA -Url $UrlA -Certificate $certificate -PrivateKeyPath "$Keys/key.pem" -ErrorAction Stop
        (Test-OpenSslSignature $m $m.Base64).Output | Should -Be 'Verified OK'
        $m.Certificate | Should -Not -BeNullOrEmpty
        { New-GolemManifest -Hash $HashA -Url $UrlA -Certificate $certificate -PrivateKeyPath "$Keys/other-key.pem" -ErrorAction Stop } | Should -Throw -ErrorId 'KeyDoesNotMatchCertificate,GolemImage.Cmdlets.NewGolemManifestCommand'
        { New-GolemManifest -Hash $HashA -Url $UrlA -Certificate $certificate -ErrorAction Stop } | Should -Throw -ErrorId 'CertificateWithoutPrivateKey,GolemImage.Cmdlets.NewGolemManifestCommand'
    }

    It 'refuses a file that is not a private key, naming it' {
        { New-GolemManifest -Hash $HashA -Url $UrlA -PrivateKeyPath "$Keys/cert.pem" -ErrorAction Stop } | Should -Throw -ErrorId 'InvalidPrivateKey,GolemImage.Cmdlets.NewGolemManifestCommand'
        & openssl pkcs8 -topk8 -in "$Keys/key.pem" -out "$Keys/encrypted.pem" -passout pass:secret 2>&1 | Out-Null
        { New-GolemManifest -Hash $HashA -Url $UrlA -PrivateKeyPath "$Keys/encrypted.pem" -ErrorAction Stop } | Should -Throw '*encrypted*'
    }
}

Describe 'From a published image to a requestor''s manifest' -Tag 'SquashfsTools', 'LinuxTools' -Skip:(-not $CanPublish) {
    BeforeAll {
        $script:Registry = Start-TestGolemRegistry -User 'alice'
        $credential = [pscredential]::new($Registry.User, (ConvertTo-SecureString $Registry.Token -AsPlainText -Force))
        $script:Image = (New-TestGvmiFile -Path (Join-Path $Work 'requestor.gvmi')).FullName
        Publish-GolemImage -LiteralPath $Image -Tag 'alice/requestor:2.0' -Credential $credential -RegistryUrl $Registry.Url -ErrorAction Stop | Out-Null
    }

    AfterAll {
        Stop-TestGolemRegistry $script:Registry
    }

    It 'pins the hash a tag points at into a manifest with one pipeline' {
        $m = Find-GolemImage 'alice/requestor:2.0' -RegistryUrl $Registry.Url | New-GolemManifest -OutboundUrl 'https://api.example.com' -ErrorAction Stop
        $j = $m.Json | ConvertFrom-Json
        $hash = (Get-OpenSslSha3224 -LiteralPath $Image)[$Image]
        $j.payload[0].hash | Should -Be "sha3:$hash"
        $j.payload[0].urls | Should -Be @("$($Registry.Url)/download/$hash")
        $j.metadata.name | Should -Be 'requestor'
        Test-ManifestSchema $m.Json | Should -BeNullOrEmpty
    }
}
