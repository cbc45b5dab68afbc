using System;
using System.IO;
using System.Threading;
using System.Threading.Tasks;
using GolemImage.Compression;
using GolemImage.Gvmi;
using GolemImage.Squashfs;
using GolemImage.Tar;
using Xunit;

namespace GolemImage.Tests.Squashfs
{
    /// <summary>Bad input and cancellation: a clear error, no partial output, an existing target untouched.</summary>
    [Trait(Requires.Key, Requires.LinuxTools)]
    [Trait(Requires.Key, Requires.Root)]
    public sealed class GvmiImageWriterTests : IClassFixture<EveryEntryKindTree>
    {
        private static readonly byte[] ExistingContent = { 1, 2, 3, 4 };
        private readonly EveryEntryKindTree _tree;

        public GvmiImageWriterTests(EveryEntryKindTree tree)
        {
            _tree = tree;
        }

        [Fact]
        public async Task Truncated_tar_names_the_entry_and_offset_and_leaves_nothing_behind()
        {
            using var work = new TempDirectory();
            byte[] tar = File.ReadAllBytes(_tree.TarPath);
            string truncated = work.Combine("truncated.tar");
            File.WriteAllBytes(truncated, tar.AsSpan(0, tar.Length / 2).ToArray());

            GolemImageException error = await AssertFailsWithoutOutputAsync(work, truncated);
            Assert.Equal("InvalidTar", error.ErrorId);
            Assert.Contains("truncated.tar", error.Message);
            Assert.Contains("offset", error.Message);
            Assert.IsType<InvalidTarException>(error);
            Assert.False(string.IsNullOrEmpty(((InvalidTarException)error).EntryName));
        }

        [Fact]
        public async Task Bad_header_checksum_is_refused_without_output()
        {
            using var work = new TempDirectory();
            byte[] tar = File.ReadAllBytes(_tree.TarPath);
            // Corrupt the name field of the first header: its checksum no longer matches.
            tar[10] ^= 0x55;
            string corrupt = work.Combine("corrupt.tar");
            File.WriteAllBytes(corrupt, tar);

            GolemImageException error = await AssertFailsWithoutOutputAsync(work, corrupt);
            Assert.Equal("InvalidTar", error.ErrorId);
            Assert.Contains("offset 0", error.Message);
        }

        [Fact]
        public async Task Hard_link_to_a_missing_file_names_both_paths()
        {
            using var work = new TempDirectory();
            ExternalTool.RunShell("""
                python3 - <<'PY'
                import tarfile, io
                with tarfile.open('links.tar', 'w', format=tarfile.PAX_FORMAT) as t:
                    data = b'content'
                    info = tarfile.TarInfo('dir/real'); info.size = len(data); t.addfile(info, io.BytesIO(data))
                    link = tarfile.TarInfo('dir/link'); link.type = tarfile.LNKTYPE; link.linkname = 'dir/gone'; t.addfile(link)
                PY
                """, work.Path);

            GolemImageException error = await AssertFailsWithoutOutputAsync(work, work.Combine("links.tar"));
            Assert.Equal("HardLinkTargetMissing", error.ErrorId);
            Assert.Contains("dir/link", error.Message);
            Assert.Contains("dir/gone", error.Message);
        }

        [Fact]
        public async Task Cancellation_leaves_nothing_behind()
        {
            using var work = new TempDirectory();
            string target = work.Combine("image.gvmi");
            File.WriteAllBytes(target, ExistingContent);
            using var cancel = new CancellationTokenSource();
            using FileStream tar = File.OpenRead(_tree.TarPath);
            var options = new SquashfsWriterOptions { Compression = new CompressionSettings(CompressionAlgorithm.Gzip), WorkerCount = 2 };
            Task<GvmiWriteResult> write = GvmiImageWriter.WriteAsync(target, EveryEntryKindTree.SampleConfig(), async (writer, ct) =>
            {
                await GvmiImageWriter.AddTarAsync(writer, new TarReader(tar, "tree.tar", null, leaveOpen: true), CancellationToken.None);
                cancel.Cancel();
                ct.ThrowIfCancellationRequested();
            }, options, null, cancel.Token);

            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => write);
            Assert.Equal(ExistingContent, File.ReadAllBytes(target));
            Assert.Single(Directory.GetFileSystemEntries(work.Path));
        }

        [Fact]
        public async Task Existing_target_is_replaced_only_by_a_complete_image()
        {
            using var work = new TempDirectory();
            string target = work.Combine("image.gvmi");
            File.WriteAllBytes(target, ExistingContent);
            GvmiWriteResult result = await _tree.WriteImageAsync(_tree.TarPath, target, new SquashfsWriterOptions { Compression = new CompressionSettings(CompressionAlgorithm.Lz4) });
            Assert.Equal(result.FileSize, new FileInfo(target).Length);
            Assert.Single(Directory.GetFileSystemEntries(work.Path));
            using FileStream image = File.OpenRead(target);
            Assert.Equal(result.SquashfsSize, GvmiTrailer.Read(image).Offset);
        }

        private static async Task<GolemImageException> AssertFailsWithoutOutputAsync(TempDirectory work, string tarPath)
        {
            string target = work.Combine("image.gvmi");
            File.WriteAllBytes(target, ExistingContent);
            string[] before = Directory.GetFileSystemEntries(work.Path);
            GolemImageException error;
            using (FileStream tar = File.OpenRead(tarPath))
            {
                error = await Assert.ThrowsAnyAsync<GolemImageException>(() => GvmiImageWriter.WriteFromTarAsync(
                    target, EveryEntryKindTree.SampleConfig(), tar, tarPath, new SquashfsWriterOptions { WorkerCount = 2 }, null, CancellationToken.None));
            }

            Assert.Equal(ExistingContent, File.ReadAllBytes(target));
            Assert.Equal(before, Directory.GetFileSystemEntries(work.Path));
            return error;
        }
    }
}
