using System;
using System.Collections.Generic;
using System.Formats.Tar;
using System.IO;
using System.Linq;
using System.Text;
using System.Text.RegularExpressions;
using System.Threading;
using System.Threading.Tasks;
using GolemImage.Reporting;
using GolemImage.Squashfs;
using GolemImage.Tree;
using Xunit;
using Xunit.Abstractions;

namespace GolemImage.Tests.Squashfs
{
    /// <summary>
    /// Duplicate candidates are confirmed byte by byte. A test seam maps every XxHash128 to one value, so that every
    /// two files of the same size "collide": files that differ must still read back exactly (unsquashfs, sqfs2tar, the
    /// kernel) and be reported, while true duplicates are still stored once (same blocks and fragment in the inode).
    /// Small blocks (4 KiB) so that fragment blocks fill, and are flushed, after a few files.
    /// </summary>
    [Trait(Requires.Key, Requires.SquashfsTools)]
    [Trait(Requires.Key, Requires.LinuxTools)]
    [Trait(Requires.Key, Requires.Root)]
    public sealed class DuplicateVerificationTests
    {
        private const int BlockSize = 4096;

        private readonly ITestOutputHelper _output;

        public DuplicateVerificationTests(ITestOutputHelper output)
        {
            _output = output;
        }

        public static TheoryData<string> Compressors() => SquashfsReadBackTests.Compressors();

        /// <summary>
        /// The files in the order they are written, each with what the writer must find: a collision with the first
        /// file of its size ("collides"), a byte-exact duplicate of it ("duplicate-of:NAME"), or nothing (""). The
        /// comments give the fragment state that decides which code path a candidate takes.
        /// </summary>
        internal static List<(string Name, byte[] Content, string Expect)> Files()
        {
            byte[] B(int seed, int length) => Compressible(seed, length);
            byte[] Zeros(int length) => new byte[length];
            var files = new List<(string, byte[], string)>
            {
                // Full blocks only (no tail at all).
                ("blocks/original", B(1, 2 * BlockSize), string.Empty),
                ("blocks/collides", B(2, 2 * BlockSize), "collides"),
                ("blocks/duplicate", B(1, 2 * BlockSize), "duplicate-of:blocks/original"),

                // Tail only; the original's tail is still in the in-memory fragment 0.
                ("tail/original", B(3, 300), string.Empty),
                ("tail/collides-in-memory", B(4, 300), "collides"),
                ("tail/duplicate-in-memory", B(3, 300), "duplicate-of:tail/original"),

                // 600 + 4000 > 4096: fragment 0 (with tail/original) is flushed.
                ("filler/4000", B(100, 4000), string.Empty),
                ("tail/collides-flushed", B(5, 300), "collides"),
                ("tail/duplicate-flushed", B(3, 300), "duplicate-of:tail/original"),

                // Blocks and tail; 4000 + 500 > 4096 flushes fragment 1, so the original's tail opens fragment 2.
                ("mixed/original", Concat(B(6, 2 * BlockSize), B(7, 500)), string.Empty),
                ("mixed/tail-differs-in-memory", Concat(B(6, 2 * BlockSize), B(8, 500)), "collides"),
                ("mixed/blocks-differ-in-memory", Concat(B(9, 2 * BlockSize), B(7, 500)), "collides"),
                ("mixed/duplicate-in-memory", Concat(B(6, 2 * BlockSize), B(7, 500)), "duplicate-of:mixed/original"),

                // 1000 + 3500 > 4096 flushes fragment 2: the writer now reads the original's tail back.
                ("filler/3500", B(101, 3500), string.Empty),
                ("mixed/tail-differs-flushed", Concat(B(6, 2 * BlockSize), B(10, 500)), "collides"),
                ("mixed/both-differ-flushed", Concat(B(11, 2 * BlockSize), B(12, 500)), "collides"),
                ("mixed/blocks-differ-flushed", Concat(B(13, 2 * BlockSize), B(7, 500)), "collides"),
                ("mixed/duplicate-flushed", Concat(B(6, 2 * BlockSize), B(7, 500)), "duplicate-of:mixed/original"),

                // Sparse (all-zero) blocks: their size word is 0.
                ("sparse/original", Concat(Zeros(2 * BlockSize), B(14, BlockSize), B(15, 200)), string.Empty),
                ("sparse/collides", Concat(Zeros(BlockSize), B(14, BlockSize), Zeros(BlockSize), B(15, 200)), "collides"),
                ("sparse/duplicate", Concat(Zeros(2 * BlockSize), B(14, BlockSize), B(15, 200)), "duplicate-of:sparse/original"),
                ("sparse/all-zero", Zeros(3 * BlockSize), string.Empty),
                ("sparse/one-byte", OneByteSet(3 * BlockSize, 5000), "collides"),
                ("sparse/all-zero-duplicate", Zeros(3 * BlockSize), "duplicate-of:sparse/all-zero"),
            };
            return files;
        }

        [Theory]
        [MemberData(nameof(Compressors))]
        public async Task Colliding_files_read_back_exactly_and_true_duplicates_are_stored_once(string compressor)
        {
            var settings = SquashfsReadBackTests.Settings(compressor);
            if (settings == null)
            {
                _output.WriteLine($"Skipped: the {compressor} compressor is not in this build.");
                return;
            }

            using var work = new TempDirectory();
            string image = work.Combine("collide.sqfs");
            var files = Files();
            var reporter = new RecordingReporter();
            SquashfsWriteResult result = await WriteAsync(image, files, new SquashfsWriterOptions { Compression = settings, BlockSize = BlockSize, WorkerCount = 2, ContentHashForTests = AllCollide }, reporter);

            // What matters most first: every file, colliding or not, reads back with its own bytes.
            AssertReadsBackExactly(image, files, work, mount: compressor == "gzip");

            string[] colliding = files.Where(f => f.Expect == "collides").Select(f => f.Name).ToArray();
            Assert.Equal(colliding.Length, result.ContentHashCollisions);
            Assert.Equal(files.Count(f => f.Expect.StartsWith("duplicate-of:", StringComparison.Ordinal)), result.DuplicateFiles);
            string[] warned = reporter.Warnings
                .Select(w => Regex.Match(w, "^Content hash collision: '([^']+)' has the same size \\((\\d+) bytes\\)"))
                .Where(m => m.Success)
                .Select(m => m.Groups[1].Value)
                .ToArray();
            Assert.Equal(colliding.OrderBy(n => n, StringComparer.Ordinal), warned.OrderBy(n => n, StringComparer.Ordinal));

            // Duplicates point at their original's data: same start block, block list and fragment in the inode.
            foreach (var (name, _, expect) in files.Where(f => f.Expect.StartsWith("duplicate-of:", StringComparison.Ordinal)))
            {
                string original = expect.Substring("duplicate-of:".Length);
                Assert.Equal(DataLocation(image, original), DataLocation(image, name));
            }

            // Tails stored as a short last block clear the "always use fragments" flag.
            Assert.DoesNotContain("Always-use-fragments option is specified", ExternalTool.RunChecked("unsquashfs", "-s", image));
        }

        [Fact]
        public async Task Without_the_seam_the_same_files_give_the_same_duplicates_and_no_collision()
        {
            using var work = new TempDirectory();
            string image = work.Combine("real.sqfs");
            var files = Files();
            var reporter = new RecordingReporter();
            SquashfsWriteResult result = await WriteAsync(image, files, new SquashfsWriterOptions { Compression = SquashfsReadBackTests.Settings("gzip")!, BlockSize = BlockSize, WorkerCount = 2 }, reporter);

            Assert.Equal(0, result.ContentHashCollisions);
            Assert.Equal(files.Count(f => f.Expect.StartsWith("duplicate-of:", StringComparison.Ordinal)), result.DuplicateFiles);
            Assert.DoesNotContain(reporter.Warnings, w => w.Contains("collision", StringComparison.Ordinal));
            AssertReadsBackExactly(image, files, work, mount: false);
            Assert.Contains("Always-use-fragments option is specified", ExternalTool.RunChecked("unsquashfs", "-s", image));

            // Stored once: without deduplication the image holds every copy and is larger.
            string plain = work.Combine("plain.sqfs");
            SquashfsWriteResult undeduplicated = await WriteAsync(plain, files, new SquashfsWriterOptions { Compression = SquashfsReadBackTests.Settings("gzip")!, BlockSize = BlockSize, WorkerCount = 2, Deduplicate = false }, new RecordingReporter());
            Assert.Equal(0, undeduplicated.DuplicateFiles);
            Assert.True(result.BytesUsed < undeduplicated.BytesUsed, $"deduplicated {result.BytesUsed} bytes, not smaller than {undeduplicated.BytesUsed}");
        }

        [Theory]
        [InlineData("gzip")]
        [InlineData("uncompressed")]
        public async Task One_and_two_workers_write_identical_bytes_with_collisions(string compressor)
        {
            using var work = new TempDirectory();
            var files = Files();
            string one = work.Combine("one.sqfs");
            string two = work.Combine("two.sqfs");
            var settings = SquashfsReadBackTests.Settings(compressor)!;
            await WriteAsync(one, files, new SquashfsWriterOptions { Compression = settings, BlockSize = BlockSize, WorkerCount = 1, ContentHashForTests = AllCollide }, new RecordingReporter());
            await WriteAsync(two, files, new SquashfsWriterOptions { Compression = settings, BlockSize = BlockSize, WorkerCount = 2, BlocksInFlightPerWorker = 1, ContentHashForTests = AllCollide }, new RecordingReporter());
            Assert.True(File.ReadAllBytes(one).AsSpan().SequenceEqual(File.ReadAllBytes(two)), "1 and 2 workers gave different images");
        }

        /// <summary>
        /// Stored raw, two colliding files have identical block size words and differ only in their last block, past
        /// the first 1 MiB chunk the writer compares; a third file is a true copy.
        /// </summary>
        [Fact]
        public async Task A_difference_in_the_last_block_of_a_large_file_is_found()
        {
            using var work = new TempDirectory();
            byte[] original = Compressible(42, (640 * BlockSize) + 100);
            byte[] lastBlockDiffers = (byte[])original.Clone();
            lastBlockDiffers[(639 * BlockSize) + 7] ^= 1;
            var files = new List<(string Name, byte[] Content, string Expect)>
            {
                ("large/original", original, string.Empty),
                ("large/last-block-differs", lastBlockDiffers, "collides"),
                ("large/duplicate", (byte[])original.Clone(), "duplicate-of:large/original"),
            };
            string image = work.Combine("large.sqfs");
            var options = new SquashfsWriterOptions { Compression = SquashfsReadBackTests.Settings("uncompressed")!, BlockSize = BlockSize, WorkerCount = 2, ContentHashForTests = AllCollide };
            SquashfsWriteResult result = await WriteAsync(image, files, options, new RecordingReporter());

            AssertReadsBackExactly(image, files, work, mount: false);
            Assert.Equal(1, result.ContentHashCollisions);
            Assert.Equal(1, result.DuplicateFiles);
            Assert.Equal(DataLocation(image, "large/original"), DataLocation(image, "large/duplicate"));
            Assert.NotEqual(DataLocation(image, "large/original"), DataLocation(image, "large/last-block-differs"));
        }

        /// <summary>
        /// Random sequences of files built from shared pieces (zero, common and distinct blocks; two tails), so that
        /// same-size files collide in every combination and at every fragment fill. With all hashes equal, a file is a
        /// duplicate exactly when its bytes equal the first file of its size, else a collision. More seeds with
        /// GOLEMIMAGE_EXHAUSTIVE=1.
        /// </summary>
        [Fact]
        public async Task Random_collision_mixes_read_back_exactly_and_do_not_depend_on_workers()
        {
            int seeds = Environment.GetEnvironmentVariable("GOLEMIMAGE_EXHAUSTIVE") == "1" ? 150 : 8;
            for (int seed = 1; seed <= seeds; seed++)
            {
                using var work = new TempDirectory();
                var random = new Random(seed);
                int[] sizes = { 1, 300, 2500, BlockSize, BlockSize + 300, 3 * BlockSize, (3 * BlockSize) + 2500 };
                var files = new List<(string Name, byte[] Content, string Expect)>();
                var firstOfSize = new Dictionary<int, byte[]>();
                int count = random.Next(10, 60);
                for (int i = 0; i < count; i++)
                {
                    // An exact copy of an earlier file, a copy with one piece changed, or new pieces.
                    int shape = random.Next(10);
                    byte[] content;
                    if (shape < 5 && files.Count > 0)
                    {
                        content = (byte[])files[random.Next(files.Count)].Content.Clone();
                        if (shape >= 3)
                        {
                            int piece = random.Next((content.Length + BlockSize - 1) / BlockSize);
                            FillPiece(content, piece * BlockSize, random.Next(4), seed, i);
                        }
                    }
                    else
                    {
                        content = new byte[sizes[random.Next(sizes.Length)]];
                        for (int offset = 0; offset < content.Length; offset += BlockSize)
                        {
                            FillPiece(content, offset, random.Next(4), seed, i);
                        }
                    }

                    int size = content.Length;

                    string expect = string.Empty;
                    if (firstOfSize.TryGetValue(size, out byte[]? first))
                    {
                        expect = first.AsSpan().SequenceEqual(content) ? "duplicate" : "collides";
                    }
                    else
                    {
                        firstOfSize.Add(size, content);
                    }

                    files.Add(($"f{i:D2}", content, expect));
                }

                string one = work.Combine("one.sqfs");
                string two = work.Combine("two.sqfs");
                var settings = SquashfsReadBackTests.Settings(seed % 2 == 0 ? "gzip" : "lz4")!;
                SquashfsWriteResult result = await WriteAsync(one, files, new SquashfsWriterOptions { Compression = settings, BlockSize = BlockSize, WorkerCount = 1, ContentHashForTests = AllCollide }, new RecordingReporter());
                await WriteAsync(two, files, new SquashfsWriterOptions { Compression = settings, BlockSize = BlockSize, WorkerCount = 2, BlocksInFlightPerWorker = 1, ContentHashForTests = AllCollide }, new RecordingReporter());

                AssertReadsBackExactly(one, files, work, mount: false);
                _output.WriteLine($"seed {seed}: {files.Count} files, {result.DuplicateFiles} duplicates, {result.ContentHashCollisions} collisions");
                Assert.Equal(files.Count(f => f.Expect == "duplicate"), result.DuplicateFiles);
                Assert.Equal(files.Count(f => f.Expect == "collides"), result.ContentHashCollisions);
                Assert.True(File.ReadAllBytes(one).AsSpan().SequenceEqual(File.ReadAllBytes(two)), $"seed {seed}: 1 and 2 workers gave different images");
            }
        }

        /// <summary>
        /// Files whose full blocks equal an earlier file's but whose tails differ (or that have none) share the earlier
        /// blocks and keep their own tails; one whose blocks differ does not. One tail flushes a fragment block, which
        /// must land after the blocks the check takes back.
        /// </summary>
        [Theory]
        [InlineData("gzip")]
        [InlineData("lz4")]
        [InlineData("uncompressed")]
        public async Task Files_with_the_same_blocks_and_other_tails_share_the_blocks(string compressor)
        {
            using var work = new TempDirectory();
            byte[] blocks = Compressible(20, 3 * BlockSize);
            var files = new List<(string Name, byte[] Content, string Expect)>
            {
                ("run/original", Concat(blocks, Compressible(21, 700)), string.Empty),
                ("run/other-tail", Concat(blocks, Compressible(22, 900)), "shares:run/original"),
                ("run/no-tail", (byte[])blocks.Clone(), "shares:run/original"),
                ("run/one-block-differs", Concat(Compressible(20, 2 * BlockSize), Compressible(23, BlockSize), Compressible(21, 700)), string.Empty),
                ("filler/1500", Compressible(102, 1500), string.Empty),
                // 700 + 900 + 700 + 1500 + 1000 > 4096: this tail flushes fragment 0 right after the shared-blocks check.
                ("run/tail-flushes-fragment", Concat(blocks, Compressible(24, 1000)), "shares:run/original"),
            };
            var settings = SquashfsReadBackTests.Settings(compressor)!;
            string image = work.Combine("runs.sqfs");
            var reporter = new RecordingReporter();
            SquashfsWriteResult result = await WriteAsync(image, files, new SquashfsWriterOptions { Compression = settings, BlockSize = BlockSize, WorkerCount = 2 }, reporter);

            AssertReadsBackExactly(image, files, work, mount: compressor == "gzip");
            Assert.Equal(3, result.SharedBlockRuns);
            Assert.Equal(0, result.DuplicateFiles);
            Assert.Empty(reporter.Warnings);
            foreach (var (name, _, expect) in files.Where(f => f.Expect.StartsWith("shares:", StringComparison.Ordinal)))
            {
                Assert.Equal(BlockLocation(image, expect.Substring("shares:".Length)), BlockLocation(image, name));
            }

            Assert.NotEqual(BlockLocation(image, "run/original"), BlockLocation(image, "run/one-block-differs"));

            // Three runs of three blocks stored once: without deduplication the image is larger by about that much.
            string plain = work.Combine("plain.sqfs");
            SquashfsWriteResult undeduplicated = await WriteAsync(plain, files, new SquashfsWriterOptions { Compression = settings, BlockSize = BlockSize, WorkerCount = 2, Deduplicate = false }, new RecordingReporter());
            Assert.True(undeduplicated.BytesUsed - result.BytesUsed >= 3 * StoredLength(blocks, settings) - 64, $"{result.BytesUsed} bytes with shared runs, {undeduplicated.BytesUsed} without");

            string one = work.Combine("one.sqfs");
            await WriteAsync(one, files, new SquashfsWriterOptions { Compression = settings, BlockSize = BlockSize, WorkerCount = 1, BlocksInFlightPerWorker = 1 }, new RecordingReporter());
            Assert.True(File.ReadAllBytes(one).AsSpan().SequenceEqual(File.ReadAllBytes(image)), "1 and 2 workers gave different images");
        }

        /// <summary>With every hash equal, files with as many full blocks but other bytes are checked and keep their own.</summary>
        [Fact]
        public async Task Blocks_that_only_hash_alike_are_not_shared()
        {
            using var work = new TempDirectory();
            var files = new List<(string Name, byte[] Content, string Expect)>
            {
                ("alike/first", Concat(Compressible(30, 2 * BlockSize), Compressible(31, 100)), string.Empty),
                ("alike/second", Concat(Compressible(32, 2 * BlockSize), Compressible(33, 200)), string.Empty),
                ("alike/third", Compressible(34, 2 * BlockSize), string.Empty),
            };
            string image = work.Combine("alike.sqfs");
            var reporter = new RecordingReporter();
            SquashfsWriteResult result = await WriteAsync(image, files, new SquashfsWriterOptions { Compression = SquashfsReadBackTests.Settings("lz4")!, BlockSize = BlockSize, WorkerCount = 2, ContentHashForTests = AllCollide }, reporter);

            AssertReadsBackExactly(image, files, work, mount: false);
            Assert.Equal(0, result.SharedBlockRuns);
            Assert.Equal(0, result.ContentHashCollisions);
            Assert.Empty(reporter.Warnings);
            Assert.NotEqual(BlockLocation(image, "alike/first"), BlockLocation(image, "alike/second"));
            Assert.NotEqual(BlockLocation(image, "alike/first"), BlockLocation(image, "alike/third"));
        }

        private static long StoredLength(byte[] blocks, GolemImage.Compression.CompressionSettings settings)
        {
            GolemImage.Compression.IBlockCompressor compressor = settings.CreateCompressor();
            long total = 0;
            var output = new byte[BlockSize];
            for (int offset = 0; offset < blocks.Length; offset += BlockSize)
            {
                int length = compressor.Compress(blocks.AsSpan(offset, BlockSize), output);
                total += length > 0 && length < BlockSize ? length : BlockSize;
            }

            return total;
        }

        /// <summary>One block (or the tail) of a random file: 0 zeros, 1 and 2 pieces many files share, 3 the file's own.</summary>
        private static void FillPiece(byte[] content, int offset, int kind, int seed, int file)
        {
            int length = Math.Min(BlockSize, content.Length - offset);
            byte[] piece = kind == 0 ? new byte[length] : Compressible(kind == 3 ? (seed * 1000) + (file * 10) + 3 : (offset * 7) + kind + (length == BlockSize ? 0 : 500), length);
            Buffer.BlockCopy(piece, 0, content, offset, length);
        }

        [Fact]
        public void A_write_only_output_is_refused_when_deduplicating()
        {
            using var work = new TempDirectory();
            using var output = new FileStream(work.Combine("w.sqfs"), FileMode.CreateNew, FileAccess.Write);
            ArgumentException error = Assert.Throws<ArgumentException>(() => new SquashfsWriter(output, new SquashfsWriterOptions()));
            Assert.Contains("readable", error.Message, StringComparison.Ordinal);
            using var writer = new SquashfsWriter(output, new SquashfsWriterOptions { Deduplicate = false });
        }

        private static byte[] AllCollide(byte[] digest) => new byte[16];

        private static async Task<SquashfsWriteResult> WriteAsync(string image, List<(string Name, byte[] Content, string Expect)> files, SquashfsWriterOptions options, IEngineReporter reporter)
        {
            options.MkfsTime = 1700000000;
            options.DefaultModificationTime = 1700000000;
            using var output = new FileStream(image, FileMode.CreateNew, FileAccess.ReadWrite);
            using var writer = new SquashfsWriter(output, options, reporter);
            foreach (var (name, content, _) in files)
            {
                var entry = new TreeEntry(Encoding.UTF8.GetBytes(name), TreeEntryType.RegularFile) { Mode = 0x1A4, ModificationTime = 1700000000 };
                var data = new MemoryStream(content, false);
                await writer.AddAsync(entry, (buffer, _) => new ValueTask<int>(data.Read(buffer.Span)), CancellationToken.None);
            }

            return await writer.FinishAsync(CancellationToken.None);
        }

        private void AssertReadsBackExactly(string image, List<(string Name, byte[] Content, string Expect)> files, TempDirectory work, bool mount)
        {
            string extracted = work.Combine("extracted-" + Path.GetFileNameWithoutExtension(image));
            ExternalTool.RunChecked("unsquashfs", "-no-progress", "-d", extracted, image);
            foreach (var (name, content, _) in files)
            {
                AssertSameContent(content, File.ReadAllBytes(Path.Combine(extracted, name)), "unsquashfs", name);
            }

            string tar = work.Combine(Path.GetFileNameWithoutExtension(image) + ".tar");
            ExternalTool.RunShell($"sqfs2tar '{image}' > '{tar}'");
            var seen = new Dictionary<string, byte[]>(StringComparer.Ordinal);
            using (var reader = new TarReader(File.OpenRead(tar)))
            {
                TarEntry? entry;
                while ((entry = reader.GetNextEntry()) != null)
                {
                    if (entry.EntryType == TarEntryType.RegularFile || entry.EntryType == TarEntryType.V7RegularFile)
                    {
                        using var copy = new MemoryStream();
                        entry.DataStream?.CopyTo(copy);
                        seen[entry.Name.TrimStart('.', '/')] = copy.ToArray();
                    }
                }
            }

            foreach (var (name, content, _) in files)
            {
                Assert.True(seen.TryGetValue(name, out byte[]? actual), $"sqfs2tar did not list {name}");
                AssertSameContent(content, actual!, "sqfs2tar", name);
            }

            if (!mount)
            {
                return;
            }

            using LoopMount? mounted = LoopMount.TryMount(image, work.Combine("mnt"), _output);
            if (mounted != null)
            {
                foreach (var (name, content, _) in files)
                {
                    AssertSameContent(content, File.ReadAllBytes(Path.Combine(mounted.Path, name)), "kernel", name);
                }
            }
        }

        private static void AssertSameContent(byte[] expected, byte[] actual, string reader, string name)
        {
            Assert.True(expected.AsSpan().SequenceEqual(actual), $"{reader} read {actual.Length} bytes of {name} that differ from the {expected.Length} written");
        }

        /// <summary>rdsquashfs's view of where a file's data lives (start block, block sizes, fragment), without its name.</summary>
        /// <summary>Where a file's full blocks are (start and size words), leaving out its fragment.</summary>
        private static string BlockLocation(string image, string name) => StatLines(image, name, "^(Blocks start|Block count|\\s*Block #)");

        private static string DataLocation(string image, string name) =>
            StatLines(image, name, "^(Blocks start|Block count|Fragment index|Fragment offset|File size|\\s*Block #|Sparse)");

        /// <summary>The lines of rdsquashfs's inode dump of <paramref name="name"/> that match <paramref name="pattern"/>.</summary>
        private static string StatLines(string image, string name, string pattern)
        {
            string stat = ExternalTool.RunChecked("rdsquashfs", "-s", "/" + name, image);
            string[] lines = stat.Split('\n').Where(l => Regex.IsMatch(l, pattern, RegexOptions.IgnoreCase)).ToArray();
            Assert.Contains(lines, l => l.StartsWith("Blocks start", StringComparison.OrdinalIgnoreCase));
            return string.Join("\n", lines);
        }

        /// <summary>Compressible but seed-specific bytes, so the compressed and fragment-decompression paths run.</summary>
        private static byte[] Compressible(int seed, int length)
        {
            var random = new Random(seed);
            var bytes = new byte[length];
            for (int i = 0; i < length; i++)
            {
                bytes[i] = (byte)"abcd"[random.Next(4)];
            }

            return bytes;
        }

        private static byte[] OneByteSet(int length, int position)
        {
            var bytes = new byte[length];
            bytes[position] = 1;
            return bytes;
        }

        private static byte[] Concat(params byte[][] parts)
        {
            var all = new byte[parts.Sum(p => p.Length)];
            int offset = 0;
            foreach (byte[] part in parts)
            {
                Buffer.BlockCopy(part, 0, all, offset, part.Length);
                offset += part.Length;
            }

            return all;
        }
    }
}
