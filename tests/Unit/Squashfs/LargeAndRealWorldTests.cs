using System;
using System.IO;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using GolemImage.Compression;
using GolemImage.Gvmi;
using GolemImage.Squashfs;
using GolemImage.Tree;
using Xunit;
using Xunit.Abstractions;

namespace GolemImage.Tests.Squashfs
{
    [Trait(Requires.Key, Requires.SquashfsTools)]
    [Trait(Requires.Key, Requires.LinuxTools)]
    [Trait(Requires.Key, Requires.Root)]
    public sealed class LargeAndRealWorldTests
    {
        private static readonly bool Exhaustive = Environment.GetEnvironmentVariable("GOLEMIMAGE_EXHAUSTIVE") == "1";
        private readonly ITestOutputHelper _output;

        public LargeAndRealWorldTests(ITestOutputHelper output)
        {
            _output = output;
        }

        /// <summary>
        /// A file beyond 4 GiB (u32 sizes overflow: needs the extended inode) that is zeros except for its tail, so it
        /// costs almost nothing to store; a small file after it must still read back.
        /// </summary>
        [Fact]
        public async Task File_larger_than_4_GiB_uses_64_bit_fields()
        {
            using var work = new TempDirectory();
            const long size = (4L << 30) + (512L << 20) + 12345;
            byte[] marker = Encoding.ASCII.GetBytes("END-OF-THE-BIG-FILE");
            string image = work.Combine("big.gvmi");
            await GvmiImageWriter.WriteAsync(image, EveryEntryKindTree.SampleConfig(), async (writer, ct) =>
            {
                long produced = 0;
                await writer.AddAsync(new TreeEntry(Encoding.UTF8.GetBytes("big"), TreeEntryType.RegularFile) { Mode = 0x1A4, ModificationTime = 1 }, (buffer, _) =>
                {
                    int n = (int)Math.Min(buffer.Length, size - produced);
                    Span<byte> span = buffer.Span.Slice(0, n);
                    span.Clear();
                    long markerStart = size - marker.Length;
                    if (produced + n > markerStart)
                    {
                        int from = (int)Math.Max(0, markerStart - produced);
                        marker.AsSpan((int)(produced + from - markerStart)).CopyTo(span.Slice(from));
                    }

                    produced += n;
                    return new ValueTask<int>(n);
                }, ct);
                byte[] small = Encoding.ASCII.GetBytes("after the big one\n");
                bool done = false;
                await writer.AddAsync(new TreeEntry(Encoding.UTF8.GetBytes("small"), TreeEntryType.RegularFile) { Mode = 0x1A4 }, (buffer, _) =>
                {
                    if (done)
                    {
                        return new ValueTask<int>(0);
                    }

                    done = true;
                    small.CopyTo(buffer);
                    return new ValueTask<int>(small.Length);
                }, ct);
            }, new SquashfsWriterOptions { Compression = new CompressionSettings(CompressionAlgorithm.Lz4), WorkerCount = 2 }, null, CancellationToken.None);

            string inode = ExternalTool.RunChecked("rdsquashfs", "-s", "/big", image);
            Assert.Contains("extended file", inode);
            Assert.Contains($"File size: {size}", inode);
            Assert.Equal("after the big one\n", ExternalTool.RunChecked("unsquashfs", "-cat", image, "small"));
            string listing = ExternalTool.RunChecked("unsquashfs", "-lln", image);
            Assert.Contains($" {size} ", listing);

            using LoopMount? mount = LoopMount.TryMount(image, work.Combine("mnt"), _output);
            if (mount == null)
            {
                return;
            }

            Assert.Equal(size, new FileInfo(Path.Combine(mount.Path, "big")).Length);
            using FileStream big = File.OpenRead(Path.Combine(mount.Path, "big"));
            big.Position = size - 4096;
            byte[] tail = new byte[4096];
            big.ReadExactly(tail);
            Assert.Equal(marker, tail.AsSpan(4096 - marker.Length).ToArray());
            Assert.True(tail.AsSpan(0, 4096 - marker.Length).IndexOfAnyExcept((byte)0) < 0);
        }

        /// <summary>
        /// Data that starts beyond 4 GiB: a file's start block no longer fits the basic inode's u32 (extended inode
        /// with a 64-bit start), and the fragment and metadata tables behind it sit past 4 GiB too. The first file is
        /// incompressible and stored raw, so the image really is that large; what follows it must read back.
        /// </summary>
        [Fact]
        public async Task Data_beyond_4_GiB_reads_back()
        {
            using var work = new TempDirectory();
            const long bigSize = (4L << 30) + (3L << 20);
            string image = work.Combine("far.gvmi");
            byte[] after = Encoding.ASCII.GetBytes("stored beyond 4 GiB\n");
            byte[] tail = Encoding.ASCII.GetBytes("a fragment beyond 4 GiB\n");
            byte[] block = new byte[128 * 1024];
            for (int i = 0; i < block.Length; i++)
            {
                block[i] = (byte)(i % 251);
            }

            after.CopyTo(block, 0);
            await GvmiImageWriter.WriteAsync(image, EveryEntryKindTree.SampleConfig(), async (writer, ct) =>
            {
                long produced = 0;
                ulong state = 0x9E3779B97F4A7C15UL;
                await writer.AddAsync(new TreeEntry(Encoding.UTF8.GetBytes("noise"), TreeEntryType.RegularFile) { Mode = 0x1A4 }, (buffer, _) =>
                {
                    int n = (int)Math.Min(buffer.Length, bigSize - produced) & ~7;
                    Span<ulong> words = System.Runtime.InteropServices.MemoryMarshal.Cast<byte, ulong>(buffer.Span.Slice(0, n));
                    for (int i = 0; i < words.Length; i++)
                    {
                        state ^= state << 13;
                        state ^= state >> 7;
                        state ^= state << 17;
                        words[i] = state;
                    }

                    produced += n;
                    return new ValueTask<int>(n);
                }, ct);

                // A whole block (stored right after the noise) and a short file (in a fragment block after it).
                using var afterData = new MemoryStream(block);
                using var tailData = new MemoryStream(tail);
                await writer.AddAsync(new TreeEntry(Encoding.UTF8.GetBytes("after"), TreeEntryType.RegularFile) { Mode = 0x1A4 }, (buffer, _) => new ValueTask<int>(afterData.Read(buffer.Span)), ct);
                await writer.AddAsync(new TreeEntry(Encoding.UTF8.GetBytes("tail"), TreeEntryType.RegularFile) { Mode = 0x1A4 }, (buffer, _) => new ValueTask<int>(tailData.Read(buffer.Span)), ct);
            }, new SquashfsWriterOptions { Compression = new CompressionSettings(CompressionAlgorithm.Lz4, uncompressed: true), WorkerCount = 2 }, null, CancellationToken.None);

            Assert.True(new FileInfo(image).Length > bigSize);
            string inode = ExternalTool.RunChecked("rdsquashfs", "-s", "/after", image);
            _output.WriteLine(inode);
            Assert.Contains("extended file", inode);
            string expectedHash = Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(block)).ToLowerInvariant();
            string extractedHash = ExternalTool.RunChecked("/bin/sh", "-c", $"unsquashfs -cat '{image}' after | sha256sum");
            Assert.StartsWith(expectedHash, extractedHash, StringComparison.Ordinal);
            Assert.Equal("a fragment beyond 4 GiB\n", ExternalTool.RunChecked("unsquashfs", "-cat", image, "tail"));

            using LoopMount? mount = LoopMount.TryMount(image, work.Combine("mnt"), _output);
            if (mount == null)
            {
                return;
            }

            byte[] mounted = File.ReadAllBytes(Path.Combine(mount.Path, "after"));
            Assert.Equal(128 * 1024, mounted.Length);
            Assert.Equal(block, mounted);
            Assert.Equal(tail, File.ReadAllBytes(Path.Combine(mount.Path, "tail")));
        }

        /// <summary>
        /// A real-world tree: a slice of /usr/lib by default (all of /usr/lib with GOLEMIMAGE_EXHAUSTIVE=1), read back
        /// by unsquashfs and the kernel.
        /// </summary>
        [Fact]
        public async Task Slice_of_usr_reads_back_exactly()
        {
            using var work = new TempDirectory();
            string[] parts = Exhaustive ? new[] { "." } : new[] { "python3.11/email", "python3.11/json", "python3.11/asyncio", "python3.11/encodings", "os-release" };
            string source = Exhaustive ? "/usr/lib" : work.Combine("usr-lib");
            if (!Exhaustive)
            {
                // Copy the slice (preserving everything) so that the manifest covers exactly what the tar holds.
                ExternalTool.RunShell($"mkdir -p '{source}' && tar -C /usr/lib -cf - {string.Join(" ", parts)} | tar -C '{source}' -xpf -");
            }

            string tar = work.Combine("usr.tar");
            ExternalTool.RunShell($"tar --xattrs --xattrs-include='*' --numeric-owner -C '{source}' -cf '{tar}' .");
            string image = work.Combine("usr.gvmi");
            using (FileStream input = File.OpenRead(tar))
            {
                await GvmiImageWriter.WriteFromTarAsync(image, EveryEntryKindTree.SampleConfig(), input, tar,
                    new SquashfsWriterOptions { Compression = new CompressionSettings(Exhaustive ? CompressionAlgorithm.Lz4 : CompressionAlgorithm.Gzip), WorkerCount = 2 }, null, CancellationToken.None);
            }

            string expected = TreeManifest.OfDirectory(source);
            string extracted = work.Combine("x");
            ExternalTool.RunChecked("unsquashfs", "-no-progress", "-d", extracted, image);
            Assert.Equal(expected, TreeManifest.OfDirectory(extracted));

            using LoopMount? mount = LoopMount.TryMount(image, work.Combine("mnt"), _output);
            if (mount == null)
            {
                return;
            }

            Assert.Equal(expected, TreeManifest.OfDirectory(mount.Path));
        }
    }
}
