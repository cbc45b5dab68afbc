# Tab completion for ConvertTo-GolemImage, through TabExpansion2 as the console calls it: -Image from the local Docker
# engine (quick, and silent without one), -Platform from an archive or the usual list.
BeforeAll {
    Import-Module $env:GOLEMIMAGE_MODULE -Force
    Import-Module "$PSScriptRoot/TestHelpers.psm1" -Force
    $script:Work = Join-Path ([IO.Path]::GetTempPath()) ('gi-complete-' + [guid]::NewGuid().ToString('N').Substring(0, 8))
    New-Item -ItemType Directory -Path $Work | Out-Null
    $script:SavedDockerHost = $env:DOCKER_HOST

    function script:Complete([string] $Line) {
        (TabExpansion2 -inputScript $Line -cursorColumn $Line.Length).CompletionMatches
    }
}

AfterAll {
    $env:DOCKER_HOST = $script:SavedDockerHost
    if ($script:Work) { Remove-Item -Recurse -Force -LiteralPath $script:Work -ErrorAction Ignore }
}

Describe 'ConvertTo-GolemImage -Platform completion' -Tag 'Portable' {
    BeforeAll {
        & "$PSScriptRoot/../Samples/New-TestImageArchive.ps1" -Path (Join-Path $Work 'multi') -Format OciLayout -Architecture amd64, arm64 | Out-Null
        & "$PSScriptRoot/../Samples/New-TestImageArchive.ps1" -Path (Join-Path $Work 'arm.tar') -Format DockerSave -Architecture arm64 | Out-Null
    }

    It 'offers the usual platforms, linux/amd64 first, without an archive' {
        $matches = Complete 'ConvertTo-GolemImage -Image alpine -Platform '
        $matches.CompletionText[0] | Should -Be 'linux/amd64'
        $matches.CompletionText | Should -Contain 'linux/arm64'
        (Complete 'ConvertTo-GolemImage -Image alpine -Platform linux/ar').CompletionText | Should -Not -Contain 'linux/amd64'
    }

    It 'offers the platforms of an OCI layout''s nested index, resolved from PowerShell''s location' {
        Push-Location $Work
        try {
            (Complete 'ConvertTo-GolemImage -ArchivePath ./multi -Platform ').CompletionText | Should -Be @('linux/amd64', 'linux/arm64')
        } finally {
            Pop-Location
        }
    }

    It 'offers the platform of a docker save archive''s config' {
        (Complete "ConvertTo-GolemImage -ArchivePath '$Work/arm.tar' -Platform ").CompletionText | Should -Be @('linux/arm64')
    }
}

Describe 'ConvertTo-GolemImage -Image completion without a Docker engine' -Tag 'Portable' {
    AfterEach {
        $env:DOCKER_HOST = $script:SavedDockerHost
    }

    It 'completes nothing and says nothing when no engine listens' {
        $env:DOCKER_HOST = "unix://$Work/nobody.sock"
        $errors = $Error.Count
        $clock = [Diagnostics.Stopwatch]::StartNew()
        Complete 'ConvertTo-GolemImage -Image alp' | Should -BeNullOrEmpty
        $clock.Elapsed.TotalSeconds | Should -BeLessThan 5
        $Error.Count | Should -Be $errors
    }

    It 'gives up after a short time on an engine that never answers' -Skip:([Environment]::OSVersion.Platform -eq 'Win32NT') {
        $path = Join-Path $Work 'silent.sock'
        $socket = [Net.Sockets.Socket]::new([Net.Sockets.AddressFamily]::Unix, [Net.Sockets.SocketType]::Stream, [Net.Sockets.ProtocolType]::Unspecified)
        try {
            $socket.Bind([Net.Sockets.UnixDomainSocketEndPoint]::new($path))
            $socket.Listen(5)
            $env:DOCKER_HOST = "unix://$path"
            $clock = [Diagnostics.Stopwatch]::StartNew()
            Complete 'ConvertTo-GolemImage -Image alp' | Should -BeNullOrEmpty
            $clock.Elapsed.TotalSeconds | Should -BeLessThan 5
        } finally {
            $socket.Dispose()
        }
    }
}

Describe 'ConvertTo-GolemImage -Image completion from a Docker engine' -Tag 'Dockerd', 'Root' {
    BeforeAll {
        $script:Daemon = Start-TestDockerd
        if ($Daemon) {
            $archive = Join-Path $Work 'sample.tar'
            & "$PSScriptRoot/../Samples/New-TestImageArchive.ps1" -Path $archive -Format DockerSave | Out-Null
            & docker -H $Daemon.Host load -i $archive | Out-Null
            & docker -H $Daemon.Host tag (& docker -H $Daemon.Host images -q | Select-Object -First 1) 'gi-complete/first:1.0' | Out-Null
            & docker -H $Daemon.Host tag 'gi-complete/first:1.0' 'gi-complete/second:2.0' | Out-Null
        }
    }

    AfterAll {
        if ($script:Daemon) { Stop-TestDockerd $script:Daemon }
    }

    It 'offers the engine''s repo:tag names that match what is typed' {
        if (-not $Daemon) { Set-ItResult -Skipped -Because 'dockerd cannot run here (needs root and dockerd)' ; return }
        $env:DOCKER_HOST = $Daemon.Host
        try {
            (Complete 'ConvertTo-GolemImage -Image gi-complete/').CompletionText | Should -Be @('gi-complete/first:1.0', 'gi-complete/second:2.0')
            (Complete 'ConvertTo-GolemImage gi-complete/s').CompletionText | Should -Be @('gi-complete/second:2.0')
            (Complete 'ConvertTo-GolemImage -Image ').CompletionText | Should -Contain 'gi-complete/first:1.0'
        } finally {
            $env:DOCKER_HOST = $script:SavedDockerHost
        }
    }
}
