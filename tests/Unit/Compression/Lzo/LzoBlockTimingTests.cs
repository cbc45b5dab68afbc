using System;
using System.Collections.Generic;
using System.IO.Compression;
using System.Linq;
using System.Runtime.InteropServices;
using GolemImage.Compression.Lzo;
using Xunit.Abstractions;

namespace GolemImage.Tests.Compression.Lzo
{
    /// <summary>
    /// Per-block time of Optimal against liblzo2's lzo1x_999/8 (what mksquashfs -comp lzo uses) in thread CPU time,
    /// in interleaved rounds so that load from other processes hits both alike. Prints only; GOLEMIMAGE_EXHAUSTIVE=1.
    /// GOLEMIMAGE_CORPUS picks the tree (see <see cref="CorpusBlocks"/>), GOLEMIMAGE_LZO_ROUNDS the rounds (3).
    /// </summary>
    [Xunit.Trait(Requires.Key, Requires.NativeLibraries)]
    public class LzoBlockTimingTests
    {
        private const int BlockSize = 128 * 1024;
        private readonly ITestOutputHelper _output;

        public LzoBlockTimingTests(ITestOutputHelper output) => _output = output;

        [LiblzoExhaustiveFact]
        public void Optimal_block_cpu_time_against_lzo1x_999_level_8()
        {
            var blocks = CorpusBlocks.Load(BlockSize);
            long input = blocks.Sum(b => (long)b.Length);
            int rounds = int.Parse(Environment.GetEnvironmentVariable("GOLEMIMAGE_LZO_ROUNDS") ?? "3");
            var scratch = new byte[LzoBlockCompressor.MaxEncodedLength(BlockSize)];
            var levels = new (string Name, Func<byte[], int> Compress)[]
            {
                ("liblzo2 lzo1x_999/8", b => NativeLzo.CompressInto(b, scratch, 8)),
                ("Optimal", Encoder(CompressionLevel.Optimal)),
            };

            Func<byte[], int> Encoder(CompressionLevel level)
            {
                var compressor = new LzoBlockCompressor(level);
                return b => compressor.Encode(b, scratch);
            }

            var seconds = new double[levels.Length];
            var sizes = new long[levels.Length];
            _output.WriteLine($"{blocks.Count} blocks, {input:N0} bytes, {rounds} rounds (least thread CPU time of the rounds)");
            for (int round = 0; round < rounds; round++)
            {
                for (int n = 0; n < levels.Length; n++)
                {
                    // Alternate the order of all but the yardstick, so that none always runs in another's wake.
                    int i = n == 0 || round % 2 == 0 ? n : levels.Length - n;
                    long size = 0;
                    double start = ThreadCpuSeconds();
                    foreach (var block in blocks)
                    {
                        size += Math.Min(levels[i].Compress(block), block.Length);
                    }

                    double elapsed = ThreadCpuSeconds() - start;
                    _output.WriteLine($"round {round} {levels[i].Name,-22} {size,12:N0} {elapsed,8:F3} s");
                    sizes[i] = size;
                    // The least CPU time of all rounds: load from other processes only ever adds to it.
                    if (round == 0 || elapsed < seconds[i])
                    {
                        seconds[i] = elapsed;
                    }
                }
            }

            for (int i = 1; i < levels.Length; i++)
            {
                _output.WriteLine($"{levels[i].Name}/lzo1x_999 size {(double)sizes[i] / sizes[0]:F4} time {seconds[i] / seconds[0]:F4}");
            }
        }

        [DllImport("libc", EntryPoint = "clock_gettime")]
        private static extern int ClockGetTime(int clock, out TimeSpec time);

        private static double ThreadCpuSeconds()
        {
            // CLOCK_THREAD_CPUTIME_ID: this thread's CPU time only, blind to other processes and the GC's threads.
            ClockGetTime(3, out var time);
            return time.Seconds + (time.Nanoseconds / 1e9);
        }

        [StructLayout(LayoutKind.Sequential)]
        private struct TimeSpec
        {
            public long Seconds;
            public long Nanoseconds;
        }
    }
}
