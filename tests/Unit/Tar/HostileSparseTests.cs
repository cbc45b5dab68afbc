using System;
using System.IO;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using GolemImage.Gvmi;
using GolemImage.Squashfs;
using GolemImage.Tests.Squashfs;
using Xunit;
using static GolemImage.Tests.Tar.TarBuilder;

namespace GolemImage.Tests.Tar
{
    /// <summary>
    /// Sparse files whose real size is a claim far beyond their data: holes are written as sparse blocks by count (no
    /// read, no buffer, no hash per byte), and a file whose block list could not be written is refused up front.
    /// </summary>
    [Trait(Requires.Key, Requires.Portable)]
    public class HostileSparseTests
    {
        // A valid map: one 10-byte region near 2^61; 2^44 blocks of 128 KiB, far beyond any block list.
        private const long HugeOffset = 1L << 61;

        // 1 TiB: 2^23 blocks, within the limit; reading its zeros would take hours.
        private const long TebiByte = 1L << 40;

        private static readonly byte[] Payload = Encoding.ASCII.GetBytes("0123456789");

        internal static byte[] Base256(long value, int width)
        {
            var field = new byte[width];
            for (var i = width - 1; i > 0; i--)
            {
                field[i] = (byte)value;
                value >>= 8;
            }

            field[0] = 0x80;
            return field;
        }

        /// <summary>An old GNU 'S' entry holding <see cref="Payload"/> at <paramref name="offset"/>.</summary>
        internal static byte[] OldGnuSparse(string name, long offset) =>
            new TarBuilder()
                .Raw(Header(name, 'S', Payload.Length, magic: "gnu", edit: h =>
                {
                    Base256(offset, 12).CopyTo(h, 386);
                    Octal(Payload.Length, 12).CopyTo(h, 398);
                    Base256(offset + Payload.Length, 12).CopyTo(h, 483);
                }))
                .Data(Payload)
                .End()
                .ToArray();

        /// <summary>A PAX 1.0 sparse entry holding <see cref="Payload"/> at <paramref name="offset"/>.</summary>
        internal static byte[] Pax10Sparse(string name, long offset)
        {
            var map = new byte[512];
            Encoding.ASCII.GetBytes($"1\n{offset}\n{Payload.Length}\n").CopyTo(map, 0);
            return new TarBuilder()
                .Pax('x', PaxRecord("GNU.sparse.major", "1"), PaxRecord("GNU.sparse.minor", "0"), PaxRecord("GNU.sparse.name", name), PaxRecord("GNU.sparse.realsize", (offset + Payload.Length).ToString()))
                .Entry("GNUSparseFile.0/" + name, data: Concat(map, Payload))
                .End()
                .ToArray();
        }

        public static TheoryData<string> Forms() => new TheoryData<string> { "old", "pax1.0" };

        private static byte[] Build(string form, string name, long offset) => form == "old" ? OldGnuSparse(name, offset) : Pax10Sparse(name, offset);

        private static Task<GvmiWriteResult> WriteAsync(byte[] tar, string output, CancellationToken cancellationToken) =>
            GvmiImageWriter.WriteFromTarAsync(output, EveryEntryKindTree.SampleConfig(), new MemoryStream(tar), "hostile.tar", new SquashfsWriterOptions { WorkerCount = 1 }, null, cancellationToken);

        [Theory]
        [MemberData(nameof(Forms))]
        public async Task A_sparse_file_claiming_2_pow_61_bytes_is_refused_at_once_without_output(string form)
        {
            using var work = new TempDirectory();
            string output = work.Combine("out.gvmi");
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            var error = await Assert.ThrowsAsync<GolemImageException>(() => WriteAsync(Build(form, "huge.bin", HugeOffset), output, timeout.Token));
            Assert.Equal(ErrorIds.FileTooLarge, error.ErrorId);
            Assert.Equal(GolemErrorCategory.InvalidData, error.Category);
            Assert.Contains("'huge.bin'", error.Message);
            Assert.Contains((HugeOffset + Payload.Length).ToString(), error.Message);
            Assert.Contains("block list", error.Message);
            Assert.False(File.Exists(output), "a partial image was left behind");
            Assert.Empty(Directory.GetFiles(work.Path));
        }

        [Trait(Requires.Key, Requires.SquashfsTools)]
        [Theory]
        [MemberData(nameof(Forms))]
        public async Task A_one_tebibyte_sparse_file_is_written_as_sparse_blocks_by_count(string form)
        {
            using var work = new TempDirectory();
            string output = work.Combine("out.gvmi");

            // Reading 1 TiB of zeros would take far longer than this; sparse blocks by count take a moment.
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            GvmiWriteResult result = await WriteAsync(Build(form, "tera.bin", TebiByte), output, timeout.Token);
            Assert.True(result.FileSize < 64L << 20, $"the image is {result.FileSize} bytes");

            string stat = ExternalTool.RunChecked("rdsquashfs", "-s", "/tera.bin", output);
            Assert.Matches(@"File size:\s*" + (TebiByte + Payload.Length), stat);
            Assert.Matches(@"Sparse:\s*" + TebiByte, stat);

        }
    }
}
