using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.IO.Pipelines;
using System.Linq;
using System.Security.Cryptography;
using System.Text;
using System.Threading.Tasks;
using GolemImage.Tar;

namespace GolemImage.Tests.Tar
{
    /// <summary>What one entry read back looked like, with its data reduced to a hash.</summary>
    internal sealed record ReadEntry(
        string Path,
        TarEntryType Type,
        long Size,
        int Mode,
        long Uid,
        long Gid,
        long ModificationTime,
        string? LinkTarget,
        int DeviceMajor,
        int DeviceMinor,
        IReadOnlyList<TarXattr> Xattrs,
        long HeaderOffset,
        string DataSha256,
        long DataLength);

    internal static class TarTestSupport
    {
        public static string Sha256(byte[] data) => Convert.ToHexString(SHA256.HashData(data)).ToLowerInvariant();

        public static string Utf8(byte[] bytes) => Encoding.UTF8.GetString(bytes);

        /// <summary>A fresh directory under the temp folder, deleted by the returned handle.</summary>
        public static TempDirectory NewTempDirectory() => new TempDirectory();

        /// <summary>Runs a program and returns its stdout bytes; fails the test with its stderr otherwise.</summary>
        public static byte[] Run(string fileName, string workingDirectory, params string[] arguments)
        {
            var start = new ProcessStartInfo(fileName)
            {
                WorkingDirectory = workingDirectory,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            };
            foreach (var argument in arguments)
            {
                start.ArgumentList.Add(argument);
            }

            start.Environment["LC_ALL"] = "C.UTF-8";
            using var process = Process.Start(start)!;
            using var output = new MemoryStream();
            var stderrTask = process.StandardError.ReadToEndAsync();
            process.StandardOutput.BaseStream.CopyTo(output);
            process.WaitForExit();
            var stderr = stderrTask.Result;
            if (process.ExitCode != 0)
            {
                throw new InvalidOperationException($"{fileName} {string.Join(' ', arguments)} failed ({process.ExitCode}): {stderr}");
            }

            return output.ToArray();
        }

        /// <summary>Runs a python3 script (given as text) in <paramref name="workingDirectory"/>; returns stdout.</summary>
        public static byte[] RunPython(string workingDirectory, string script)
        {
            var path = System.IO.Path.Combine(workingDirectory, "make_archive.py");
            File.WriteAllText(path, script);
            return Run("python3", workingDirectory, path);
        }

        public static Task<List<ReadEntry>> ReadAllAsync(byte[] archive, string sourceName = "test.tar") =>
            ReadAllAsync(new TarReader(new MemoryStream(archive), sourceName));

        public static async Task<List<ReadEntry>> ReadAllAsync(TarReader reader, int chunkSize = 65536)
        {
            var result = new List<ReadEntry>();
            using (reader)
            {
                var buffer = new byte[chunkSize];
                while (await reader.GetNextEntryAsync() is { } entry)
                {
                    using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
                    long length = 0;
                    int read;
                    while ((read = await entry.ReadDataAsync(buffer)) > 0)
                    {
                        hash.AppendData(buffer, 0, read);
                        length += read;
                        if (read < buffer.Length)
                        {
                            // The contract: a short read means the data has ended.
                            Xunit.Assert.Equal(0, await entry.ReadDataAsync(buffer));
                            break;
                        }
                    }

                    result.Add(new ReadEntry(
                        entry.DisplayPath,
                        entry.Type,
                        entry.Size,
                        entry.Mode,
                        entry.Uid,
                        entry.Gid,
                        entry.ModificationTime,
                        entry.LinkTarget == null ? null : Utf8(entry.LinkTarget),
                        entry.DeviceMajor,
                        entry.DeviceMinor,
                        entry.Xattrs,
                        entry.HeaderOffset,
                        Convert.ToHexString(hash.GetHashAndReset()).ToLowerInvariant(),
                        length));
                }
            }

            return result;
        }

        public static ReadEntry Single(IEnumerable<ReadEntry> entries, string path) => entries.Single(e => e.Path == path);
    }
}
