using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using GolemImage.Reporting;
using GolemImage.Squashfs;
using GolemImage.Tree;
using Xunit;

namespace GolemImage.Tests.Squashfs
{
    /// <summary>
    /// The duplicate checks read blocks back from the output while writing it. To a FileStream they read by position,
    /// past its write buffer (GvmiImageWriter's is 1 MiB, larger than this whole image, so every block compared with
    /// is still in it when it is read back): the image must be the one the plain Stream path (a MemoryStream, which
    /// seeks and reads) writes, with every true duplicate found and every collision kept apart.
    /// </summary>
    [Trait(Requires.Key, Requires.Portable)]
    public sealed class DuplicateReadBackTests
    {
        [Theory]
        [InlineData("gzip", 1)]
        [InlineData("lzo", 2)]
        [InlineData("uncompressed", 2)]
        public async Task A_buffered_file_output_gives_the_bytes_of_a_memory_output(string compressor, int workers)
        {
            using var work = new TempDirectory();
            var files = DuplicateVerificationTests.Files();
            var settings = SquashfsReadBackTests.Settings(compressor)!;
            int duplicates = files.Count(f => f.Expect.StartsWith("duplicate-of:", StringComparison.Ordinal));
            int collisions = files.Count(f => f.Expect == "collides");

            using var memory = new MemoryStream();
            SquashfsWriteResult fromMemory = await WriteAsync(memory, files, Options(settings, workers));
            string path = work.Combine("buffered.sqfs");
            SquashfsWriteResult fromFile;
            using (var file = new FileStream(path, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None, 1 << 20, FileOptions.None))
            {
                fromFile = await WriteAsync(file, files, Options(settings, workers));
                Assert.Equal(fromFile.ImageSize, file.Position);
            }

            Assert.Equal(duplicates, fromMemory.DuplicateFiles);
            Assert.Equal(collisions, fromMemory.ContentHashCollisions);
            Assert.Equal(duplicates, fromFile.DuplicateFiles);
            Assert.Equal(collisions, fromFile.ContentHashCollisions);
            Assert.True(memory.ToArray().AsSpan().SequenceEqual(File.ReadAllBytes(path)), "the file output differs from the memory output");
        }

        private static SquashfsWriterOptions Options(GolemImage.Compression.CompressionSettings settings, int workers) => new SquashfsWriterOptions
        {
            Compression = settings,
            BlockSize = 4096,
            WorkerCount = workers,
            MkfsTime = 1700000000,
            DefaultModificationTime = 1700000000,
            ContentHashForTests = _ => new byte[16],
        };

        private static async Task<SquashfsWriteResult> WriteAsync(Stream output, List<(string Name, byte[] Content, string Expect)> files, SquashfsWriterOptions options)
        {
            using var writer = new SquashfsWriter(output, options, new RecordingReporter());
            foreach (var (name, content, _) in files)
            {
                var entry = new TreeEntry(Encoding.UTF8.GetBytes(name), TreeEntryType.RegularFile) { Mode = 0x1A4, ModificationTime = 1700000000 };
                var data = new MemoryStream(content, false);
                await writer.AddAsync(entry, (buffer, _) => new ValueTask<int>(data.Read(buffer.Span)), CancellationToken.None);
            }

            return await writer.FinishAsync(CancellationToken.None);
        }
    }
}
