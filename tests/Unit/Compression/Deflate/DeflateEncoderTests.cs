using System;
using System.Collections.Generic;
using System.IO;
using System.IO.Compression;
using System.Linq;
using CsCheck;
using GolemImage.Compression;
using GolemImage.Compression.Deflate;
using GolemImage.Tests.Compression.Lzo;
using Xunit;
using Xunit.Abstractions;

namespace GolemImage.Tests.Compression.Deflate
{
    [Trait(Requires.Key, Requires.Portable)]
    public sealed class DeflateEncoderTests
    {
        private const int Guard = 64;
        private readonly ITestOutputHelper _output;

        public DeflateEncoderTests(ITestOutputHelper output)
        {
            _output = output;
        }

        public static IEnumerable<object[]> Levels => Enumerable.Range(1, 9).Select(level => new object[] { level });

        [Theory]
        [MemberData(nameof(Levels))]
        public void Every_input_shape_inflates_back_at_every_level(int level)
        {
            // One encoder per sample: CsCheck samples on several threads, and an encoder is single-threaded.
            LzoTestData.Short.Sample(data => AssertRoundTrip(new DeflateEncoder(level), data), iter: 300);
            LzoTestData.Zeros.Sample(data => AssertRoundTrip(new DeflateEncoder(level), data), iter: 20);
            LzoTestData.Random.Sample(data => AssertRoundTrip(new DeflateEncoder(level), data), iter: 30);
            LzoTestData.Incompressible.Sample(data => AssertRoundTrip(new DeflateEncoder(level), data), iter: 10);
            LzoTestData.Repetitive.Sample(data => AssertRoundTrip(new DeflateEncoder(level), data), iter: 40);
            LzoTestData.BlockSized.Sample(data => AssertRoundTrip(new DeflateEncoder(level), data), iter: 15);
        }

        [Fact]
        public void Runs_and_long_matches_at_the_format_limits_inflate_back()
        {
            // Matches of exactly 258 (code 285) and 227..257 (code 284), distances of exactly 32,768 and one more
            // (which must not be used), and more than 16,383 symbols so a stream has several blocks.
            var data = new byte[400_000];
            var random = new Random(7);
            random.NextBytes(data.AsSpan(0, 32_768));
            for (int i = 32_768; i < data.Length; i++)
            {
                data[i] = (i / 5000) % 3 == 0 ? data[i - 32_768] : (i / 5000) % 3 == 1 ? (byte)(i % 7 == 0 ? random.Next(256) : data[i - 32_769]) : (byte)random.Next(4);
            }

            foreach (int level in new[] { 1, 4, 6, 9 })
            {
                AssertRoundTrip(new DeflateEncoder(level), data);
            }
        }

        [Fact]
        public void An_encoding_that_does_not_fit_returns_minus_one_and_writes_nothing_past_the_capacity()
        {
            var encoder = new DeflateEncoder(6);
            foreach (byte[] data in new[] { LzoTestData.MakeRepetitive(131_072, 40, 3), RandomBytes(131_072, 4), new byte[131_072] })
            {
                byte[] full = Encode(encoder, data, data.Length + 1024);
                Assert.Equal(full, Encode(encoder, data, full.Length));
                foreach (int capacity in new[] { full.Length - 1, full.Length / 2, 0 })
                {
                    var output = Enumerable.Repeat((byte)0xA5, capacity + Guard).ToArray();
                    int length;
                    unsafe
                    {
                        fixed (byte* input = data)
                        fixed (byte* destination = output)
                        {
                            length = encoder.Encode(input, data.Length, destination, capacity);
                        }
                    }

                    Assert.Equal(-1, length);
                    Assert.All(output.Skip(capacity), b => Assert.Equal(0xA5, b));
                }
            }
        }

        [Fact]
        public void Incompressible_data_costs_only_the_stored_block_headers()
        {
            byte[] data = RandomBytes(300_000, 11);
            byte[] encoded = Encode(new DeflateEncoder(6), data, data.Length + 1024);
            // A block holds at most 16,383 symbols (here: literals), each stored with 5 header bytes, plus the
            // final byte's padding: what zlib writes for the same input.
            Assert.InRange(encoded.Length, data.Length, data.Length + (5 * ((data.Length / 16_383) + 1)) + 1);
            Assert.Equal(data, Inflate(encoded));
        }

        [Fact]
        public void The_zlib_block_compressor_writes_a_zlib_stream_with_the_adler32_of_the_source()
        {
            byte[] data = LzoTestData.MakeRepetitive(131_072, 30, 5);
            var compressed = new byte[data.Length];
            int length = new CompressionSettings(CompressionAlgorithm.Gzip).CreateCompressor().Compress(data, compressed);
            Assert.InRange(length, 7, data.Length - 1);
            Assert.Equal(0x78, compressed[0]);
            Assert.Equal(0, ((compressed[0] * 256) + compressed[1]) % 31);
            using (var zlib = new ZLibStream(new MemoryStream(compressed, 0, length), CompressionMode.Decompress))
            using (var result = new MemoryStream())
            {
                // ZLibStream verifies the Adler-32 trailer.
                zlib.CopyTo(result);
                Assert.Equal(data, result.ToArray());
            }
        }

        [Fact]
        public void Each_symbol_alphabet_edge_round_trips()
        {
            // One distinct byte (a one-literal code plus end-of-block), all 256 byte values, and a block that is
            // one long match (a single used distance code: the code must still be complete for inflate).
            var cases = new List<byte[]> { new byte[] { 9 }, Enumerable.Range(0, 256).Select(i => (byte)i).ToArray(), Enumerable.Repeat((byte)'a', 5000).ToArray() };
            cases.Add(Enumerable.Range(0, 2000).Select(i => (byte)(i % 3)).ToArray());
            foreach (int level in Enumerable.Range(1, 9))
            {
                foreach (byte[] data in cases)
                {
                    AssertRoundTrip(new DeflateEncoder(level), data);
                }
            }
        }

        [Trait(Requires.Key, Requires.NativeLibraries)]
        [Fact]
        public void Sizes_match_the_system_zlib_at_levels_6_and_9_and_stay_close_at_1()
        {
            if (NativeZlib.Unavailable is string reason)
            {
                _output.WriteLine($"Skipped: {reason}");
                return;
            }

            List<byte[]> blocks = RealWorldBlocks(maxBytes: 6 << 20);
            Assert.NotEmpty(blocks);
            foreach ((int level, double limit) in new[] { (6, 1.005), (9, 1.005), (1, 1.10) })
            {
                var encoder = new DeflateEncoder(level);
                long ours = 0, zlib = 0;
                foreach (byte[] block in blocks)
                {
                    byte[] encoded = Encode(encoder, block, block.Length + 1024);
                    Assert.Equal(block, Inflate(encoded));
                    ours += encoded.Length + 6;
                    zlib += NativeZlib.Compress(block, level).Length;
                }

                double ratio = (double)ours / zlib;
                _output.WriteLine($"level {level}: ours {ours:N0} bytes, zlib {NativeZlib.Version} {zlib:N0} bytes, {ratio:F4}x");
                Assert.True(ratio <= limit, $"level {level}: {ratio:F4}x zlib's size (limit {limit})");
            }
        }

        /// <summary>128 KiB blocks of shared libraries, executables and text from this machine, in a fixed order.</summary>
        internal static List<byte[]> RealWorldBlocks(int maxBytes)
        {
            var files = new[] { "/usr/lib/x86_64-linux-gnu", "/usr/bin", "/usr/share/perl", "/usr/share/doc" }
                .Where(Directory.Exists)
                .SelectMany(directory => Directory.EnumerateFiles(directory, "*", SearchOption.AllDirectories).OrderBy(f => f, StringComparer.Ordinal).Take(400))
                .Where(f => !new FileInfo(f).Attributes.HasFlag(FileAttributes.ReparsePoint))
                .ToList();
            var blocks = new List<byte[]>();
            long total = 0;
            for (int i = 0; i < files.Count && total < maxBytes; i += 7)
            {
                byte[] bytes;
                try
                {
                    bytes = File.ReadAllBytes(files[i]);
                }
                catch (Exception e) when (e is IOException || e is UnauthorizedAccessException)
                {
                    continue;
                }

                for (int offset = 0; offset < bytes.Length && offset < (1 << 20); offset += 131_072)
                {
                    byte[] block = bytes.AsSpan(offset, Math.Min(131_072, bytes.Length - offset)).ToArray();
                    blocks.Add(block);
                    total += block.Length;
                }
            }

            return blocks;
        }

        private static void AssertRoundTrip(DeflateEncoder encoder, byte[] data)
        {
            // The worst case is stored blocks: 5 bytes per block of up to 16,383 symbols, plus the final padding.
            int bound = data.Length + (5 * ((data.Length / 16_383) + 1)) + 1;
            byte[] encoded = Encode(encoder, data, bound);
            Assert.Equal(data, Inflate(encoded));
        }

        private static unsafe byte[] Encode(DeflateEncoder encoder, byte[] data, int capacity)
        {
            var output = Enumerable.Repeat((byte)0x5A, capacity + Guard).ToArray();
            int length;
            fixed (byte* input = data)
            fixed (byte* destination = output)
            {
                length = encoder.Encode(input, data.Length, destination, capacity);
            }

            Assert.InRange(length, 1, capacity);
            Assert.All(output.Skip(capacity), b => Assert.Equal(0x5A, b));
            return output.AsSpan(0, length).ToArray();
        }

        private static byte[] Inflate(byte[] deflated)
        {
            using (var deflate = new DeflateStream(new MemoryStream(deflated), CompressionMode.Decompress))
            using (var result = new MemoryStream())
            {
                deflate.CopyTo(result);
                return result.ToArray();
            }
        }

        private static byte[] RandomBytes(int length, int seed)
        {
            var bytes = new byte[length];
            new Random(seed).NextBytes(bytes);
            return bytes;
        }
    }
}
