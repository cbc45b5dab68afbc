#requires -Modules Pester
# Get-GolemImageHash against openssl's SHA3-224, through every parameter set, pipeline form and error.

BeforeAll {
    Import-Module $env:GOLEMIMAGE_MODULE -Force
    Import-Module "$PSScriptRoot/TestHelpers.psm1" -Force
    $script:Dir = Join-Path $TestDrive 'images'
    New-Item -ItemType Directory -Path $Dir | Out-Null
    $script:Image = (New-TestGvmiFile -Path (Join-Path $Dir 'hello.gvmi')).FullName
    $script:Second = (New-TestGvmiFile -Path (Join-Path $Dir 'second.gvmi') -Json '{"Env":["A=1"]}').FullName
    $random = [Random]::new(11)
    $script:Bracketed = Join-Path $Dir '[x].gvmi'
    $bytes = [byte[]]::new(5000); $random.NextBytes($bytes)
    [IO.File]::WriteAllBytes($Bracketed, $bytes)
    $script:Empty = Join-Path $TestDrive 'empty.bin'
    [IO.File]::WriteAllBytes($Empty, [byte[]]::new(0))
    $script:Expected = Get-OpenSslSha3224 -LiteralPath $Image, $Second, $Bracketed, $Empty
}

Describe 'Get-GolemImageHash -Path' -Tag 'SquashfsTools', 'LinuxTools' {
    It 'returns the SHA3-224 of the whole file, as openssl computes it' {
        $result = Get-GolemImageHash -Path $Image
        $result.Algorithm | Should -Be 'SHA3-224'
        $result.Hash | Should -Be $Expected[$Image]
        $result.Hash | Should -Match '^[0-9a-f]{56}$'
        $result.Path | Should -Be $Image
        $result.TaskPackage | Should -BeNullOrEmpty
    }

    It 'hashes an empty file to the FIPS 202 empty-message digest' {
        (Get-GolemImageHash $Empty).Hash | Should -Be '6b4e03423667dbb73b6e15454f0eb1abd4597f9a1b078e3f5b5a6bc7'
    }

    It 'expands wildcards and resolves paths relative to the current location' {
        Push-Location $Dir
        try {
            $results = @(Get-GolemImageHash -Path '*.gvmi' | Sort-Object Path)
        } finally { Pop-Location }
        $results.Path | Should -Be @($Bracketed, $Image, $Second | Sort-Object)
        foreach ($r in $results) { $r.Hash | Should -Be $Expected[$r.Path] }
    }

    It 'takes several paths' {
        (Get-GolemImageHash $Image, $Second).Hash | Should -Be @($Expected[$Image], $Expected[$Second])
    }
}

Describe 'Get-GolemImageHash -LiteralPath' -Tag 'SquashfsTools', 'LinuxTools' {
    It 'takes brackets literally' {
        (Get-GolemImageHash -LiteralPath $Bracketed).Hash | Should -Be $Expected[$Bracketed]
    }

    It 'does not expand wildcards' {
        Get-GolemImageHash -LiteralPath (Join-Path $Dir '*.gvmi') -ErrorVariable errors -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        $errors[0].FullyQualifiedErrorId | Should -BeLike 'PathNotFound*'
    }
}

Describe 'Get-GolemImageHash -InputStream' -Tag 'SquashfsTools', 'LinuxTools' {
    It 'hashes the stream from its position to its end and has no Path' {
        $bytes = [IO.File]::ReadAllBytes($Image)
        $stream = [IO.MemoryStream]::new($bytes)
        $result = Get-GolemImageHash -InputStream $stream
        $result.Hash | Should -Be $Expected[$Image]
        $result.Path | Should -BeNullOrEmpty
    }

    It 'works with -Url' {
        $stream = [IO.File]::OpenRead($Image)
        try {
            (Get-GolemImageHash -InputStream $stream -Url 'http://127.0.0.1:8000/hello.gvmi').TaskPackage | Should -Be "hash:sha3:$($Expected[$Image]):http://127.0.0.1:8000/hello.gvmi"
        } finally { $stream.Dispose() }
    }
}

Describe 'Get-GolemImageHash -Url' -Tag 'SquashfsTools', 'LinuxTools' {
    It 'adds a task package that yagna''s parser accepts' {
        $result = Get-GolemImageHash $Image -Url 'https://files.example.com/images/hello.gvmi'
        $result.TaskPackage | Should -Be "hash:sha3:$($Expected[$Image]):https://files.example.com/images/hello.gvmi"
        # yagna exe-unit/components/transfer/src/location.rs parse_hash
        $result.TaskPackage -match '(?i)^hash:(//)?([^:]+):(0x)?([a-f0-9]+):(.+)$' | Should -BeTrue
        $Matches[2] | Should -Be 'sha3'
        $Matches[4] | Should -Be $Expected[$Image]
        $Matches[5] | Should -Be 'https://files.example.com/images/hello.gvmi'
    }

    It 'refuses a relative URL with an error' {
        Get-GolemImageHash $Image -Url 'images/hello.gvmi' -ErrorVariable errors -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        $errors[0].FullyQualifiedErrorId | Should -BeLike 'RelativeUrl*'
    }
}

Describe 'Get-GolemImageHash pipeline input' -Tag 'SquashfsTools', 'LinuxTools' {
    It 'takes files from Get-ChildItem (by PSPath, brackets included)' {
        $results = @(Get-ChildItem -LiteralPath $Dir | Sort-Object FullName | Get-GolemImageHash)
        $results.Count | Should -Be 3
        foreach ($r in $results) { $r.Hash | Should -Be $Expected[$r.Path] }
    }

    It 'takes strings by value' {
        ($Image, $Second | Get-GolemImageHash).Hash | Should -Be @($Expected[$Image], $Expected[$Second])
    }

    It 'takes GolemImageFile objects from Get-GolemImage by their Path' {
        (Get-GolemImage $Image | Get-GolemImageHash).Hash | Should -Be $Expected[$Image]
    }

    It 'reads a GolemImageFile''s path literally, never as a wildcard pattern' {
        # 'pair[1].gvmi' as a pattern matches 'pair1.gvmi', a different image.
        $pairs = Join-Path $TestDrive 'pairs'
        New-Item -ItemType Directory -Path $pairs | Out-Null
        $bracketed = Join-Path $pairs 'pair[1].gvmi'
        Copy-Item -LiteralPath $Second -Destination $bracketed
        Copy-Item -LiteralPath $Image -Destination (Join-Path $pairs 'pair1.gvmi')
        $file = Get-GolemImage -LiteralPath $bracketed
        $file.Path | Should -Be $bracketed
        ($file | Get-GolemImageHash).Hash | Should -Be $Expected[$Second]
        ($file | Get-GolemImage).Config.Env | Should -Be @('A=1')
        $file | Test-GolemImage | Should -BeTrue
        @($file | Test-GolemImage -Detailed | Select-Object -ExpandProperty Path -Unique) | Should -Be @($bracketed)
        # The PSPath that binds it is hidden: Path is the property users see.
        @($file | Get-Member -Name PSPath).Count | Should -Be 0
        ($file | Format-List | Out-String) | Should -Not -Match 'PSPath'
    }

    It 'takes objects with FullName, PSPath or LiteralPath properties' {
        ([pscustomobject]@{ FullName = $Bracketed } | Get-GolemImageHash).Hash | Should -Be $Expected[$Bracketed]
        ([pscustomobject]@{ LiteralPath = $Bracketed } | Get-GolemImageHash).Hash | Should -Be $Expected[$Bracketed]
        ([pscustomobject]@{ PSPath = $Bracketed } | Get-GolemImageHash).Hash | Should -Be $Expected[$Bracketed]
        (Get-Item -LiteralPath $Image | Get-GolemImageHash -Url 'https://x.example/h.gvmi').TaskPackage | Should -Be "hash:sha3:$($Expected[$Image]):https://x.example/h.gvmi"
    }
}

Describe 'Get-GolemImageHash errors' -Tag 'SquashfsTools', 'LinuxTools' {
    It 'writes one non-terminating error per missing file and still hashes the others' {
        $results = Get-GolemImageHash (Join-Path $Dir 'missing1.gvmi'), $Image, (Join-Path $Dir 'missing2.gvmi') -ErrorVariable errors -ErrorAction SilentlyContinue
        @($results).Count | Should -Be 1
        $results.Hash | Should -Be $Expected[$Image]
        $errors.Count | Should -Be 2
        $errors | ForEach-Object { $_.FullyQualifiedErrorId | Should -BeLike 'PathNotFound*'; $_.CategoryInfo.Category | Should -Be 'ObjectNotFound' }
        "$($errors[0].TargetObject)" | Should -BeLike '*missing1.gvmi'
    }

    It 'reports a directory as an error' {
        Get-GolemImageHash -LiteralPath $Dir -ErrorVariable errors -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        $errors[0].FullyQualifiedErrorId | Should -BeLike 'PathIsDirectory*'
        $errors[0].CategoryInfo.Category | Should -Be 'InvalidArgument'
    }

    It 'reports an unreadable stream as an error' {
        $stream = [IO.File]::OpenRead($Image)
        $stream.Dispose()
        Get-GolemImageHash -InputStream $stream -ErrorVariable errors -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        $errors[0].FullyQualifiedErrorId | Should -BeLike 'StreamReadError*'
    }

    It 'refuses a non-file-system path' {
        Get-GolemImageHash -Path 'Env:PATH' -ErrorVariable errors -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        $errors[0].FullyQualifiedErrorId | Should -BeLike 'NotFileSystemPath*'
    }
}

Describe 'The netstandard2.0 build (Windows PowerShell 5.1)' -Tag 'SquashfsTools', 'LinuxTools' {
    It 'hashes to the same bytes as openssl' {
        # The net8.0 build is what the other tests load; the same engine compiled for netstandard2.0 must agree.
        $engine = Join-Path (Split-Path $env:GOLEMIMAGE_MODULE) 'netstandard2.0/GolemImage.dll'
        $lines = Invoke-FreshPwsh -Script @"
Add-Type -LiteralPath '$engine'
`$assembly = [GolemImage.Hashing.Sha3_224].Assembly
(`$assembly.CustomAttributes | Where-Object AttributeType -like '*TargetFrameworkAttribute' | ForEach-Object { `$_.ConstructorArguments[0].Value })
foreach (`$file in '$Image', '$Bracketed', '$Empty') {
    `$stream = [IO.File]::OpenRead(`$file)
    try { [GolemImage.Hashing.HexString]::Lower([GolemImage.Hashing.Sha3_224]::HashStreamAsync(`$stream, [Threading.CancellationToken]::None).GetAwaiter().GetResult()) } finally { `$stream.Dispose() }
}
"@
        $lines[0] | Should -Be '.NETStandard,Version=v2.0'
        $lines[1..3] | Should -Be @($Expected[$Image], $Expected[$Bracketed], $Expected[$Empty])
    }
}

Describe 'Get-GolemImageHash presentation' -Tag 'SquashfsTools', 'LinuxTools' {
    It 'has help with examples for every parameter' {
        $help = Get-Help Get-GolemImageHash -Full
        @($help.examples.example).Count | Should -BeGreaterOrEqual 2
        foreach ($name in 'Path', 'LiteralPath', 'InputStream', 'Url') {
            ($help.parameters.parameter | Where-Object name -eq $name).description | Should -Not -BeNullOrEmpty
        }
    }

    It 'formats as a table of Algorithm, Hash and Path' {
        $text = Get-GolemImageHash $Image | Out-String -Width 200
        $text | Should -Match 'Algorithm\s+Hash\s+Path'
        $text | Should -Match $Expected[$Image]
    }
}
