using System;
using System.IO.Compression;
using GolemImage.Compression;
using Xunit;

namespace GolemImage.Tests.Compression
{
    [Trait(Requires.Key, Requires.Portable)]
    public class BlockCompressorTests
    {
        public static TheoryData<CompressionAlgorithm, CompressionLevel> Settings() => new TheoryData<CompressionAlgorithm, CompressionLevel>
        {
            { CompressionAlgorithm.Gzip, CompressionLevel.Fastest },
            { CompressionAlgorithm.Gzip, CompressionLevel.Optimal },
            { CompressionAlgorithm.Gzip, CompressionLevel.SmallestSize },
            { CompressionAlgorithm.Lz4, CompressionLevel.Optimal },
            { CompressionAlgorithm.Lz4, CompressionLevel.SmallestSize },
            { CompressionAlgorithm.Zstd, CompressionLevel.Fastest },
            { CompressionAlgorithm.Zstd, CompressionLevel.Optimal },
            { CompressionAlgorithm.Xz, CompressionLevel.Fastest },
            { CompressionAlgorithm.Xz, CompressionLevel.Optimal },
            { CompressionAlgorithm.Xz, CompressionLevel.SmallestSize },
        };

        [Theory]
        [MemberData(nameof(Settings))]
        public void Round_trips_and_refuses_to_grow(CompressionAlgorithm algorithm, CompressionLevel level)
        {
            var settings = new CompressionSettings(algorithm, level);
            IBlockCompressor compressor = settings.CreateCompressor();
            IBlockDecompressor decompressor = settings.CreateDecompressor();
            var random = new Random(1234);
            byte[] text = new byte[131072];
            for (int i = 0; i < text.Length; i++)
            {
                text[i] = (byte)"the quick brown fox jumps "[random.Next(26)];
            }

            byte[] compressed = new byte[text.Length];
            int length = compressor.Compress(text, compressed);
            Assert.InRange(length, 1, text.Length - 1);
            byte[] back = new byte[text.Length];
            Assert.Equal(text.Length, decompressor.Decompress(compressed.AsSpan(0, length), back));
            Assert.Equal(text, back);

            // Same input, same bytes (a second compressor instance, like another worker).
            byte[] again = new byte[text.Length];
            Assert.Equal(compressed.AsSpan(0, length).ToArray(), again.AsSpan(0, settings.CreateCompressor().Compress(text, again)).ToArray());

            byte[] noise = new byte[65536];
            random.NextBytes(noise);
            Assert.Equal(-1, compressor.Compress(noise, new byte[noise.Length]));
        }

        [Fact]
        public void Options_blocks_match_the_squashfs_layouts()
        {
            Assert.Equal(new byte[] { 1, 0, 0, 0, 0, 0, 0, 0 }, new CompressionSettings(CompressionAlgorithm.Lz4).CreateOptionsBlock());
            Assert.Equal(new byte[] { 1, 0, 0, 0, 1, 0, 0, 0 }, new CompressionSettings(CompressionAlgorithm.Lz4, CompressionLevel.SmallestSize).CreateOptionsBlock());
            Assert.Null(new CompressionSettings(CompressionAlgorithm.Gzip, CompressionLevel.SmallestSize).CreateOptionsBlock());
            Assert.Equal(new byte[] { 6, 0, 0, 0, 15, 0, 1, 0 }, new CompressionSettings(CompressionAlgorithm.Gzip).CreateOptionsBlock());
            Assert.Equal(new byte[] { 1, 0, 0, 0 }, new CompressionSettings(CompressionAlgorithm.Zstd, CompressionLevel.Fastest).CreateOptionsBlock());
            Assert.Null(new CompressionSettings(CompressionAlgorithm.Zstd).CreateOptionsBlock());
        }

        [Fact]
        public void Zstd_optimal_is_level_15_with_a_target_length_of_32_and_a_window_within_the_block()
        {
            // Lines of random words, repeated with small edits: long matches with several candidates each, where
            // the optimal parser's stopping length changes its choices.
            var random = new Random(99);
            string[] lines = new string[200];
            for (int i = 0; i < lines.Length; i++)
            {
                var line = new System.Text.StringBuilder();
                while (line.Length < 40 + random.Next(80))
                {
                    for (int j = 3 + random.Next(8); j > 0; j--)
                    {
                        line.Append((char)('a' + random.Next(26)));
                    }

                    line.Append(' ');
                }

                lines[i] = line.ToString();
            }

            var text = new System.Text.StringBuilder();
            while (text.Length < 131072)
            {
                string line = lines[random.Next(lines.Length)];
                int edit = random.Next(line.Length);
                text.Append(line, 0, edit).Append((char)('A' + random.Next(26))).Append(line, edit, line.Length - edit).Append('\n');
            }

            byte[] block = System.Text.Encoding.ASCII.GetBytes(text.ToString(0, 131072));
            byte[] ours = new byte[block.Length];
            int length = new CompressionSettings(CompressionAlgorithm.Zstd).CreateCompressor().Compress(block, ours);
            Assert.InRange(length, 1, block.Length - 1);

            using var level15 = new ZstdSharp.Compressor(15);
            byte[] plain = level15.Wrap(block).ToArray();
            using var shorter = new ZstdSharp.Compressor(15);
            shorter.SetParameter(ZstdSharp.Unsafe.ZSTD_cParameter.ZSTD_c_targetLength, 32);
            Assert.Equal(shorter.Wrap(block).ToArray(), ours.AsSpan(0, length).ToArray());
            Assert.NotEqual(plain, ours.AsSpan(0, length).ToArray());
            Assert.InRange(length, plain.Length, plain.Length * 1.01);

            // The kernel decodes with a window of the block size (2^17 here).
            using var decompressor = new ZstdSharp.Decompressor();
            decompressor.SetParameter(ZstdSharp.Unsafe.ZSTD_dParameter.ZSTD_d_windowLogMax, 17);
            Assert.Equal(block, decompressor.Unwrap(ours.AsSpan(0, length)).ToArray());
        }

        [Fact]
        public void Zlib_stream_has_header_and_adler32_and_decodes_with_zlibstream()
        {
            byte[] data = new byte[10000];
            for (int i = 0; i < data.Length; i++)
            {
                data[i] = (byte)(i % 7);
            }

            byte[] compressed = new byte[data.Length];
            int length = new CompressionSettings(CompressionAlgorithm.Gzip).CreateCompressor().Compress(data, compressed);
            Assert.Equal(0x78, compressed[0]);
            Assert.Equal(0, ((compressed[0] << 8) | compressed[1]) % 31);
            using var zlib = new ZLibStream(new System.IO.MemoryStream(compressed, 0, length), CompressionMode.Decompress);
            var back = new System.IO.MemoryStream();
            zlib.CopyTo(back);
            Assert.Equal(data, back.ToArray());
        }
    }
}
