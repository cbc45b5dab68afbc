using System;
using System.Diagnostics;
using System.IO;
using System.Threading;
using System.Threading.Tasks;
using GolemImage.Compression;
using GolemImage.Gvmi;
using GolemImage.Squashfs;
using GolemImage.Squashfs.Reading;
using Xunit;

namespace GolemImage.Tests.Gvmi
{
    /// <summary>
    /// Test-GolemImage's walks are as long as the file says; Ctrl+C (the cmdlet's token) stops them within a second or
    /// two, however long the file claims to be.
    /// </summary>
    [Trait(Requires.Key, Requires.SquashfsTools)]
    public class ValidatorCancellationTests
    {
        [Fact]
        public async Task The_padding_walk_over_64_GiB_of_a_sparse_file_stops_soon_after_cancellation()
        {
            using (MksquashfsImage image = MksquashfsImage.Create(false))
            {
                // The filesystem, 64 GiB of holes, the trailer: every byte of the gap is read as padding.
                string path = Path.Combine(image.Directory, "sparse.gvmi");
                using (var file = new FileStream(path, FileMode.Create, FileAccess.Write))
                {
                    file.Write(image.Squashfs, 0, image.Squashfs.Length);
                    file.SetLength(64L << 30);
                    file.Seek(0, SeekOrigin.End);
                    GvmiTrailer.Write(file, new ContainerConfig { Cmd = new[] { "/bin/sh" } });
                }

                using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(500));
                var clock = Stopwatch.StartNew();
                Task<System.Collections.Generic.IReadOnlyList<ValidationFinding>> validate = Task.Run(() => ImageValidator.ValidateFile(path, cancel.Token));
                Task first = await Task.WhenAny(validate, Task.Delay(TimeSpan.FromSeconds(30)));
                Assert.True(first == validate, "the padding walk did not stop within 30 s of starting");
                await Assert.ThrowsAnyAsync<OperationCanceledException>(() => validate);
                Assert.True(clock.Elapsed < TimeSpan.FromSeconds(2.5), $"cancelled after 0.5 s, stopped after {clock.Elapsed}");
            }
        }

        [Fact]
        public void The_directory_walk_behind_the_volume_check_honours_cancellation()
        {
            using (MksquashfsImage image = MksquashfsImage.Create(false, "-comp", "lzo"))
            using (var stream = new MemoryStream(image.Squashfs))
            {
                SquashfsSuperblock superblock = SquashfsSuperblock.Parse(image.Squashfs);
                IBlockDecompressor decompressor = superblock.Compressor!.TryCreateDecompressor(null, (int)superblock.BlockSize)!;
                var walker = new SquashfsDirectoryReader(stream, superblock, decompressor, CancellationToken.None);
                Assert.Equal(5 - 1, walker.CountDescendants(walker.FindDirectory(string.Empty)!, out _));

                using var cancel = new CancellationTokenSource();
                cancel.Cancel();
                var cancelled = new SquashfsDirectoryReader(stream, superblock, decompressor, cancel.Token);
                Assert.Throws<OperationCanceledException>(() => cancelled.FindDirectory("d"));
            }
        }
    }
}
