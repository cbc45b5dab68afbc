# Shared helpers for the Pester suite: fresh pwsh processes, and the real services the tests use
# (a dockerd and a distribution registry on 127.0.0.1), each started by the test that needs it.
Set-StrictMode -Version Latest

function Get-PwshCommand {
    <# The command line prefix that starts a fresh PowerShell of the running version. #>
    $process = [Diagnostics.Process]::GetCurrentProcess().MainModule.FileName
    if ((Split-Path $process -Leaf) -match '^dotnet(\.exe)?$') {
        return , @($process, (Join-Path ([AppContext]::BaseDirectory) 'pwsh.dll'))
    }
    return , @($process)
}

function Invoke-FreshPwsh {
    <#
    .SYNOPSIS
        Runs a script in a new pwsh process and returns its output lines; throws when it exits non-zero.
    #>
    param(
        [Parameter(Mandatory)] [string] $Script,
        [hashtable] $Environment = @{},
        [switch] $AllowFailure
    )
    $pwsh = Get-PwshCommand
    $scriptFile = Join-Path ([IO.Path]::GetTempPath()) ("golemimage-" + [guid]::NewGuid().ToString('N') + '.ps1')
    Set-Content -LiteralPath $scriptFile -Value $Script -Encoding utf8
    $saved = @{}
    try {
        foreach ($key in $Environment.Keys) {
            $saved[$key] = [Environment]::GetEnvironmentVariable($key)
            [Environment]::SetEnvironmentVariable($key, [string] $Environment[$key])
        }
        $output = & $pwsh[0] @(@($pwsh | Select-Object -Skip 1) + @('-NoProfile', '-NonInteractive', '-File', $scriptFile)) 2>&1
        $code = $LASTEXITCODE
    } finally {
        foreach ($key in $saved.Keys) { [Environment]::SetEnvironmentVariable($key, $saved[$key]) }
        Remove-Item -LiteralPath $scriptFile -Force -ErrorAction Ignore
    }
    $lines = @($output | ForEach-Object { "$_" })
    if ($code -ne 0 -and -not $AllowFailure) {
        throw "Fresh pwsh exited with $code`n$($lines -join "`n")"
    }
    return $lines
}

function Get-TestRequirement {
    <# The requirement tags (tests/Unit/Requires.cs, the one list for xunit traits and Pester tags), Portable first. #>
    $source = [IO.File]::ReadAllText((Join-Path $PSScriptRoot '../Unit/Requires.cs'))
    [regex]::Matches($source, 'public const string (?!Key)\w+ = "(\w+)";') | ForEach-Object { $_.Groups[1].Value }
}

function Test-IsLinuxRoot {
    return [bool] ((Test-Platform Linux) -and (Get-Command id -CommandType Application -ErrorAction Ignore) -and ((& id -u) -eq '0'))
}

function Test-Platform {
    <# True on that operating system; works in Windows PowerShell 5.1 too, where $IsLinux and friends do not exist. #>
    param([Parameter(Mandatory)] [ValidateSet('Linux', 'Windows', 'OSX')] [string] $Name)
    # Windows PowerShell runs only on Windows (and need not have RuntimeInformation loaded).
    if ($PSVersionTable.PSEdition -eq 'Desktop') { return $Name -eq 'Windows' }
    [System.Runtime.InteropServices.RuntimeInformation]::IsOSPlatform([System.Runtime.InteropServices.OSPlatform]::$Name)
}

function Get-WindowsPowerShellProblem {
    <#
    .SYNOPSIS
        What in a script Windows PowerShell 5.1 cannot run (or runs differently), one line each: parsed with the
        PowerShell AST, so it works in pwsh on any system. Empty when the script is fine.
    #>
    param([Parameter(Mandatory)] [string] $Path)
    $tokens = $null
    $errors = $null
    $ast = [System.Management.Automation.Language.Parser]::ParseFile($Path, [ref] $tokens, [ref] $errors)
    foreach ($parseError in $errors) { "line $($parseError.Extent.StartLineNumber): does not parse: $($parseError.Message)" }
    # Variables PowerShell 7 defines and 5.1 does not (StrictMode makes reading them an error there).
    $newVariables = 'IsLinux', 'IsWindows', 'IsMacOS', 'IsCoreCLR', 'PSStyle'
    # Members of .NET (Core) that .NET Framework 4.7.2 lacks.
    $newMembers = 'ProcessPath', 'ProcessId', 'GetRelativePath', 'ToHexString', 'FromHexString', 'ReadAllTextAsync', 'WriteAllTextAsync', 'ReadAllBytesAsync', 'WriteAllBytesAsync'
    $newCommands = 'Test-Json', 'Get-Error', 'Join-String', 'ConvertFrom-Markdown', 'Get-Uptime', 'Remove-Alias', 'Clear-RecycleBin'
    # Parameters PowerShell 6+ added to commands 5.1 has.
    $newParameters = @{
        'ForEach-Object'    = 'Parallel', 'ThrottleLimit', 'AsJob', 'TimeoutSeconds'
        '%'                 = 'Parallel'
        'foreach'           = 'Parallel'
        'ConvertFrom-Json'  = 'AsHashtable', 'Depth', 'NoEnumerate'
        'ConvertTo-Json'    = 'AsArray', 'EnumsAsStrings', 'EscapeHandling'
        'Get-Content'       = 'AsByteStream'
        'Set-Content'       = 'AsByteStream'
        'Add-Content'       = 'AsByteStream'
        'Join-Path'         = 'AdditionalChildPath'
        'Split-Path'        = 'LeafBase', 'Extension'
        'Select-String'     = 'Raw', 'NoEmphasis'
        'Invoke-WebRequest' = 'SkipHttpErrorCheck', 'SkipCertificateCheck', 'StatusCodeVariable', 'ResponseHeadersVariable', 'Authentication', 'Token', 'Form', 'Resume', 'MaximumRetryCount', 'RetryIntervalSec', 'SslProtocol', 'NoProxy', 'SkipHeaderValidation'
        'Invoke-RestMethod' = 'SkipHttpErrorCheck', 'SkipCertificateCheck', 'StatusCodeVariable', 'ResponseHeadersVariable', 'Authentication', 'Token', 'Form', 'Resume', 'MaximumRetryCount', 'RetryIntervalSec', 'SslProtocol', 'NoProxy', 'SkipHeaderValidation'
        'Start-Process'     = 'Environment'
    }
    # 5.1 writes ANSI (Set-Content, Add-Content) or UTF-16 (Out-File, >) unless told: these must say -Encoding, one 5.1 knows.
    $writers = 'Set-Content', 'Add-Content', 'Out-File'
    $encodings51 = 'Unknown', 'String', 'Unicode', 'BigEndianUnicode', 'UTF8', 'UTF7', 'UTF32', 'ASCII', 'Default', 'OEM', 'Byte', 'BigEndianUTF32'

    foreach ($node in $ast.FindAll({ $true }, $true)) {
        $line = "line $($node.Extent.StartLineNumber): "
        switch ($node.GetType().Name) {
            'TernaryExpressionAst' { $line + 'the ternary operator (PowerShell 7): use if/else' }
            'PipelineChainAst' { $line + '&& or || between pipelines (PowerShell 7)' }
            'BinaryExpressionAst' { if ("$($node.Operator)" -eq 'QuestionQuestion') { $line + '?? (PowerShell 7)' } }
            'AssignmentStatementAst' { if ("$($node.Operator)" -eq 'QuestionQuestionEquals') { $line + '??= (PowerShell 7)' } }
            'VariableExpressionAst' {
                if ($newVariables -contains $node.VariablePath.UserPath) { $line + "`$$($node.VariablePath.UserPath) does not exist in 5.1: use Test-Platform (TestHelpers) or Get-Variable" }
            }
            'FileRedirectionAst' {
                if (-not ($node.Location -is [System.Management.Automation.Language.VariableExpressionAst] -and $node.Location.VariablePath.UserPath -eq 'null')) {
                    $line + 'redirection into a file writes UTF-16 in 5.1: use the tool''s own output option or Set-Content -Encoding'
                }
            }
            'CommandAst' {
                $name = $node.GetCommandName()
                if ($name) {
                    if ($newCommands -contains $name) { $line + "$name does not exist in 5.1" }
                    $parameters = @($node.CommandElements | Where-Object { $_ -is [System.Management.Automation.Language.CommandParameterAst] })
                    $forbidden = $newParameters[$name]
                    foreach ($parameter in $parameters) {
                        if ($forbidden -and ($forbidden -contains $parameter.ParameterName)) { $line + "$name -$($parameter.ParameterName) does not exist in 5.1" }
                    }
                    if ($name -eq 'Join-Path') {
                        # Join-Path's positional parameters are -Path and -ChildPath; a third part is AdditionalChildPath (6+).
                        $positional = 0
                        $elements = $node.CommandElements
                        for ($i = 1; $i -lt $elements.Count; $i++) {
                            $previous = $elements[$i - 1]
                            $afterParameter = $i -gt 1 -and $previous -is [System.Management.Automation.Language.CommandParameterAst] -and -not $previous.Argument -and $previous.ParameterName -ne 'Resolve'
                            if (-not ($elements[$i] -is [System.Management.Automation.Language.CommandParameterAst]) -and -not $afterParameter) { $positional++ }
                        }
                        if ($positional -gt 2) { $line + 'Join-Path with more than two parts (PowerShell 6+): nest Join-Path' }
                    }
                    if ($writers -contains $name) {
                        $encoding = $null
                        for ($i = 1; $i -lt $node.CommandElements.Count; $i++) {
                            $element = $node.CommandElements[$i]
                            if ($element -is [System.Management.Automation.Language.CommandParameterAst] -and $element.ParameterName -eq 'Encoding') {
                                $encoding = if ($element.Argument) { $element.Argument } else { $node.CommandElements[$i + 1] }
                            }
                        }
                        if (-not $encoding) {
                            $line + "$name without -Encoding writes ANSI or UTF-16 in 5.1 and UTF-8 in 7"
                        } elseif ($encoding -is [System.Management.Automation.Language.StringConstantExpressionAst] -and $encodings51 -notcontains $encoding.Value) {
                            $line + "$name -Encoding $($encoding.Value) does not exist in 5.1"
                        }
                    }
                }
            }
            { $_ -in 'MemberExpressionAst', 'InvokeMemberExpressionAst', 'IndexExpressionAst' } {
                $nullConditional = $node.PSObject.Properties['NullConditional']
                if ($nullConditional -and $nullConditional.Value) { $line + '?. or ?[] (PowerShell 7)' }
                if ($node -is [System.Management.Automation.Language.MemberExpressionAst] -and $node.Member -is [System.Management.Automation.Language.StringConstantExpressionAst]) {
                    $member = $node.Member.Value
                    if ($newMembers -contains $member) { $line + "$member does not exist on .NET Framework" }
                    if ($node.Static -and $node.Expression -is [System.Management.Automation.Language.TypeExpressionAst] -and $node.Expression.TypeName.Name -match '(^|\.)OperatingSystem$') {
                        $line + "[OperatingSystem]::$member does not exist on .NET Framework: use Test-Platform"
                    }
                }
            }
        }
    }
}

function New-TestImageArchive {
    <#
    .SYNOPSIS
        tests/Samples/New-TestImageArchive.ps1 (same parameters and result). That script needs PowerShell 7.2+
        (System.Formats.Tar); under Windows PowerShell 5.1 it runs in pwsh and its result comes back as JSON.
    #>
    [CmdletBinding()]
    param(
        [Parameter(Mandatory)] [string] $Path,
        [string] $Format,
        [string] $Repository,
        [string] $Tag,
        [string[]] $Architecture,
        [string] $LayerCompression,
        [string] $Variant,
        [switch] $FilesInVolume
    )
    $script = Join-Path $PSScriptRoot '../Samples/New-TestImageArchive.ps1'
    $arguments = @{}
    foreach ($key in $PSBoundParameters.Keys) { $arguments[$key] = $PSBoundParameters[$key] }
    if ($PSVersionTable.PSVersion.Major -ge 7) { return & $script @arguments }
    $pwsh = Get-Command pwsh -CommandType Application -ErrorAction Ignore | Select-Object -First 1
    if (-not $pwsh) { throw 'The sample images are built by PowerShell 7 (pwsh), which is not on PATH.' }
    $arguments['Path'] = [IO.Path]::GetFullPath($Path)
    if ($FilesInVolume) { $arguments['FilesInVolume'] = $true }
    $exchange = Join-Path ([IO.Path]::GetTempPath()) ('gi-sample-' + [guid]::NewGuid().ToString('N'))
    [IO.File]::WriteAllText("$exchange.in.json", ($arguments | ConvertTo-Json -Compress))
    try {
        $command = "`$a = @{}; (Get-Content -Raw -LiteralPath '$exchange.in.json' | ConvertFrom-Json).PSObject.Properties | ForEach-Object { `$a[`$_.Name] = `$_.Value }; " +
            "& '$script' @a | ConvertTo-Json -Depth 4 | Set-Content -LiteralPath '$exchange.out.json' -Encoding utf8"
        $output = & $pwsh.Source -NoProfile -NonInteractive -Command $command 2>&1
        if ($LASTEXITCODE -ne 0) { throw "pwsh could not build the sample ${Path}: $($output -join "`n")" }
        Get-Content -Raw -LiteralPath "$exchange.out.json" | ConvertFrom-Json
    } finally {
        Remove-Item -LiteralPath "$exchange.in.json", "$exchange.out.json" -Force -ErrorAction Ignore
    }
}

function Get-FreeTcpPort {
    $listener = [System.Net.Sockets.TcpListener]::new([System.Net.IPAddress]::Loopback, 0)
    $listener.Start()
    try { return $listener.LocalEndpoint.Port } finally { $listener.Stop() }
}

function Wait-Until {
    param([Parameter(Mandatory)] [scriptblock] $Condition, [int] $TimeoutSeconds = 20, [string] $What = 'condition')
    $deadline = [DateTime]::UtcNow.AddSeconds($TimeoutSeconds)
    while ([DateTime]::UtcNow -lt $deadline) {
        if (& $Condition) { return }
        Start-Sleep -Milliseconds 100
    }
    throw "Timed out after $TimeoutSeconds s waiting for $What."
}

function Start-TestDockerd {
    <#
    .SYNOPSIS
        Starts a private dockerd (vfs storage, no networking) and returns an object with Host
        (a DOCKER_HOST value), Root and Process. Returns $null when dockerd cannot run here.
    #>
    if (-not (Test-IsLinuxRoot) -or -not (Get-Command dockerd -ErrorAction Ignore)) { return $null }
    $root = Join-Path ([IO.Path]::GetTempPath()) ('gi-docker-' + [guid]::NewGuid().ToString('N').Substring(0, 8))
    New-Item -ItemType Directory -Force -Path "$root/data", "$root/exec" | Out-Null
    $socket = "$root/docker.sock"
    $log = "$root/dockerd.log"
    $arguments = @('--storage-driver=vfs', '--iptables=false', '--ip6tables=false', '--bridge=none',
        "--data-root=$root/data", "--exec-root=$root/exec", "-H", "unix://$socket", "--pidfile=$root/dockerd.pid")
    $process = Start-Process -FilePath (Get-Command dockerd).Source -ArgumentList $arguments -RedirectStandardOutput "$root/dockerd.out" -RedirectStandardError $log -PassThru
    $dockerHost = "unix://$socket"
    try {
        Wait-Until -TimeoutSeconds 30 -What 'dockerd' -Condition {
            if ($process.HasExited) { throw "dockerd exited: $(Get-Content -Raw $log)" }
            if (-not (Test-Path $socket)) { return $false }
            & docker -H $dockerHost version --format '{{.Server.Version}}' *> $null
            $LASTEXITCODE -eq 0
        }
    } catch {
        Stop-Process -Id $process.Id -Force -ErrorAction Ignore
        throw
    }
    [pscustomobject]@{ Host = $dockerHost; Root = $root; Process = $process }
}

function Stop-TestDockerd {
    param($Daemon)
    if (-not $Daemon) { return }
    if (-not $Daemon.Process.HasExited) {
        & kill -TERM $Daemon.Process.Id 2>$null
        if (-not $Daemon.Process.WaitForExit(20000)) { Stop-Process -Id $Daemon.Process.Id -Force -ErrorAction Ignore }
    }
    # dockerd bind-mounts its data root onto itself; make sure nothing is left mounted before removing it.
    & umount -R "$($Daemon.Root)/data" 2>$null
    Remove-Item -Recurse -Force -LiteralPath $Daemon.Root -ErrorAction Ignore
}

function Start-TestOciRegistry {
    <#
    .SYNOPSIS
        Starts a distribution registry on 127.0.0.1 (a free port) and returns Address (host:port),
        Root and Process. Returns $null when docker-registry is not installed.
    .PARAMETER Auth
        distribution's auth section as a YAML flow mapping (e.g. '{htpasswd: {realm: r, path: {root}/htpasswd}}');
        {root} stands for the registry's directory. Without it the registry is open.
    .PARAMETER Files
        Files to write into the registry's directory first (name = content), for the auth section to name.
    #>
    param([string] $Auth, [hashtable] $Files = @{})
    if (-not (Test-Platform Linux) -or -not (Get-Command docker-registry -ErrorAction Ignore)) { return $null }
    $root = Join-Path ([IO.Path]::GetTempPath()) ('gi-registry-' + [guid]::NewGuid().ToString('N').Substring(0, 8))
    New-Item -ItemType Directory -Force -Path "$root/storage" | Out-Null
    foreach ($name in $Files.Keys) { Set-Content -LiteralPath (Join-Path $root $name) -Encoding utf8 -Value $Files[$name] }
    $port = Get-FreeTcpPort
    $authSection = if ($Auth) { "auth: $($Auth.Replace('{root}', $root))" } else { '' }
    $config = @"
version: 0.1
log: {level: warn, fields: {service: registry}}
storage:
  cache: {blobdescriptor: inmemory}
  filesystem: {rootdirectory: $root/storage}
  delete: {enabled: true}
$authSection
http:
  addr: 127.0.0.1:$port
  headers: {X-Content-Type-Options: [nosniff]}
"@
    Set-Content -LiteralPath "$root/config.yml" -Encoding utf8 -Value $config
    $process = Start-Process -FilePath (Get-Command docker-registry).Source -ArgumentList @('serve', "$root/config.yml") -RedirectStandardOutput "$root/registry.out" -RedirectStandardError "$root/registry.log" -PassThru
    $address = "127.0.0.1:$port"
    Wait-Until -TimeoutSeconds 20 -What 'docker-registry' -Condition {
        if ($process.HasExited) { throw "docker-registry exited: $(Get-Content -Raw "$root/registry.log")" }
        # An open registry answers 200, one with auth 401: either means it is serving.
        try { (Invoke-WebRequest -Uri "http://$address/v2/" -UseBasicParsing -TimeoutSec 2).StatusCode -eq 200 } catch { [bool] $Auth -and $_.Exception -is [Microsoft.PowerShell.Commands.HttpResponseException] }
    }
    [pscustomobject]@{ Address = $address; Root = $root; Process = $process }
}

function Start-TestPasswordRegistry {
    <#
    .SYNOPSIS
        Start-TestOciRegistry with distribution's htpasswd (basic) auth for one user, golem / s3cret-pass
        (bcrypt cost 4, so that each request stays cheap).
    #>
    Start-TestOciRegistry -Files @{ htpasswd = 'golem:$2b$04$7tcsXBuaM/wW.lk5iHCzoO.2LhIjanW/hu2iCtahUONdz6ca0.aaG' } -Auth '{htpasswd: {realm: golem-test, path: {root}/htpasswd}}'
}

function Start-TestCuttingProxy {
    <#
    .SYNOPSIS
        A TCP proxy on 127.0.0.1 in front of -Target (host:port) that resets a connection once the server has sent
        -CutAfter bytes on it, for the first -Cuts connections that get that far: a network that drops in the
        middle of a download. Returns the proxy: Port, Cuts (done so far), RangeRequests (requests with a Range
        header that went through); Dispose() stops it.
    #>
    param([Parameter(Mandatory)] [string] $Target, [Parameter(Mandatory)] [long] $CutAfter, [int] $Cuts = 1)
    if (-not ('GolemImageTests.CuttingProxy' -as [type])) {
        Add-Type -TypeDefinition @'
using System;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Threading;
using System.Threading.Tasks;

namespace GolemImageTests
{
    public sealed class CuttingProxy : IDisposable
    {
        private readonly TcpListener listener = new TcpListener(IPAddress.Loopback, 0);
        private readonly string host;
        private readonly int port;
        private readonly long cutAfter;
        private int cutsLeft;
        private int cuts;
        private int rangeRequests;

        public CuttingProxy(string host, int port, long cutAfter, int cuts)
        {
            this.host = host;
            this.port = port;
            this.cutAfter = cutAfter;
            cutsLeft = cuts;
            listener.Start();
            _ = AcceptAsync();
        }

        public int Port => ((IPEndPoint)listener.LocalEndpoint).Port;

        public int Cuts => Volatile.Read(ref cuts);

        public int RangeRequests => Volatile.Read(ref rangeRequests);

        public void Dispose() => listener.Stop();

        private async Task AcceptAsync()
        {
            while (true)
            {
                TcpClient client;
                try { client = await listener.AcceptTcpClientAsync(); } catch (Exception) { return; }
                _ = RelayAsync(client);
            }
        }

        private async Task RelayAsync(TcpClient client)
        {
            using (client)
            using (var server = new TcpClient())
            {
                try
                {
                    await server.ConnectAsync(host, port);
                    await Task.WhenAny(UpAsync(client.GetStream(), server.GetStream()), DownAsync(server.GetStream(), client));
                }
                catch (Exception)
                {
                }
            }
        }

        private async Task UpAsync(NetworkStream from, NetworkStream to)
        {
            var buffer = new byte[65536];
            int read;
            while ((read = await from.ReadAsync(buffer, 0, buffer.Length)) > 0)
            {
                if (Encoding.ASCII.GetString(buffer, 0, read).IndexOf("\r\nRange: bytes=", StringComparison.OrdinalIgnoreCase) >= 0)
                {
                    Interlocked.Increment(ref rangeRequests);
                }

                await to.WriteAsync(buffer, 0, read);
            }
        }

        private async Task DownAsync(NetworkStream from, TcpClient client)
        {
            NetworkStream to = client.GetStream();
            var buffer = new byte[65536];
            long sent = 0;
            int read;
            while ((read = await from.ReadAsync(buffer, 0, buffer.Length)) > 0)
            {
                if (sent + read > cutAfter && Interlocked.Decrement(ref cutsLeft) >= 0)
                {
                    await to.WriteAsync(buffer, 0, (int)(cutAfter - sent));
                    Interlocked.Increment(ref cuts);
                    client.Client.LingerState = new LingerOption(true, 0);
                    client.Close();
                    return;
                }

                sent += read;
                await to.WriteAsync(buffer, 0, read);
            }
        }
    }
}
'@
    }
    $hostName, $port = $Target.Split(':')
    [GolemImageTests.CuttingProxy]::new($hostName, [int] $port, $CutAfter, $Cuts)
}

function Stop-TestOciRegistry {
    param($Registry)
    if (-not $Registry) { return }
    if (-not $Registry.Process.HasExited) { Stop-Process -Id $Registry.Process.Id -Force -ErrorAction Ignore; $Registry.Process.WaitForExit(10000) | Out-Null }
    Remove-Item -Recurse -Force -LiteralPath $Registry.Root -ErrorAction Ignore
}

function Test-CanLoopMount {
    <# True when this process may loop-mount a squashfs image (root with a loop device). #>
    if (-not (Test-IsLinuxRoot)) { return $false }
    return (Test-Path /dev/loop-control) -and (Get-Content /proc/filesystems -Raw) -match 'squashfs'
}

function New-TestGvmiFile {
    <#
    .SYNOPSIS
        Makes a .gvmi the way gvmkit-build does, without GolemImage's code: mksquashfs of a small tree
        (root, a, b = 300 KB of seeded bytes, d, d/c: five inodes; mkfs and file times 1234567890) plus a
        trailer built here (CRC-32 by python3's zlib, the JSON, its length as 8 digits). Returns the FileInfo.
    .PARAMETER SquashfsBytes
        Post-processes the squashfs bytes before the trailer is appended (truncate, corrupt, ...).
    #>
    param(
        [Parameter(Mandatory)] [string] $Path,
        [string] $Json = '{"Env":["PATH=/usr/bin:/bin"],"Cmd":["/bin/sh"],"WorkingDir":"/"}',
        [string[]] $MksquashfsArgument = @(),
        [scriptblock] $SquashfsBytes,
        [switch] $NoTrailer
    )
    $work = Join-Path ([IO.Path]::GetTempPath()) ('gi-gvmi-' + [guid]::NewGuid().ToString('N').Substring(0, 8))
    try {
        New-Item -ItemType Directory -Force -Path "$work/src/d" | Out-Null
        [IO.File]::WriteAllText("$work/src/a", "hi`n")
        $data = [byte[]]::new(300000)
        ([Random]::new(5)).NextBytes($data)
        [IO.File]::WriteAllBytes("$work/src/b", $data)
        [IO.File]::WriteAllText("$work/src/d/c", "x`n")
        $output = & mksquashfs "$work/src" "$work/image.sqfs" -noappend -quiet -no-progress -mkfs-time 1234567890 -all-time 1234567890 @MksquashfsArgument 2>&1
        if ($LASTEXITCODE -ne 0) { throw "mksquashfs failed: $output" }
        [byte[]] $bytes = [IO.File]::ReadAllBytes("$work/image.sqfs")
        if ($SquashfsBytes) { [byte[]] $bytes = & $SquashfsBytes $bytes }
        $stream = [IO.MemoryStream]::new()
        $stream.Write($bytes, 0, $bytes.Length)
        if (-not $NoTrailer) {
            $jsonBytes = [Text.Encoding]::UTF8.GetBytes($Json)
            [IO.File]::WriteAllBytes("$work/config.json", $jsonBytes)
            [uint32] $crc = & python3 -c "import sys, zlib; print(zlib.crc32(open(sys.argv[1], 'rb').read()))" "$work/config.json"
            $stream.Write([BitConverter]::GetBytes($crc), 0, 4)
            $stream.Write($jsonBytes, 0, $jsonBytes.Length)
            $digits = [Text.Encoding]::ASCII.GetBytes($jsonBytes.Length.ToString('D8'))
            $stream.Write($digits, 0, 8)
        }
        [IO.File]::WriteAllBytes($Path, $stream.ToArray())
        Get-Item -LiteralPath $Path
    } finally {
        Remove-Item -Recurse -Force -LiteralPath $work -ErrorAction Ignore
    }
}

function Get-OpenSslSha3224 {
    <# SHA3-224 of files by openssl (an independent implementation), as a hashtable path -> lowercase hex. #>
    param([Parameter(Mandatory)] [string[]] $LiteralPath)
    $result = @{}
    foreach ($line in (& openssl dgst -sha3-224 -r @LiteralPath)) {
        $hash, $file = $line -split ' \*', 2
        $result[$file] = $hash
    }
    $result
}

$script:GolemRegistryBuilt = $false

function Start-TestGolemRegistry {
    <#
    .SYNOPSIS
        Builds (once per session) and starts the Golem registry test server (tests/RegistryServer) on a free
        loopback port. Returns Url, Root (its storage), User, Token and Process. Extra server arguments, such as
        '--repositories', 'alice/a,alice/b' or '--fault', 'fail500:2', go in -ArgumentList.
    #>
    param([string] $User = 'alice', [string] $Token = ('pat-' + [guid]::NewGuid().ToString('N')), [string[]] $ArgumentList = @())
    $project = Join-Path $PSScriptRoot '../RegistryServer/RegistryServer.csproj'
    $dll = Join-Path $PSScriptRoot '../RegistryServer/bin/Release/net10.0/RegistryServer.dll'
    if (-not $script:GolemRegistryBuilt) {
        $buildOutput = & dotnet build $project -c Release --nologo -v quiet -clp:NoSummary 2>&1
        if ($LASTEXITCODE -ne 0) { throw "Building the registry test server failed:`n$($buildOutput -join "`n")" }
        $script:GolemRegistryBuilt = $true
    }
    $root = Join-Path ([IO.Path]::GetTempPath()) ('gi-golemreg-' + [guid]::NewGuid().ToString('N').Substring(0, 8))
    New-Item -ItemType Directory -Force -Path "$root/storage" | Out-Null
    $port = Get-FreeTcpPort
    $url = "http://127.0.0.1:$port"
    $arguments = @($dll, '--urls', $url, '--storage', "$root/storage", '--user', $User, '--token', $Token) + $ArgumentList
    $process = Start-Process -FilePath (Get-Command dotnet).Source -ArgumentList $arguments -RedirectStandardOutput "$root/server.out" -RedirectStandardError "$root/server.err" -PassThru
    try {
        Wait-Until -TimeoutSeconds 30 -What 'the Golem registry test server' -Condition {
            if ($process.HasExited) { throw "The registry test server exited: $(Get-Content -Raw "$root/server.out") $(Get-Content -Raw "$root/server.err")" }
            try { (Invoke-WebRequest -Uri "$url/_test/stats" -UseBasicParsing -TimeoutSec 2).StatusCode -eq 200 } catch { $false }
        }
    } catch {
        Stop-Process -Id $process.Id -Force -ErrorAction Ignore
        throw
    }
    [pscustomobject]@{ Url = $url; Root = $root; User = $User; Token = $Token; Process = $process }
}

function Stop-TestGolemRegistry {
    param($Registry)
    if (-not $Registry) { return }
    if (-not $Registry.Process.HasExited) { Stop-Process -Id $Registry.Process.Id -Force -ErrorAction Ignore; $Registry.Process.WaitForExit(10000) | Out-Null }
    Remove-Item -Recurse -Force -LiteralPath $Registry.Root -ErrorAction Ignore
}

function Get-TestGolemRegistryStats {
    <# What the test server was asked since its last reset: totalRequests, requests (by endpoint), chunksStored, chunkBytesStored. #>
    param([Parameter(Mandatory)] $Registry, [switch] $Reset)
    $stats = Invoke-RestMethod -Uri "$($Registry.Url)/_test/stats"
    if ($Reset) { Invoke-RestMethod -Method Post -Uri "$($Registry.Url)/_test/reset" | Out-Null }
    $stats
}

function Set-TestGolemRegistryFault {
    <# Arms one-shot faults (KIND:CHUNK[:MS], see tests/RegistryServer/FaultInjector.cs), or a delay on every response. #>
    param([Parameter(Mandatory)] $Registry, [string[]] $Fault = @(), [int] $DelayMilliseconds = -1, [switch] $Clear)
    if ($Clear) { Invoke-RestMethod -Method Delete -Uri "$($Registry.Url)/_test/faults" | Out-Null }
    if ($Fault.Count -gt 0) { Invoke-RestMethod -Method Post -Uri "$($Registry.Url)/_test/faults" -Body ($Fault -join "`n") | Out-Null }
    if ($DelayMilliseconds -ge 0) { Invoke-RestMethod -Method Post -Uri "$($Registry.Url)/_test/delay?ms=$DelayMilliseconds" | Out-Null }
}

Export-ModuleMember -Function *
