using System;
using System.IO;
using System.IO.Compression;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using GolemImage.Sources;
using Xunit;

namespace GolemImage.Tests.Sources
{
    /// <summary>
    /// The member loop against how bytes arrive (a few at a time, as from a network stream; sync and async) and the
    /// header fields eStargz and gzip -N write; a decoder that stops after the first member, as .NET Framework's
    /// GZipStream does, fails the first test.
    /// </summary>
    [Trait(Requires.Key, Requires.Portable)]
    public class GzipMemberStreamTests
    {
        // Incompressible enough that members span several of the decoder's 8 KiB chunks, and regular enough that the
        // deflate data is not stored.
        private static readonly byte[] Content = Enumerable.Range(0, 200_000).Select(i => (byte)((i * 7919) % 251 ^ (i >> 9))).ToArray();

        [Theory]
        [InlineData(false, 1)]
        [InlineData(false, 65536)]
        [InlineData(true, 3)]
        [InlineData(true, 65536)]
        public async Task Reads_every_member_of_a_concatenated_gzip_stream(bool useAsync, int chunk)
        {
            // What .NET Framework's GZipStream gives back is the first member only (the first 100 bytes here).
            byte[] blob = Members(Content, 100, 30_000, 30_001, 150_000);
            Assert.Equal(Content, await DecodeAsync(blob, useAsync, chunk));
        }

        [Fact]
        public async Task Reads_member_headers_with_name_comment_extra_field_and_header_crc()
        {
            byte[] first = LayerBuilder.Gzip(Content.Take(5000).ToArray());
            byte[] second = LayerBuilder.Gzip(Content.Skip(5000).ToArray());

            // FHCRC | FEXTRA | FNAME | FCOMMENT, as eStargz's and gzip -N's headers carry some of them.
            var header = new MemoryStream();
            header.Write(second, 0, 3);
            header.WriteByte(0x02 | 0x04 | 0x08 | 0x10);
            header.Write(second, 4, 6);
            header.Write(new byte[] { 4, 0, (byte)'S', (byte)'G', 0, 0 }, 0, 6);
            header.Write(new byte[] { (byte)'a', (byte)'.', (byte)'t', 0 }, 0, 4);
            header.Write(new byte[] { (byte)'c', 0 }, 0, 2);
            header.Write(new byte[] { 0x12, 0x34 }, 0, 2);
            byte[] blob = first.Concat(header.ToArray()).Concat(second.Skip(10)).ToArray();
            Assert.Equal(Content, await DecodeAsync(blob, true, 4096));
        }

        [Fact]
        public async Task A_bad_crc_in_a_member_that_is_not_the_last_is_corrupt_data()
        {
            byte[] first = LayerBuilder.Gzip(Content.Take(50_000).ToArray());
            first[first.Length - 8] ^= 0x40;
            byte[] blob = first.Concat(LayerBuilder.Gzip(Content.Skip(50_000).ToArray())).ToArray();
            var error = await Assert.ThrowsAsync<GolemImageException>(() => DecodeAsync(blob, true, 65536));
            Assert.Contains("layer.tar.gz: ", error.Message);
        }

        [Fact]
        public async Task Bytes_after_a_member_that_are_not_a_gzip_member_or_zero_padding_are_corrupt_data()
        {
            byte[] blob = LayerBuilder.Gzip(Content).Concat(new byte[] { 0, 0, 7, 0 }).ToArray();
            var error = await Assert.ThrowsAsync<GolemImageException>(() => DecodeAsync(blob, false, 65536));
            Assert.Contains("layer.tar.gz: ", error.Message);
        }

        [Theory]
        [InlineData(5)]
        [InlineData(40_000)]
        public async Task A_second_member_cut_short_is_truncated(int cut)
        {
            byte[] blob = Members(Content, 100_000);
            var error = await Assert.ThrowsAsync<GolemImageException>(() => DecodeAsync(blob.Take(blob.Length - cut).ToArray(), true, 65536));
            Assert.Contains("truncated", error.Message);
        }

        private static byte[] Members(byte[] content, params int[] cuts)
        {
            var bounds = new[] { 0 }.Concat(cuts).Concat(new[] { content.Length }).ToArray();
            var output = new MemoryStream();
            for (int i = 0; i + 1 < bounds.Length; i++)
            {
                byte[] member = LayerBuilder.Gzip(content.Skip(bounds[i]).Take(bounds[i + 1] - bounds[i]).ToArray());
                output.Write(member, 0, member.Length);
            }

            return output.ToArray();
        }

        private static async Task<byte[]> DecodeAsync(byte[] blob, bool useAsync, int chunk)
        {
            using var decoder = new DecompressingStream(new ChunkedStream(blob, chunk), "gzip", (problem, inner) => new GolemImageException(ErrorIds.InvalidArchive, GolemErrorCategory.InvalidData, "layer.tar.gz: " + problem, "layer.tar.gz", inner));
            var output = new MemoryStream();
            var buffer = new byte[10_000];
            int read;
            while ((read = useAsync ? await decoder.ReadAsync(buffer, 0, buffer.Length, CancellationToken.None) : decoder.Read(buffer, 0, buffer.Length)) > 0)
            {
                output.Write(buffer, 0, read);
            }

            return output.ToArray();
        }

        /// <summary>Hands out at most a few bytes per read, as a network stream may.</summary>
        private sealed class ChunkedStream : MemoryStream
        {
            private readonly int chunk;

            public ChunkedStream(byte[] bytes, int chunk)
                : base(bytes, writable: false)
            {
                this.chunk = chunk;
            }

            public override int Read(byte[] buffer, int offset, int count) => base.Read(buffer, offset, Math.Min(count, chunk));

            public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
                base.ReadAsync(buffer, offset, Math.Min(count, chunk), cancellationToken);
        }
    }
}
