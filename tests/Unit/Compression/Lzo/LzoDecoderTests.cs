using System;
using System.IO;
using CsCheck;
using GolemImage.Compression.Lzo;
using Xunit;

namespace GolemImage.Tests.Compression.Lzo
{
    [Trait(Requires.Key, Requires.Portable)]
    public class LzoDecoderTests
    {
        private static readonly byte[] End = { 0x11, 0x00, 0x00 };

        private static InvalidDataException Rejects(byte[] stream, int outputLength) =>
            Assert.Throws<InvalidDataException>(() => new LzoBlockDecompressor().Decompress(stream, new byte[outputLength]));

        [Fact]
        public void Decodes_a_hand_assembled_stream_using_every_instruction_form()
        {
            // 4 literals "abcd" (first-run form 17+4), M2 len 3 dist 4 + 1 trailing literal 'e',
            // M1 (2 bytes, dist 2) after 1 literal, M3 len 10 dist 8, literal run of 4 "wxyz" (state 0 form b=1),
            // M1' (3 bytes at distance 2049..) cannot fit in this tiny window, so M4 is exercised by the property tests.
            byte[] stream =
            {
                21, (byte)'a', (byte)'b', (byte)'c', (byte)'d',
                (byte)((2 << 5) | (3 << 2) | 1), 0, (byte)'e',
                (byte)(1 << 2), 0,
                (byte)(0x20 | 8), (byte)(7 << 2), 0,
                1, (byte)'w', (byte)'x', (byte)'y', (byte)'z',
                0x11, 0, 0,
            };
            var output = new byte[64];
            int length = new LzoBlockDecompressor().Decompress(stream, output);
            Assert.Equal("abcdabcececdabcececdwxyz", System.Text.Encoding.ASCII.GetString(output, 0, length));
            if (NativeLzo.Unavailable == null)
            {
                var (result, native) = NativeLzo.DecompressSafe(stream, length);
                Assert.Equal(0, result);
                Assert.Equal(output.AsSpan(0, length).ToArray(), native);
            }
        }

        [Fact]
        public void Rejects_a_match_reaching_before_the_output_start()
        {
            // One literal, then an M2 of 3 bytes at distance 5.
            var error = Rejects(new byte[] { 18, (byte)'a', (byte)((2 << 5) | (4 << 2)), 0, 0x11, 0, 0 }, 16);
            Assert.Contains("look-behind", error.Message);
        }

        [Fact]
        public void Rejects_output_overrun()
        {
            var error = Rejects(new byte[] { 22, 1, 2, 3, 4, 5, 0x11, 0, 0 }, 4);
            Assert.Contains("output overrun", error.Message);
            var match = Rejects(new byte[] { 18, 7, (byte)((7 << 5) | 0), 0, 0x11, 0, 0 }, 4);
            Assert.Contains("output overrun", match.Message);
        }

        [Fact]
        public void Rejects_input_overrun_trailing_input_and_a_missing_end_marker()
        {
            Assert.Contains("input overrun", Rejects(new byte[] { 30, 1, 2 }, 64).Message);
            Assert.Contains("trailing input", Rejects(new byte[] { 18, 9, 0x11, 0, 0, 0 }, 64).Message);
            Assert.Contains("end-of-stream", Rejects(new byte[] { 18, 9 }, 64).Message);
            Assert.Contains("empty", Rejects(Array.Empty<byte>(), 64).Message);
            Assert.Contains("end-of-stream marker", Rejects(new byte[] { 18, 9, 0x11, 1, 0 }, 64).Message);
        }

        [Fact]
        public void The_bare_end_marker_is_an_empty_block() =>
            Assert.Equal(0, new LzoBlockDecompressor().Decompress(End, Array.Empty<byte>()));

        [Fact]
        public void Any_truncation_or_corruption_fails_cleanly_or_decodes_within_bounds()
        {
            var data = LzoTestData.MakeRepetitive(20_000, 30, 7);
            var compressor = new LzoBlockCompressor();
            var encoded = new byte[LzoBlockCompressor.MaxEncodedLength(data.Length)];
            var stream = encoded.AsSpan(0, compressor.Encode(data, encoded)).ToArray();
            Gen.Select(Gen.Int[0, stream.Length - 1], Gen.Byte, Gen.Bool).Sample((position, value, truncate) =>
            {
                byte[] damaged = truncate ? stream.AsSpan(0, position).ToArray() : (byte[])stream.Clone();
                if (!truncate)
                {
                    damaged[position] ^= (byte)(value | 1);
                }

                try
                {
                    int length = new LzoBlockDecompressor().Decompress(damaged, new byte[data.Length]);
                    Assert.InRange(length, 0, data.Length);
                }
                catch (InvalidDataException)
                {
                }

                if (truncate)
                {
                    Assert.Throws<InvalidDataException>(() => new LzoBlockDecompressor().Decompress(damaged, new byte[data.Length]));
                }
            }, iter: 3000);
        }

        [Trait(Requires.Key, Requires.NativeLibraries)]
        [LiblzoFact]
        public void Decodes_liblzo2_lzo1x_1_and_lzo1x_999_output()
        {
            Gen.OneOf(LzoTestData.Repetitive, LzoTestData.Random, LzoTestData.Short, LzoTestData.Zeros).Select(Gen.Int[1, 9])
                .Sample((data, level) =>
                {
                    foreach (var stream in new[] { NativeLzo.Compress1(data), NativeLzo.Compress999(data, level) })
                    {
                        var output = new byte[data.Length];
                        int length = new LzoBlockDecompressor().Decompress(stream, output);
                        Assert.Equal(data.Length, length);
                        Assert.True(data.AsSpan().SequenceEqual(output));
                    }
                }, iter: 40);
        }
    }
}
