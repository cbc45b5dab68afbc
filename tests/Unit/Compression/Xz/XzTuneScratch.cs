using System;
using System.Diagnostics;
using System.Linq;
using GolemImage.Compression.Xz;
using Xunit;
using Xunit.Abstractions;

namespace GolemImage.Tests.Compression.Xz
{
    public sealed unsafe class XzTuneScratch
    {
        private readonly ITestOutputHelper _output;

        public XzTuneScratch(ITestOutputHelper output) => _output = output;

        [LiblzmaExhaustiveFact]
        public void Tune()
        {
            var blocks = CorpusBlocks.Load(128 * 1024);
            var native = new byte[1 << 18];
            var output = new byte[1 << 18];
            // warm up
            foreach (var b in blocks.Take(5))
            {
                NativeLzma.SquashfsEncodeInto(b, native, 6, 1 << 17, false);
            }

            foreach (string config in (Environment.GetEnvironmentVariable("XZ_TUNE") ?? "64,48").Split(' '))
            {
                var parts = config.Split(',').Select(int.Parse).ToArray();
                var encoder = new LzmaEncoder(parts[0], parts[1], parts.Length > 2, parts.Length > 3);
                foreach (var b in blocks.Take(5))
                {
                    fixed (byte* d = b) fixed (byte* o = output) encoder.Encode(d, b.Length, o);
                }

                long ours = 0, theirs = 0;
                double best = double.MaxValue, bestTheirs = double.MaxValue;
                for (int round = 0; round < 3; round++)
                {
                    ours = 0; theirs = 0;
                    var w1 = new Stopwatch();
                    var w2 = new Stopwatch();
                    foreach (var b in blocks)
                    {
                        w1.Start();
                        fixed (byte* d = b) fixed (byte* o = output) ours += encoder.Encode(d, b.Length, o) + 60;
                        w1.Stop();
                        w2.Start();
                        theirs += NativeLzma.SquashfsEncodeInto(b, native, 6, 1 << 17, false);
                        w2.Stop();
                    }

                    best = Math.Min(best, w1.Elapsed.TotalSeconds);
                    bestTheirs = Math.Min(bestTheirs, w2.Elapsed.TotalSeconds);
                }

                _output.WriteLine($"nice {parts[0]} depth {parts[1]}: size {(double)ours / theirs:F4}x time {best:F2}s vs {bestTheirs:F2}s = {best / bestTheirs:F3}x");
            }
        }
    }
}
