using System;
using System.Collections.Generic;
using System.IO.Compression;
using System.Linq;
using GolemImage.Compression.Xz;
using Xunit;

namespace GolemImage.Tests.Compression.Xz
{
    [Trait(Requires.Key, Requires.Portable)]
    public sealed class XzRoundTripTests
    {
        public static readonly TheoryData<int> Levels = new TheoryData<int>
        {
            (int)CompressionLevel.Fastest,
            (int)CompressionLevel.Optimal,
            3, // SmallestSize
        };

        private static IEnumerable<(string Name, byte[] Data)> Inputs()
        {
            foreach (var shape in XzTestData.Shapes())
            {
                yield return shape;
            }

            int i = 0;
            foreach (var block in XzTestData.RealBlocks(XzTestData.Exhaustive ? 64 : 4))
            {
                yield return ($"real block {i++}", block);
            }
        }

        private static XzBlockCompressor Compressor(int level, int dictionary = 1 << 20) => new XzBlockCompressor((CompressionLevel)level, dictionary);

        [Theory]
        [MemberData(nameof(Levels))]
        public void Every_shape_round_trips_through_our_decoder_with_and_without_x86(int level)
        {
            var compressor = Compressor(level);
            var decoder = new XzBlockDecompressor();
            foreach (var (name, data) in Inputs())
            {
                foreach (bool x86 in new[] { false, true })
                {
                    var stream = compressor.Encode(data, x86);
                    Assert.True(stream.Length <= XzBlockCompressor.MaxStreamLength(data.Length), name);
                    var output = new byte[data.Length];
                    int length = decoder.Decompress(stream, output);
                    Assert.Equal(data.Length, length);
                    Assert.True(data.AsSpan().SequenceEqual(output), $"{name}, x86 {x86}: decoded data differs");
                }
            }
        }

        [Trait(Requires.Key, Requires.NativeLibraries)]
        [LiblzmaTheory]
        [MemberData(nameof(Levels))]
        public void Liblzma_decodes_every_stream_we_write(int level)
        {
            var compressor = Compressor(level);
            foreach (var (name, data) in Inputs())
            {
                foreach (bool x86 in new[] { false, true })
                {
                    var stream = compressor.Encode(data, x86);
                    var (result, output) = NativeLzma.Decode(stream, data.Length);
                    Assert.True(result == 0, $"{name}, x86 {x86}: liblzma returned {result}");
                    Assert.True(data.AsSpan().SequenceEqual(output), $"{name}, x86 {x86}: liblzma decoded other data");
                }
            }
        }

        [Theory]
        [MemberData(nameof(Levels))]
        public void Output_is_deterministic_and_independent_of_previous_blocks(int level)
        {
            var inputs = new List<(string Name, byte[] Data)>(Inputs());
            var first = Compressor(level);
            var results = new List<byte[]>();
            foreach (var (_, data) in inputs)
            {
                results.Add(first.Encode(data, false));
            }

            inputs.Reverse();
            results.Reverse();
            var second = Compressor(level);
            for (int i = 0; i < inputs.Count; i++)
            {
                Assert.True(results[i].AsSpan().SequenceEqual(second.Encode(inputs[i].Data, false)), inputs[i].Name);
            }
        }

        [Theory]
        [MemberData(nameof(Levels))]
        public void Compress_returns_minus_one_unless_smaller_and_incompressible_data_grows_little(int level)
        {
            var compressor = Compressor(level, XzBlockCompressor.DefaultDictionarySize);
            var random = XzTestData.Random(XzTestData.BlockSize, 9);
            Assert.Equal(-1, compressor.Compress(random, new byte[random.Length]));
            var stream = compressor.Encode(random, false);
            Assert.True(stream.Length <= random.Length + 80, $"random 128 KiB took {stream.Length} bytes");
            Assert.Equal(-1, compressor.Compress(Array.Empty<byte>(), Array.Empty<byte>()));

            var zeros = new byte[XzTestData.BlockSize];
            var destination = new byte[zeros.Length];
            int length = compressor.Compress(zeros, destination);
            Assert.InRange(length, 1, 200);
            var output = new byte[zeros.Length];
            Assert.Equal(zeros.Length, new XzBlockDecompressor(XzBlockCompressor.DefaultDictionarySize).Decompress(destination.AsSpan(0, length), output));
        }

        [Trait(Requires.Key, Requires.NativeLibraries)]
        [LiblzmaTheory]
        [MemberData(nameof(Levels))]
        public void One_MiB_blocks_round_trip_through_both_decoders(int level)
        {
            var compressor = Compressor(level);
            foreach (var (name, data) in XzTestData.LargeShapes())
            {
                var stream = compressor.Encode(data, x86: level == 3);
                var output = new byte[data.Length];
                Assert.Equal(data.Length, new XzBlockDecompressor().Decompress(stream, output));
                Assert.True(data.AsSpan().SequenceEqual(output), name);
                var (result, native) = NativeLzma.Decode(stream, data.Length);
                Assert.True(result == 0 && data.AsSpan().SequenceEqual(native), $"{name}: liblzma returned {result}");
            }
        }

        [Fact]
        public void Separate_instances_on_separate_threads_write_the_same_bytes()
        {
            var blocks = XzTestData.RealBlocks(6);
            foreach (int level in new[] { 0, 1, 3 })
            {
                var expected = new byte[blocks.Count][];
                var single = Compressor(level, XzBlockCompressor.DefaultDictionarySize);
                for (int i = 0; i < blocks.Count; i++)
                {
                    expected[i] = single.Encode(blocks[i], false);
                }

                var parallel = new byte[blocks.Count][];
                System.Threading.Tasks.Parallel.For(0, 2, worker =>
                {
                    var compressor = Compressor(level, XzBlockCompressor.DefaultDictionarySize);
                    for (int i = worker; i < blocks.Count; i += 2)
                    {
                        parallel[i] = compressor.Encode(blocks[i], false);
                    }
                });
                for (int i = 0; i < blocks.Count; i++)
                {
                    Assert.True(expected[i].AsSpan().SequenceEqual(parallel[i]), $"level {level}, block {i}");
                }
            }
        }

        [Trait(Requires.Key, Requires.LinuxTools)]
        [Fact]
        public void Xz_tool_tests_our_streams_clean()
        {
            string? xz = new[] { "/usr/bin/xz", "/bin/xz" }.FirstOrDefault(System.IO.File.Exists);
            if (xz == null)
            {
                return; // checked by liblzma's own decoder above wherever the xz tool is missing
            }

            string directory = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "golem-xz-" + Guid.NewGuid().ToString("N"));
            System.IO.Directory.CreateDirectory(directory);
            try
            {
                var files = new List<string>();
                int n = 0;
                foreach (int level in new[] { 0, 1, 3 })
                {
                    var compressor = Compressor(level);
                    foreach (var (_, data) in Inputs())
                    {
                        string file = System.IO.Path.Combine(directory, $"{n++}.xz");
                        System.IO.File.WriteAllBytes(file, compressor.Encode(data, x86: level == 3));
                        files.Add(file);
                    }
                }

                var start = new System.Diagnostics.ProcessStartInfo(xz) { RedirectStandardError = true, UseShellExecute = false };
                start.ArgumentList.Add("-t");
                start.ArgumentList.Add("--");
                files.ForEach(start.ArgumentList.Add);
                using var process = System.Diagnostics.Process.Start(start)!;
                string errors = process.StandardError.ReadToEnd();
                process.WaitForExit();
                Assert.True(process.ExitCode == 0, $"xz -t: {errors}");
            }
            finally
            {
                System.IO.Directory.Delete(directory, recursive: true);
            }
        }

        [Fact]
        public void The_stream_dictionary_never_exceeds_the_configured_one()
        {
            var data = Lzo.LzoTestData.MakeRepetitive(8192, 30, 3);
            var metadata = new XzBlockCompressor(CompressionLevel.Optimal, XzBlockCompressor.MetadataDictionarySize, tryX86: false);
            Assert.Equal(0u, metadata.Options.Filters);
            var stream = metadata.Encode(data, false);
            Assert.Equal(8192, new XzBlockDecompressor(8192).Decompress(stream, new byte[8192]));
            var big = Compressor((int)CompressionLevel.Optimal, XzBlockCompressor.DefaultDictionarySize).Encode(new byte[200_000], false);
            Assert.Throws<System.IO.InvalidDataException>(() => new XzBlockDecompressor(64 * 1024).Decompress(big, new byte[200_000]));
            Assert.Equal(200_000, new XzBlockDecompressor(128 * 1024).Decompress(big, new byte[200_000]));
        }

        [Fact]
        public void SmallestSize_records_the_x86_filter_and_refuses_bad_dictionaries()
        {
            Assert.Equal(XzOptions.X86Filter, new XzBlockCompressor((CompressionLevel)3, 1 << 17).Options.Filters);
            Assert.Equal(0u, new XzBlockCompressor(CompressionLevel.Optimal, 1 << 17).Options.Filters);
            Assert.Equal(1 << 17, new XzBlockCompressor(CompressionLevel.Optimal, 1 << 17).Options.DictionarySize);
            Assert.Throws<ArgumentOutOfRangeException>(() => new XzBlockCompressor(CompressionLevel.Optimal, 100_000));
            Assert.Throws<ArgumentOutOfRangeException>(() => new XzBlockCompressor(CompressionLevel.Optimal, 4096));
            Assert.Throws<ArgumentOutOfRangeException>(() => new XzBlockCompressor(CompressionLevel.NoCompression, 1 << 17));
        }
    }
}
