using System;
using System.IO;
using System.IO.Compression;
using System.Threading.Tasks;
using GolemImage.Compression;
using GolemImage.Gvmi;
using GolemImage.Squashfs;
using Xunit;
using Xunit.Abstractions;

namespace GolemImage.Tests.Squashfs
{
    /// <summary>
    /// Every entry kind, through the real tar reader and the writer, read back by three independent readers
    /// (unsquashfs, sqfs2tar, the kernel) for every compressor.
    /// </summary>
    [Trait(Requires.Key, Requires.SquashfsTools)]
    [Trait(Requires.Key, Requires.LinuxTools)]
    [Trait(Requires.Key, Requires.Root)]
    public sealed class SquashfsReadBackTests : IClassFixture<EveryEntryKindTree>
    {
        private readonly EveryEntryKindTree _tree;
        private readonly ITestOutputHelper _output;

        public SquashfsReadBackTests(EveryEntryKindTree tree, ITestOutputHelper output)
        {
            _tree = tree;
            _output = output;
        }

        public static TheoryData<string> Compressors() => new TheoryData<string> { "gzip", "lz4", "zstd", "uncompressed", "lzo", "xz-fastest", "xz", "xz-smallest" };

        internal static CompressionSettings? Settings(string name)
        {
            CompressionSettings settings = name switch
            {
                "gzip" => new CompressionSettings(CompressionAlgorithm.Gzip),
                "lz4" => new CompressionSettings(CompressionAlgorithm.Lz4),
                "zstd" => new CompressionSettings(CompressionAlgorithm.Zstd, CompressionLevel.Fastest),
                "lzo" => new CompressionSettings(CompressionAlgorithm.Lzo),
                "xz-fastest" => new CompressionSettings(CompressionAlgorithm.Xz, CompressionLevel.Fastest),
                "xz" => new CompressionSettings(CompressionAlgorithm.Xz),
                "xz-smallest" => new CompressionSettings(CompressionAlgorithm.Xz, CompressionSettings.SmallestSize),
                _ => new CompressionSettings(CompressionAlgorithm.Gzip, CompressionLevel.Optimal, uncompressed: true),
            };
            try
            {
                settings.CreateCompressor();
                return settings;
            }
            catch (NotSupportedException)
            {
                return null;
            }
        }

        [Theory]
        [MemberData(nameof(Compressors))]
        public async Task Every_reader_sees_every_entry_exactly(string compressor)
        {
            CompressionSettings? settings = Settings(compressor);
            if (settings == null)
            {
                _output.WriteLine($"Skipped: the {compressor} compressor is not in this build yet.");
                return;
            }

            using var work = new TempDirectory();
            string image = work.Combine("tree.gvmi");
            GvmiWriteResult result = await _tree.WriteImageAsync(_tree.TarPath, image, new SquashfsWriterOptions { Compression = settings, WorkerCount = 2 });

            Assert.Equal(new FileInfo(image).Length, result.FileSize);
            Assert.Equal(0, result.SquashfsSize % 4096);
            using (FileStream gvmi = File.OpenRead(image))
            {
                GvmiTrailerInfo trailer = GvmiTrailer.Read(gvmi);
                Assert.Equal(EveryEntryKindTree.SampleConfig().ToJson(), trailer.Config.ToJson());
            }

            string superblock = ExternalTool.RunChecked("unsquashfs", "-s", image);
            Assert.Contains("Compression " + (compressor == "uncompressed" ? "gzip" : settings.Descriptor.Name), superblock);
            if (compressor == "xz-smallest")
            {
                // The options block unsquashfs reads: data blocks may use the x86 BCJ filter, in a 128 KiB dictionary.
                Assert.Contains("Dictionary size 131072", superblock);
                Assert.Matches(@"Filters selected:\s*x86", superblock);
            }

            _output.WriteLine(superblock);

            // 1. unsquashfs: listing with numeric ids, then a full extract (as root: owners, devices, xattrs).
            string listing = work.Combine("listing.txt");
            ExternalTool.RunShell($"TZ=UTC unsquashfs -lln '{image}' > '{listing}'");
            AssertSameLines(_tree.ExpectedListing, TreeManifest.OfListing(listing), "unsquashfs -lln");

            string extracted = work.Combine("extracted");
            ExternalTool.RunChecked("unsquashfs", "-no-progress", "-d", extracted, image);
            AssertSameLines(_tree.ExpectedManifest, TreeManifest.OfDirectory(extracted), "unsquashfs extract");

            // 2. squashfs-tools-ng: sqfs2tar, compared as a tar (hard links as tar links, xattrs as PAX records).
            string tar = work.Combine("back.tar");
            ExternalTool.RunShell($"sqfs2tar '{image}' > '{tar}'");
            AssertSameLines(_tree.ExpectedManifest, TreeManifest.OfTar(tar), "sqfs2tar");

            // 3. The kernel.
            using LoopMount? mount = LoopMount.TryMount(image, work.Combine("mnt"), _output);
            if (mount == null)
            {
                return;
            }

            AssertSameLines(_tree.ExpectedManifest, TreeManifest.OfDirectory(mount.Path), "kernel mount");
        }

        [Theory]
        [InlineData("gzip")]
        [InlineData("lz4")]
        [InlineData("xz-fastest")]
        [InlineData("xz-smallest")]
        public async Task One_and_two_workers_write_identical_bytes(string compressor)
        {
            using var work = new TempDirectory();
            CompressionSettings settings = Settings(compressor)!;
            await _tree.WriteImageAsync(_tree.TarPath, work.Combine("one.gvmi"), new SquashfsWriterOptions { Compression = settings, WorkerCount = 1 });
            await _tree.WriteImageAsync(_tree.TarPath, work.Combine("two.gvmi"), new SquashfsWriterOptions { Compression = settings, WorkerCount = 2, BlocksInFlightPerWorker = 1 });
            Assert.True(File.ReadAllBytes(work.Combine("one.gvmi")).AsSpan().SequenceEqual(File.ReadAllBytes(work.Combine("two.gvmi"))), "1 and 2 workers gave different images");
        }

        [Fact]
        public async Task Image_uses_the_strict_kernel_layout()
        {
            using var work = new TempDirectory();
            string image = work.Combine("tree.gvmi");
            await _tree.WriteImageAsync(_tree.TarPath, image, new SquashfsWriterOptions { Compression = Settings("gzip")!, WorkerCount = 2 });

            // rdsquashfs shows what the listings cannot: nlink of hard links, extended inodes, sparse accounting.
            string hardLink = ExternalTool.RunChecked("rdsquashfs", "-s", "/dir1/hardlinked", image);
            Assert.Matches(@"Hard link count:\s*3", hardLink);
            Assert.Contains("extended file", hardLink);
            Assert.Matches(@"Inode type: extended dir", ExternalTool.RunChecked("rdsquashfs", "-s", "/big-listing", image));
            Assert.Matches(@"Inode type: extended dir", ExternalTool.RunChecked("rdsquashfs", "-s", "/many", image));
            string sparse = ExternalTool.RunChecked("rdsquashfs", "-s", "/sparse", image);
            Assert.Matches(@"Sparse:\s*[1-9]", sparse);
            string superblock = ExternalTool.RunChecked("unsquashfs", "-s", image);
            Assert.Contains("Duplicates are removed", superblock);
            Assert.Contains("not exportable", superblock);

            // Duplicate files share their blocks: the image is smaller than the content of both 3 MiB copies.
            Assert.True(new FileInfo(image).Length < 2 * 3145728, "copy-of-rand3m was not deduplicated");
        }

        private void AssertSameLines(string expected, string actual, string reader)
        {
            if (expected == actual)
            {
                return;
            }

            string[] e = expected.Split('\n');
            string[] a = actual.Split('\n');
            var missing = new System.Collections.Generic.List<string>();
            var extra = new System.Collections.Generic.List<string>();
            var actualSet = new System.Collections.Generic.HashSet<string>(a);
            var expectedSet = new System.Collections.Generic.HashSet<string>(e);
            foreach (string line in e)
            {
                if (!actualSet.Contains(line))
                {
                    missing.Add(line);
                }
            }

            foreach (string line in a)
            {
                if (!expectedSet.Contains(line))
                {
                    extra.Add(line);
                }
            }

            Assert.Fail($"{reader} disagrees with the source tree.\nExpected but not seen:\n  {string.Join("\n  ", missing)}\nSeen but not expected:\n  {string.Join("\n  ", extra)}");
        }
    }
}
