using System;
using System.Diagnostics;
using System.Linq;
using GolemImage.Compression.Deflate;
using Xunit;
using Xunit.Abstractions;

namespace GolemImage.Tests.Compression.Deflate
{
    /// <summary>
    /// Our deflate against the system zlib's compress2 at levels 1, 6 and 9 on <see cref="CorpusBlocks"/> in
    /// 128 KiB blocks (what squashfs-tools do per block), one thread, each block through both back to back so
    /// that this VM's speed swings hit both sides alike. Slow: only with GOLEMIMAGE_EXHAUSTIVE=1.
    /// </summary>
    [Trait(Requires.Key, Requires.NativeLibraries)]
    public sealed class DeflateCorpusTests
    {
        private const int BlockSize = 128 * 1024;
        private readonly ITestOutputHelper _output;

        public DeflateCorpusTests(ITestOutputHelper output) => _output = output;

        [ZlibExhaustiveFact]
        public unsafe void Levels_match_zlib_sizes_on_a_real_tree()
        {
            var blocks = CorpusBlocks.Load(BlockSize);
            long input = blocks.Sum(b => (long)b.Length);
            _output.WriteLine($"{blocks.Count} blocks, {input:N0} bytes, zlib {NativeZlib.Version}");
            var levels = (Environment.GetEnvironmentVariable("GOLEMIMAGE_CORPUS_LEVELS") ?? "1,6,9").Split(',').Select(int.Parse);
            var output = new byte[BlockSize + 1024];
            var zlibOutput = new byte[BlockSize + 1024];
            foreach (int level in levels)
            {
                var encoder = new DeflateEncoder(level);
                long ours = 0, zlib = 0;
                var oursWatch = new Stopwatch();
                var zlibWatch = new Stopwatch();
                foreach (byte[] block in blocks)
                {
                    oursWatch.Start();
                    int length;
                    fixed (byte* source = block)
                    fixed (byte* destination = output)
                    {
                        length = encoder.Encode(source, block.Length, destination, output.Length);
                    }

                    oursWatch.Stop();
                    zlibWatch.Start();
                    int zlibLength = NativeZlib.CompressInto(block, zlibOutput, level);
                    zlibWatch.Stop();
                    ours += length + 6;
                    zlib += zlibLength;
                }

                double size = (double)ours / zlib;
                _output.WriteLine($"level {level}: ours {ours:N0} bytes in {oursWatch.Elapsed.TotalSeconds:F2} s, zlib {zlib:N0} bytes in {zlibWatch.Elapsed.TotalSeconds:F2} s: size {size:F4}x, time {oursWatch.Elapsed.TotalSeconds / zlibWatch.Elapsed.TotalSeconds:F3}x");
                Assert.True(size <= (level == 1 ? 1.05 : 1.005), $"level {level}: {size:F4}x zlib's size");
            }
        }
    }

    /// <summary>Needs the system zlib and GOLEMIMAGE_EXHAUSTIVE=1.</summary>
    public sealed class ZlibExhaustiveFactAttribute : ExhaustiveNativeFactAttribute
    {
        public ZlibExhaustiveFactAttribute()
            : base(() => NativeZlib.Unavailable)
        {
        }
    }
}
