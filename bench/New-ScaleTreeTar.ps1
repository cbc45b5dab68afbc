<#
.SYNOPSIS
    Helper for Bench-Scale.ps1: writes the tar of one generated scale tree (deterministic: the same bytes every run).
.DESCRIPTION
    MillionFiles: 1,000,000 small files (1 to 1,000 bytes of text each, every one different) in 1,000 directories
    of 1,000, about 1.1 GB of tar: the per-entry cost of a converter.
    TenGigabytes: a 5 GiB incompressible file, a 4.5 GiB mostly-zero file with data beyond 4 GiB (a 64 KiB run
    every 512 MiB and at the very end) and 120,000 small files (120 directories of 1,000), about 10.1 GB of tar:
    bounded memory whatever the data size, and a file beyond 4 GiB (extended inodes, 64-bit offsets).
    -FileCount overrides the number of small files (a 200,000-entry tree: -FileCount 199800).
#>
param(
    [Parameter(Mandatory)] [ValidateSet('MillionFiles', 'TenGigabytes')] [string] $Tree,
    [Parameter(Mandatory)] [string] $Path,
    [int] $FileCount = -1
)
$ErrorActionPreference = 'Stop'
if (-not ('GolemImageBench.ScaleTar' -as [type])) {
    Add-Type -TypeDefinition @'
using System;
using System.IO;
using System.Text;

namespace GolemImageBench
{
    public static class ScaleTar
    {
        private const long MTime = 1700000000;

        public static void Write(string path, int smallFiles, bool large)
        {
            using (var output = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 20))
            {
                var random = new XorShift(0x9E3779B97F4A7C15UL);
                if (large)
                {
                    Header(output, "big/", 0, '5', 0x1ED);
                    Header(output, "big/random.bin", 5L << 30, '0', 0x1A4);
                    var buffer = new byte[1 << 20];
                    for (long left = 5L << 30; left > 0; left -= buffer.Length)
                    {
                        random.Fill(buffer);
                        output.Write(buffer, 0, buffer.Length);
                    }

                    long zeroSize = (9L << 30) / 2;
                    Header(output, "big/mostly-zero.bin", zeroSize, '0', 0x1A4);
                    var zeros = new byte[1 << 20];
                    var run = new byte[64 << 10];
                    for (long at = 0; at < zeroSize; at += zeros.Length)
                    {
                        // A 64 KiB run of data at every 512 MiB and in the last MiB (beyond 4 GiB).
                        bool withData = at % (512L << 20) == 0 || at + zeros.Length >= zeroSize;
                        if (withData)
                        {
                            random.Fill(run);
                            Array.Copy(run, 0, zeros, 4096, run.Length);
                        }

                        output.Write(zeros, 0, zeros.Length);
                        if (withData)
                        {
                            Array.Clear(zeros, 4096, run.Length);
                        }
                    }
                }

                var text = new StringBuilder();
                var data = new byte[1024];
                int directories = (smallFiles + 999) / 1000;
                int written = 0;
                for (int d = 0; d < directories; d++)
                {
                    string directory = "files/d" + d.ToString("D4") + "/";
                    Header(output, directory, 0, '5', 0x1ED);
                    for (int f = 0; f < 1000 && written < smallFiles; f++, written++)
                    {
                        // Text-like and different in every file (its number is in it), 1 to 1,000 bytes.
                        int length = 1 + (int)(random.Next() % 1000);
                        text.Clear();
                        text.Append("file ").Append(written).Append(": ");
                        while (text.Length < length)
                        {
                            text.Append(Words[random.Next() % (ulong)Words.Length]).Append(' ');
                        }

                        int count = Encoding.ASCII.GetBytes(text.ToString(0, length), 0, length, data, 0);
                        Header(output, directory + "f" + f.ToString("D4") + ".txt", count, '0', 0x1A4);
                        output.Write(data, 0, count);
                        Pad(output, count);
                    }
                }

                output.Write(new byte[1024], 0, 1024);
            }
        }

        private static readonly string[] Words = { "alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf", "hotel", "india", "juliet", "kilo", "lima", "mike", "november", "oscar", "papa", "quebec", "romeo", "sierra", "tango", "uniform", "victor", "whiskey", "xray", "yankee", "zulu", "\n" };

        private static void Pad(Stream output, long size)
        {
            int pad = (int)((512 - (size % 512)) % 512);
            if (pad > 0)
            {
                output.Write(new byte[pad], 0, pad);
            }
        }

        private static void Header(Stream output, string name, long size, char type, int mode)
        {
            var header = new byte[512];
            Encoding.ASCII.GetBytes(name, 0, name.Length, header, 0);
            Octal(header, 100, 8, mode);
            Octal(header, 108, 8, 0);
            Octal(header, 116, 8, 0);
            Octal(header, 124, 12, size);
            Octal(header, 136, 12, MTime);
            header[156] = (byte)type;
            Encoding.ASCII.GetBytes("ustar\0" + "00", 0, 8, header, 257);
            for (int i = 148; i < 156; i++)
            {
                header[i] = (byte)' ';
            }

            long sum = 0;
            foreach (byte b in header)
            {
                sum += b;
            }

            Octal(header, 148, 7, sum);
            output.Write(header, 0, 512);
        }

        private static void Octal(byte[] header, int offset, int length, long value)
        {
            string digits = Convert.ToString(value, 8).PadLeft(length - 1, '0');
            Encoding.ASCII.GetBytes(digits, 0, length - 1, header, offset);
        }

        private sealed class XorShift
        {
            private ulong _state;

            public XorShift(ulong seed) => _state = seed;

            public ulong Next()
            {
                _state ^= _state << 13;
                _state ^= _state >> 7;
                _state ^= _state << 17;
                return _state;
            }

            public void Fill(byte[] buffer)
            {
                for (int i = 0; i + 8 <= buffer.Length; i += 8)
                {
                    BitConverter.TryWriteBytes(new Span<byte>(buffer, i, 8), Next());
                }
            }
        }
    }
}
'@
}
$count = if ($FileCount -ge 0) { $FileCount } elseif ($Tree -eq 'MillionFiles') { 1000000 } else { 120000 }
Write-Host "Tree $Tree`: $count small files$(if ($Tree -eq 'TenGigabytes') { ' and 9.5 GiB in two big files' }) -> $Path" -ForegroundColor Cyan
[GolemImageBench.ScaleTar]::Write($Path, $count, $Tree -eq 'TenGigabytes')
