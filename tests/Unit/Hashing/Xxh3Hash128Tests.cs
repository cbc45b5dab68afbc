using System;
using System.Collections.Generic;
using System.IO.Hashing;
using System.Linq;
using CsCheck;
using GolemImage.Hashing;
using Xunit;

namespace GolemImage.Tests.Hashing
{
    /// <summary>Our XXH3-128 against System.IO.Hashing's XxHash128, an independent implementation of the same specification.</summary>
    [Trait(Requires.Key, Requires.Portable)]
    public class Xxh3Hash128Tests
    {
        public static IEnumerable<object[]> Paths() => new[] { new object[] { true }, new object[] { false } };

        [Theory]
        [MemberData(nameof(Paths))]
        public void Every_length_up_to_three_blocks_hashes_as_XxHash128_does(bool vectorized)
        {
            // Every short-input formula (0, 1-3, 4-8, 9-16, 17-128, 129-240), the first long inputs, and block
            // boundaries (1,024 bytes) up to three blocks, hashed in one append.
            byte[] data = RandomBytes(3200, seed: 1);
            var ours = new Xxh3Hash128(vectorized);
            for (int length = 0; length <= data.Length; length++)
            {
                ours.Reset();
                ours.Append(data.AsSpan(0, length));
                Assert.True(
                    XxHash128.Hash(data.AsSpan(0, length)).AsSpan().SequenceEqual(ours.GetCurrentHash()),
                    "length " + length);
            }
        }

        [Theory]
        [MemberData(nameof(Paths))]
        public void Any_split_into_appends_gives_the_hash_of_the_whole(bool vectorized)
        {
            Gen.Select(Gen.Int[0, 300_000], Gen.Int[0, 5000].Array[1, 60], Gen.Int)
                .Sample((length, chunks, seed) =>
                {
                    byte[] data = RandomBytes(length, seed);
                    var ours = new Xxh3Hash128(vectorized);
                    int offset = 0;
                    foreach (int chunk in chunks.Concat(new[] { int.MaxValue }))
                    {
                        int take = Math.Min(chunk, length - offset);
                        ours.Append(data.AsSpan(offset, take));
                        offset += take;
                    }

                    return XxHash128.Hash(data).AsSpan().SequenceEqual(ours.GetCurrentHash());
                }, iter: 300);
        }

        [Theory]
        [InlineData(240, 1)]
        [InlineData(256, 1)]
        [InlineData(257, 1)]
        [InlineData(1024 + 64, 64)]
        [InlineData(131_072 * 3, 131_072)]
        [InlineData(131_072 * 3 + 17, 131_072)]
        public void Block_sized_appends_around_the_buffer_and_stripe_edges(int length, int appendSize)
        {
            // The squashfs writer appends whole 128 KiB blocks and then the tail; these are the edges of our buffering.
            byte[] data = RandomBytes(length, seed: length);
            foreach (bool vectorized in new[] { true, false })
            {
                var ours = new Xxh3Hash128(vectorized);
                for (int offset = 0; offset < length; offset += appendSize)
                {
                    ours.Append(data.AsSpan(offset, Math.Min(appendSize, length - offset)));
                }

                Assert.Equal(XxHash128.Hash(data), ours.GetCurrentHash());
            }
        }

        [Fact]
        public void Reading_the_hash_leaves_the_state_alone_and_reset_starts_over()
        {
            byte[] data = RandomBytes(5000, seed: 7);
            var ours = new Xxh3Hash128();
            ours.Append(data.AsSpan(0, 300));
            Assert.Equal(XxHash128.Hash(data.AsSpan(0, 300)), ours.GetCurrentHash());
            Assert.Equal(XxHash128.Hash(data.AsSpan(0, 300)), ours.GetCurrentHash());
            ours.Append(data.AsSpan(300));
            Assert.Equal(XxHash128.Hash(data), ours.GetCurrentHash());

            ours.Reset();
            Assert.Equal(XxHash128.Hash(Array.Empty<byte>()), ours.GetCurrentHash());
            ours.Append(data.AsSpan(0, 100));
            Assert.Equal(XxHash128.Hash(data.AsSpan(0, 100)), ours.GetCurrentHash());
        }

        [Fact]
        public void Inputs_that_differ_in_one_bit_of_a_long_stream_hash_differently()
        {
            // Guards against a buffering slip that would drop or reuse bytes (both sides would still agree on equal inputs).
            byte[] data = RandomBytes(400_000, seed: 9);
            byte[] flipped = (byte[])data.Clone();
            flipped[333_333] ^= 0x10;
            var first = new Xxh3Hash128();
            var second = new Xxh3Hash128();
            for (int offset = 0; offset < data.Length; offset += 131_072)
            {
                int take = Math.Min(131_072, data.Length - offset);
                first.Append(data.AsSpan(offset, take));
                second.Append(flipped.AsSpan(offset, take));
            }

            Assert.NotEqual(first.GetCurrentHash(), second.GetCurrentHash());
        }

        [Fact]
        public void The_netstandard_build_s_128_bit_product_matches_Math_BigMul()
        {
            // The netstandard2.0 build multiplies through 32-bit halves; every hash goes through it there.
            ulong[] edges = { 0, 1, 0xFFFFFFFF, 0x100000000, ulong.MaxValue, ulong.MaxValue - 1, 0x9E3779B185EBCA87 };
            foreach (ulong a in edges)
            {
                foreach (ulong b in edges)
                {
                    AssertProduct(a, b);
                }
            }

            Gen.ULong.Select(Gen.ULong).Sample((a, b) => AssertProduct(a, b), iter: 100_000);
        }

        private static void AssertProduct(ulong a, ulong b)
        {
            ulong expectedHigh = Math.BigMul(a, b, out ulong expectedLow);
            ulong high = Xxh3Hash128.Multiply64To128Portable(a, b, out ulong low);
            Assert.Equal((expectedHigh, expectedLow), (high, low));
        }

        private static byte[] RandomBytes(int length, int seed)
        {
            var bytes = new byte[length];
            new Random(seed).NextBytes(bytes);
            return bytes;
        }
    }
}
