using System;
using CsCheck;
using GolemImage.Compression.Lzo;
using Xunit;

namespace GolemImage.Tests.Compression.Lzo
{
    /// <summary>
    /// The SmallestSize parser with search settings far from the shipped ones, so that the tree walk's depth
    /// cut, the nice-length stop (and its adoption of the matched node's subtrees) and the long matches taken
    /// whole happen on nearly every position: the trees must stay consistent and every stream must decode.
    /// </summary>
    [Trait(Requires.Key, Requires.Portable)]
    public unsafe class LzoOptimalEncoderTests
    {
        private static readonly Gen<(int Depth, int Nice, int Skip)> Settings =
            Gen.Select(Gen.Int[1, 6], Gen.Int[3, 12], Gen.Int[3, 20], (depth, nice, skip) => (depth, nice, skip));

        [Fact]
        public void Extreme_search_settings_round_trip() =>
            Gen.Select(Settings, Gen.OneOf(LzoTestData.Repetitive, LzoTestData.Zeros, LzoTestData.Short)).Sample((settings, data) =>
            {
                var encoder = new LzoOptimalEncoder(settings.Depth, settings.Nice, settings.Skip);
                AssertDecodes(encoder, data);
                AssertDecodes(encoder, data); // work memory reused: same trees rebuilt from scratch
            }, iter: 40);

        [Fact]
        public void Deep_search_without_skipping_round_trips_and_is_not_larger_than_a_depth_one_search()
        {
            var data = LzoTestData.MakeRepetitive(1 << 17, 16, 4242);
            int deep = AssertDecodes(new LzoOptimalEncoder(4096, 4096, int.MaxValue), data);
            int shallow = AssertDecodes(new LzoOptimalEncoder(1, 4096, int.MaxValue), data);
            Assert.True(deep < shallow, $"a full tree search ({deep} bytes) should beat a one-node search ({shallow} bytes)");
        }

        private static int AssertDecodes(LzoOptimalEncoder encoder, byte[] data)
        {
            var encoded = new byte[LzoEncoding.MaxEncodedLength(data.Length)];
            int length;
            fixed (byte* input = data)
            fixed (byte* output = encoded)
            {
                length = encoder.Encode(input, data.Length, output);
            }

            Assert.InRange(length, 3, LzoEncoding.MaxEncodedLength(data.Length));
            var decoded = new byte[data.Length];
            Assert.Equal(data.Length, new LzoBlockDecompressor().Decompress(encoded.AsSpan(0, length), decoded));
            Assert.True(data.AsSpan().SequenceEqual(decoded), $"our decoder returned different bytes for {data.Length} input bytes");
            if (NativeLzo.Unavailable == null)
            {
                var (result, native) = NativeLzo.DecompressSafe(encoded.AsSpan(0, length), data.Length);
                Assert.True(result == 0, $"liblzo2 lzo1x_decompress_safe returned {result} for {data.Length} input bytes");
                Assert.True(data.AsSpan().SequenceEqual(native), "liblzo2 decoded different bytes");
            }

            return length;
        }
    }
}
