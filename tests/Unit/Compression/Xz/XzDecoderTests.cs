using System;
using System.IO;
using GolemImage.Compression.Xz;
using Xunit;

namespace GolemImage.Tests.Compression.Xz
{
    [Trait(Requires.Key, Requires.Portable)]
    public sealed class XzDecoderTests
    {
        private static byte[] Decode(byte[] stream, int room, int dictionaryLimit = 1 << 20)
        {
            var output = new byte[room];
            int length = new XzBlockDecompressor(dictionaryLimit).Decompress(stream, output);
            return output.AsSpan(0, length).ToArray();
        }

        [Trait(Requires.Key, Requires.NativeLibraries)]
        [LiblzmaFact]
        public void Decodes_liblzma_output_of_presets_0_6_and_6e_and_with_the_x86_filter()
        {
            var inputs = new System.Collections.Generic.List<(string, byte[])>(XzTestData.Shapes());
            foreach (var block in XzTestData.RealBlocks(XzTestData.Exhaustive ? 64 : 4))
            {
                inputs.Add(("real", block));
            }

            foreach (var (name, data) in inputs)
            {
                foreach (uint preset in new[] { 0u, 6u, 6u | NativeLzma.PresetExtreme })
                {
                    var easy = NativeLzma.EasyEncode(data, preset);
                    Assert.True(data.AsSpan().SequenceEqual(Decode(easy, data.Length, 64 << 20)), $"{name}, easy preset {preset:X}");
                    foreach (bool x86 in new[] { false, true })
                    {
                        var squashfs = NativeLzma.SquashfsEncode(data, preset, 1 << 20, x86);
                        Assert.True(data.AsSpan().SequenceEqual(Decode(squashfs, data.Length)), $"{name}, preset {preset:X}, x86 {x86}");
                    }
                }
            }
        }

        [Trait(Requires.Key, Requires.NativeLibraries)]
        [LiblzmaFact]
        public void Rejects_a_dictionary_larger_than_the_limit()
        {
            var stream = NativeLzma.SquashfsEncode(new byte[1000], 6, 256 * 1024, x86: false);
            Assert.Equal(1000, Decode(stream, 1000, 256 * 1024).Length);
            var e = Assert.Throws<InvalidDataException>(() => Decode(stream, 1000, 128 * 1024));
            Assert.Contains("dictionary", e.Message);
        }

        [Fact]
        public void Rejects_a_match_reaching_beyond_the_declared_dictionary()
        {
            // 6000 random bytes twice: the second half is one match 6000 back. Declaring a 4 KiB dictionary in the
            // block header (CRC32 fixed up) makes that match reach beyond it.
            var half = XzTestData.Random(6000, 11);
            var data = new byte[12000];
            half.CopyTo(data, 0);
            half.CopyTo(data, 6000);
            var stream = new XzBlockCompressor().Encode(data, x86: false);
            Assert.Equal(12000, Decode(stream, 12000).Length);
            int header = GolemImage.Compression.Xz.XzFormat.StreamHeaderSize;
            int headerSize = (stream[header] + 1) * 4;
            Assert.Equal(0x21, stream[header + 2]);
            stream[header + 4] = 0;
            GolemImage.Compression.Xz.XzFormat.WriteUInt32(stream.AsSpan(header + headerSize - 4), GolemImage.Compression.Xz.XzFormat.Crc32Of(stream.AsSpan(header, headerSize - 4)));
            var e = Assert.Throws<InvalidDataException>(() => Decode(stream, 12000));
            Assert.Contains("beyond the dictionary", e.Message);
        }

        [Trait(Requires.Key, Requires.NativeLibraries)]
        [LiblzmaFact]
        public void Rejects_output_that_does_not_fit()
        {
            var data = Lzo.LzoTestData.MakeRepetitive(5000, 20, 1);
            var stream = NativeLzma.SquashfsEncode(data, 6, 8192, x86: false);
            Assert.Throws<InvalidDataException>(() => Decode(stream, 4999));
        }

        [Trait(Requires.Key, Requires.NativeLibraries)]
        [LiblzmaFact]
        public void Every_truncation_and_bad_crc_is_rejected()
        {
            var data = Lzo.LzoTestData.MakeRepetitive(20_000, 30, 2);
            var stream = NativeLzma.SquashfsEncode(data, 6, 1 << 17, x86: true);
            for (int length = 0; length < stream.Length; length++)
            {
                Assert.Throws<InvalidDataException>(() => Decode(stream.AsSpan(0, length).ToArray(), data.Length));
            }

            var longer = new byte[stream.Length + 4];
            stream.CopyTo(longer, 0);
            Assert.Throws<InvalidDataException>(() => Decode(longer, data.Length));

            // Flipping any bit of the header, block header, check, index or footer is caught by a CRC32 or a field check.
            for (int i = 0; i < stream.Length; i++)
            {
                var damaged = (byte[])stream.Clone();
                damaged[i] ^= 0x10;
                try
                {
                    var output = Decode(damaged, data.Length);
                    Assert.Fail($"byte {i} damaged still decoded ({output.Length} bytes)");
                }
                catch (InvalidDataException)
                {
                }
            }
        }

        [Fact]
        public void Random_damage_ends_in_invalid_data_or_exact_output_never_another_exception()
        {
            var encoder = new XzBlockCompressor();
            var random = new Random(20);
            var sources = new[]
            {
                Lzo.LzoTestData.MakeRepetitive(30_000, 30, 5),
                XzTestData.HalfRandom(70_000, 6),
            };
            var streams = new[]
            {
                encoder.Encode(sources[0], x86: false),
                encoder.Encode(sources[1], x86: false),
                encoder.Encode(sources[0], x86: true),
                encoder.Encode(sources[1], x86: true),
            };
            int rounds = XzTestData.Exhaustive ? 50_000 : 2_000;
            var output = new byte[80_000];
            var decoder = new XzBlockDecompressor(1 << 17);
            for (int round = 0; round < rounds; round++)
            {
                var data = sources[round % 2];
                var stream = streams[round % 4];
                var damaged = (byte[])stream.Clone();
                int damages = 1 + random.Next(4);
                for (int d = 0; d < damages; d++)
                {
                    damaged[random.Next(damaged.Length)] = (byte)random.Next(256);
                }

                // The LZMA2 decoder runs before the data's CRC32 is compared, so damaged chunks reach it.
                try
                {
                    int length = decoder.Decompress(damaged, output.AsSpan(0, random.Next(2) == 0 ? data.Length : output.Length));
                    Assert.True(length == data.Length && output.AsSpan(0, length).SequenceEqual(data), $"round {round}: damaged stream decoded to other data");
                }
                catch (InvalidDataException)
                {
                }
            }
        }
    }
}
