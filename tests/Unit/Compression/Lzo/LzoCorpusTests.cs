using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.IO.Compression;
using System.Linq;
using GolemImage.Compression.Lzo;
using Xunit;
using Xunit.Abstractions;

namespace GolemImage.Tests.Compression.Lzo
{
    /// <summary>
    /// Block compression of a real file tree (<see cref="CorpusBlocks"/>) in 128 KiB blocks, against liblzo2's lzo1x_1 and
    /// lzo1x_999 level 8: ratio targets plus a single-thread time picture. Slow: only with GOLEMIMAGE_EXHAUSTIVE=1.
    /// </summary>
    [Trait(Requires.Key, Requires.NativeLibraries)]
    public class LzoCorpusTests
    {
        private const int BlockSize = 128 * 1024;
        private readonly ITestOutputHelper _output;

        public LzoCorpusTests(ITestOutputHelper output) => _output = output;

        [LiblzoExhaustiveFact]
        public void Levels_meet_their_size_targets_against_liblzo2_on_a_real_tree()
        {
            var blocks = CorpusBlocks.Load(BlockSize);
            long input = blocks.Sum(b => (long)b.Length);

            (long Size, double Seconds) Measure(string name, Func<byte[], int> compress)
            {
                var watch = Stopwatch.StartNew();
                long total = 0;
                foreach (var block in blocks)
                {
                    int length = compress(block);
                    total += length < 0 || length >= block.Length ? block.Length : length;
                }

                watch.Stop();
                _output.WriteLine($"{name,-22} {total,12:N0} bytes ({(double)total / input:P2}) {watch.Elapsed.TotalSeconds,8:F2} s  {input / 1e6 / watch.Elapsed.TotalSeconds,8:F1} MB/s");
                return (total, watch.Elapsed.TotalSeconds);
            }

            int Ours(CompressionLevel level, byte[] block, LzoBlockCompressor compressor, byte[] buffer)
            {
                int length = compressor.Encode(block, buffer);
                return length;
            }

            var scratch = new byte[LzoBlockCompressor.MaxEncodedLength(BlockSize)];
            _output.WriteLine($"{blocks.Count} blocks, {input:N0} bytes");

            // GOLEMIMAGE_LZO_CORPUS_LEVELS (e.g. "SmallestSize" or "Fastest,Optimal") limits the run to those
            // levels while tuning one encoder; lzo1x_999/8 always runs as the yardstick. Default: all levels.
            var selected = (Environment.GetEnvironmentVariable("GOLEMIMAGE_LZO_CORPUS_LEVELS") ?? "Fastest,Optimal,SmallestSize")
                .Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            bool Runs(string level) => selected.Contains(level, StringComparer.OrdinalIgnoreCase);

            var native999 = Measure("liblzo2 lzo1x_999/8", b => NativeLzo.CompressInto(b, scratch, 8));
            if (Runs("Fastest"))
            {
                var native1 = Measure("liblzo2 lzo1x_1", b => NativeLzo.CompressInto(b, scratch, 0));
                var fastestCompressor = new LzoBlockCompressor(CompressionLevel.Fastest);
                var fastest = Measure("GolemImage Fastest", b => Ours(CompressionLevel.Fastest, b, fastestCompressor, scratch));
                _output.WriteLine($"Fastest/lzo1x_1 size {(double)fastest.Size / native1.Size:F3} time {fastest.Seconds / native1.Seconds:F2}");
                Assert.True(fastest.Size <= native1.Size * 1.02, "Fastest must stay within 1.02x of lzo1x_1's size");
            }

            if (Runs("Optimal"))
            {
                var optimalCompressor = new LzoBlockCompressor(CompressionLevel.Optimal);
                var optimal = Measure("GolemImage Optimal", b => Ours(CompressionLevel.Optimal, b, optimalCompressor, scratch));
                _output.WriteLine($"Optimal/lzo1x_999 size {(double)optimal.Size / native999.Size:F3} time {optimal.Seconds / native999.Seconds:F3}");
                Assert.True(optimal.Size <= native999.Size * 1.08, "Optimal must stay within 1.08x of lzo1x_999/8's size");
            }

            if (Runs("SmallestSize"))
            {
                var smallestCompressor = new LzoBlockCompressor(CompressionLevel.SmallestSize);
                var smallest = Measure("GolemImage SmallestSize", b => Ours(CompressionLevel.SmallestSize, b, smallestCompressor, scratch));
                _output.WriteLine($"SmallestSize/lzo1x_999 size {(double)smallest.Size / native999.Size:F4} time {smallest.Seconds / native999.Seconds:F3}");
                Assert.True(smallest.Size <= native999.Size, "SmallestSize must not be larger than lzo1x_999/8");
            }
        }
    }

    /// <summary>Needs liblzo2 and GOLEMIMAGE_EXHAUSTIVE=1.</summary>
    public sealed class LiblzoExhaustiveFactAttribute : ExhaustiveNativeFactAttribute
    {
        public LiblzoExhaustiveFactAttribute()
            : base(() => NativeLzo.Unavailable)
        {
        }
    }
}
