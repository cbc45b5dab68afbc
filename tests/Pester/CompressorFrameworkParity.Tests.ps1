#requires -Modules Pester
# Our own encoders (LZO, deflate and xz's LZMA2) have net8.0 fast paths (BitOperations, Array.Fill); the netstandard2.0 build
# (Windows PowerShell 5.1) must produce byte-identical blocks. Each build is loaded alone in a fresh process and
# digests the same corpus.

BeforeAll {
    Import-Module "$PSScriptRoot/TestHelpers.psm1" -Force
    $script:ModuleDirectory = Split-Path $env:GOLEMIMAGE_MODULE
    $script:Corpus = Join-Path ([IO.Path]::GetTempPath()) ("golemimage-compressor-corpus-" + [guid]::NewGuid().ToString('N'))
    New-Item -ItemType Directory -Path $Corpus | Out-Null

    # Text, code, binaries, zeros and random bytes: each part of the encoders (hash probes, chains, long matches,
    # skip-ahead, the optimal parse) gets work.
    $random = [byte[]]::new(150000); [Random]::new(42).NextBytes($random)
    [IO.File]::WriteAllBytes((Join-Path $Corpus 'random'), $random)
    [IO.File]::WriteAllBytes((Join-Path $Corpus 'zeros'), [byte[]]::new(100000))
    $text = [Text.StringBuilder]::new()
    foreach ($i in 1..8000) { [void] $text.Append("line $i of $($i % 97) items; value=$([math]::Sqrt($i))`n") }
    [IO.File]::WriteAllText((Join-Path $Corpus 'text'), $text.ToString())
    foreach ($binary in '/usr/bin/bash', '/usr/bin/busybox', (Join-Path $ModuleDirectory 'net8.0/GolemImage.dll')) {
        if (Test-Path $binary) {
            $bytes = [IO.File]::ReadAllBytes($binary)
            [IO.File]::WriteAllBytes((Join-Path $Corpus (Split-Path $binary -Leaf)), $bytes[0..([math]::Min($bytes.Length, 300000) - 1)])
        }
    }

    $script:ProbeScript = @'
param([string] $Dll, [string] $Corpus)
$ErrorActionPreference = 'Stop'
Add-Type -TypeDefinition @"
using System;
public delegate int BlockEncode(ReadOnlySpan<byte> source, Span<byte> destination);
public static class ParityDigest
{
    public static string Run(BlockEncode encode, byte[] data)
    {
        var output = new byte[131072 + 131072 / 16 + 67];
        using (var sha = System.Security.Cryptography.SHA256.Create())
        {
            for (int offset = 0; offset < data.Length; offset += 131072)
            {
                int length = encode(new ReadOnlySpan<byte>(data, offset, Math.Min(131072, data.Length - offset)), output);
                // -1 = "store this block raw" (gzip on random data): part of the digest too.
                sha.TransformBlock(BitConverter.GetBytes(length), 0, 4, null, 0);
                sha.TransformBlock(output, 0, Math.Max(length, 0), null, 0);
            }
            sha.TransformFinalBlock(new byte[0], 0, 0);
            return BitConverter.ToString(sha.Hash).Replace("-", "");
        }
    }
}
"@
$assembly = [Reflection.Assembly]::LoadFrom($Dll)
$settingsType = $assembly.GetType('GolemImage.Compression.CompressionSettings', $true)
$algorithmType = $assembly.GetType('GolemImage.Compression.CompressionAlgorithm', $true)
$framework = $assembly.GetCustomAttributes([Runtime.Versioning.TargetFrameworkAttribute], $false)[0].FrameworkName
"framework=$framework"
foreach ($algorithm in 'Lzo', 'Gzip', 'Xz') {
    foreach ($level in 'Fastest', 'Optimal', 'SmallestSize') {
        $levelValue = if ($level -eq 'SmallestSize') { [IO.Compression.CompressionLevel] 3 } else { [IO.Compression.CompressionLevel] $level }
        $settings = [Activator]::CreateInstance($settingsType, [Enum]::Parse($algorithmType, $algorithm), $levelValue, $false)
        $compressor = $settings.CreateCompressor()
        $encode = [Delegate]::CreateDelegate([BlockEncode], $compressor, 'Compress')
        foreach ($file in Get-ChildItem $Corpus | Sort-Object Name) {
            "$algorithm $level $($file.Name) $([ParityDigest]::Run($encode, [IO.File]::ReadAllBytes($file.FullName)))"
        }
    }
}
'@
    function Get-CompressorDigests([string] $Framework) {
        $dll = Join-Path $ModuleDirectory "$Framework/GolemImage.dll"
        $script = "& { $ProbeScript } -Dll '$dll' -Corpus '$Corpus'"
        return Invoke-FreshPwsh -Script $script
    }
}

AfterAll {
    Remove-Item -LiteralPath $Corpus -Recurse -Force -ErrorAction Ignore
}

Describe 'LZO, deflate and xz encoders across target frameworks' -Tag 'Portable' {
    It 'the netstandard2.0 and net8.0 builds write identical bytes at every level' {
        $standard = @(Get-CompressorDigests 'netstandard2.0')
        $net8 = @(Get-CompressorDigests 'net8.0')
        $standard[0] | Should -Match 'NETStandard,Version=v2.0'
        $net8[0] | Should -Match 'NETCoreApp,Version=v8.0'
        $standard.Count | Should -BeGreaterThan 45
        # Every level of every encoder is in both digests (a probe that stopped early would compare fewer lines).
        foreach ($algorithm in 'Lzo', 'Gzip', 'Xz') { @($net8 | Where-Object { $_ -like "$algorithm SmallestSize *" }).Count | Should -BeGreaterThan 4 }
        $standard | Select-Object -Skip 1 | Should -Be ($net8 | Select-Object -Skip 1)
    }
}
