using System;
using System.IO.Compression;
using System.Linq;
using System.Threading;
using CsCheck;
using GolemImage.Compression.Lzo;
using Xunit;

namespace GolemImage.Tests.Compression.Lzo
{
    [Trait(Requires.Key, Requires.Portable)]
    public class LzoRoundTripTests
    {
        public static readonly TheoryData<int> Levels = new TheoryData<int>
        {
            (int)CompressionLevel.Fastest,
            (int)CompressionLevel.Optimal,
            (int)CompressionLevel.SmallestSize,
        };

        // One compressor per level and thread, reused across samples, as the block processor uses them:
        // work memory left from a previous (bigger or different) block must never change the output.
        private static readonly ThreadLocal<LzoBlockCompressor[]> Compressors = new ThreadLocal<LzoBlockCompressor[]>(() => new[]
        {
            new LzoBlockCompressor(CompressionLevel.Optimal),
            new LzoBlockCompressor(CompressionLevel.Fastest),
            new LzoBlockCompressor(CompressionLevel.SmallestSize),
        });

        private static LzoBlockCompressor For(int level) => Compressors.Value![level == (int)CompressionLevel.SmallestSize ? 2 : level];

        private const int GuardLength = 64;
        private const byte Guard = 0xA5;

        /// <summary>
        /// Encodes into exactly MaxEncodedLength bytes followed by guard bytes (the encoders write through pointers and
        /// copy short literal runs as whole words, so an overrun would land there silently), checks the bound, decodes
        /// with our decoder and (where present) liblzo2's safe decoder.
        /// </summary>
        internal static byte[] AssertRoundTrip(byte[] data, int level)
        {
            var compressor = For(level);
            int bound = LzoBlockCompressor.MaxEncodedLength(data.Length);
            var encoded = new byte[bound + GuardLength];
            encoded.AsSpan(bound).Fill(Guard);
            int length = compressor.Encode(data, encoded.AsSpan(0, bound));
            Assert.InRange(length, 3, data.Length + (data.Length / 16) + 64 + 3);
            Assert.True(encoded.AsSpan(bound).IndexOfAnyExcept(Guard) < 0, $"level {level}: the encoder wrote past MaxEncodedLength for {data.Length} input bytes");
            Assert.Equal(new byte[] { 0x11, 0, 0 }, encoded.AsSpan(length - 3, 3).ToArray());
            var stream = encoded.AsSpan(0, length).ToArray();

            var decoded = new byte[data.Length];
            int decodedLength = new LzoBlockDecompressor().Decompress(stream, decoded);
            Assert.Equal(data.Length, decodedLength);
            Assert.True(data.AsSpan().SequenceEqual(decoded), $"level {level}: our decoder returned different bytes for {data.Length} input bytes");

            if (NativeLzo.Unavailable == null)
            {
                var (result, native) = NativeLzo.DecompressSafe(stream, data.Length);
                Assert.True(result == 0, $"level {level}: liblzo2 lzo1x_decompress_safe returned {result} for {data.Length} input bytes");
                Assert.True(data.AsSpan().SequenceEqual(native), $"level {level}: liblzo2 decoded different bytes");
            }

            return stream;
        }

        [Theory]
        [MemberData(nameof(Levels))]
        public void Short_inputs_round_trip(int level) =>
            LzoTestData.Short.Sample(data => { AssertRoundTrip(data, level); }, iter: 2000);

        [Theory]
        [MemberData(nameof(Levels))]
        public void Random_inputs_round_trip(int level) =>
            LzoTestData.Random.Sample(data => { AssertRoundTrip(data, level); }, iter: 60);

        [Theory]
        [MemberData(nameof(Levels))]
        public void Repetitive_inputs_round_trip(int level) =>
            LzoTestData.Repetitive.Sample(data => { AssertRoundTrip(data, level); }, iter: 60);

        [Theory]
        [MemberData(nameof(Levels))]
        public void All_zero_inputs_round_trip(int level) =>
            LzoTestData.Zeros.Sample(data => { AssertRoundTrip(data, level); }, iter: 30);

        [Theory]
        [MemberData(nameof(Levels))]
        public void Incompressible_inputs_round_trip_within_the_bound(int level) =>
            LzoTestData.Incompressible.Sample(data => { AssertRoundTrip(data, level); }, iter: 12);

        [Theory]
        [MemberData(nameof(Levels))]
        public void Block_sized_inputs_round_trip(int level) =>
            LzoTestData.BlockSized.Sample(data => { AssertRoundTrip(data, level); }, iter: 12);

        [Theory]
        [MemberData(nameof(Levels))]
        public void Output_does_not_depend_on_previous_blocks(int level)
        {
            Gen.Select(LzoTestData.Repetitive, LzoTestData.Repetitive).Sample((first, second) =>
            {
                var reused = new LzoBlockCompressor(Level(level));
                var scratch = new byte[LzoBlockCompressor.MaxEncodedLength(Math.Max(first.Length, second.Length))];
                reused.Encode(first, scratch);
                int reusedLength = reused.Encode(second, scratch);
                var fresh = new byte[scratch.Length];
                int freshLength = new LzoBlockCompressor(Level(level)).Encode(second, fresh);
                return reusedLength == freshLength && scratch.AsSpan(0, reusedLength).SequenceEqual(fresh.AsSpan(0, freshLength));
            }, iter: 20);
        }

        [Theory]
        [MemberData(nameof(Levels))]
        public void Output_does_not_depend_on_previous_blocks_when_the_tables_start_over(int level)
        {
            // The match tables are not emptied per block: each block stores its positions above a base beyond the
            // last block's window, and only when that base runs out of range (some 11,000 blocks this small) are they
            // emptied and the base starts over. Blocks that share their 4-byte prefixes with the ones before, through
            // that restart, must still encode exactly as on a fresh compressor.
            var random = new Random(21);
            var blocks = new byte[4][];
            for (int b = 0; b < blocks.Length; b++)
            {
                blocks[b] = new byte[100];
                for (int i = 0; i < 100; i++)
                {
                    blocks[b][i] = (byte)"abcd"[(i * (b + 1) / 3 + random.Next(2)) % 4];
                }
            }

            var expected = blocks.Select(b =>
            {
                var output = new byte[LzoBlockCompressor.MaxEncodedLength(b.Length)];
                return output.AsSpan(0, new LzoBlockCompressor(Level(level)).Encode(b, output)).ToArray();
            }).ToArray();
            var reused = new LzoBlockCompressor(Level(level));
            var scratch = new byte[LzoBlockCompressor.MaxEncodedLength(100)];
            for (int n = 0; n < 12_000; n++)
            {
                int length = reused.Encode(blocks[n % blocks.Length], scratch);
                Assert.True(scratch.AsSpan(0, length).SequenceEqual(expected[n % blocks.Length]), $"level {level}: block {n} differs from a fresh compressor's output");
            }
        }

        [Theory]
        [MemberData(nameof(Levels))]
        public void Compress_returns_minus_one_unless_smaller_and_fits_a_source_sized_destination(int level)
        {
            Gen.OneOf(LzoTestData.Repetitive, LzoTestData.Incompressible, LzoTestData.Short).Sample(data =>
            {
                var compressor = new LzoBlockCompressor(Level(level));
                var full = new byte[LzoBlockCompressor.MaxEncodedLength(data.Length)];
                int encoded = compressor.Encode(data, full);
                var tight = new byte[data.Length];
                int compressed = compressor.Compress(data, tight);
                if (encoded >= data.Length)
                {
                    return compressed == -1;
                }

                return compressed == encoded && tight.AsSpan(0, compressed).SequenceEqual(full.AsSpan(0, encoded));
            }, iter: 40);
        }

        [Theory]
        [MemberData(nameof(Levels))]
        public void Empty_input_is_the_bare_end_marker(int level)
        {
            var stream = AssertRoundTrip(Array.Empty<byte>(), level);
            Assert.Equal(new byte[] { 0x11, 0, 0 }, stream);
            Assert.Equal(-1, new LzoBlockCompressor(Level(level)).Compress(Array.Empty<byte>(), new byte[16]));
        }

        [Fact]
        public void Higher_levels_compress_text_like_data_smaller()
        {
            var data = LzoTestData.MakeRepetitive(1 << 17, 40, 12345);
            int fastest = AssertRoundTrip(data, (int)CompressionLevel.Fastest).Length;
            int optimal = AssertRoundTrip(data, (int)CompressionLevel.Optimal).Length;
            int smallest = AssertRoundTrip(data, (int)CompressionLevel.SmallestSize).Length;
            Assert.True(optimal < fastest, $"Optimal {optimal} should beat Fastest {fastest}");
            Assert.True(smallest < optimal, $"SmallestSize {smallest} should beat Optimal {optimal}");
        }

        [Fact]
        public void Unknown_level_is_refused()
        {
            Assert.Throws<ArgumentOutOfRangeException>(() => new LzoBlockCompressor(CompressionLevel.NoCompression));
        }

        internal static CompressionLevel Level(int level) => (CompressionLevel)level;
    }
}
