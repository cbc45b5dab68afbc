using System;
using System.Diagnostics;
using System.IO;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using GolemImage.Squashfs;
using GolemImage.Tree;
using Xunit;

namespace GolemImage.Tests.Squashfs
{
    /// <summary>
    /// The block queue's bound is on blocks (pooled buffers), not on the bookkeeping jobs between them: on a tree of
    /// small files every file start is a job, and when those counted against the bound only half of it held blocks,
    /// so the workers waited for the writer. Checked with an output whose writes are held: the reader may run ahead by
    /// exactly the configured number of blocks, however many file starts sit between them, and no further.
    /// </summary>
    [Trait(Requires.Key, Requires.Portable)]
    public sealed class BlockQueueTests
    {
        private const int BlockSize = 4096;

        [Fact]
        public async Task The_reader_runs_ahead_by_the_configured_blocks_whatever_bookkeeping_jobs_lie_between()
        {
            const int blocksInFlight = 4;
            const int fileCount = 12;
            byte[][] contents = new byte[fileCount][];
            var random = new Random(21);
            for (int i = 0; i < fileCount; i++)
            {
                // One full block each, no tail, all different: each file is a file start and one data block.
                contents[i] = new byte[BlockSize];
                random.NextBytes(contents[i]);
            }

            byte[] expected = await WriteAsync(new MemoryStream(), contents, blocksInFlight, _ => { });

            using var held = new HeldWritesStream();
            int added = 0;
            byte[] actual = await WriteAsync(held, contents, blocksInFlight, writer =>
            {
                // From here on the writer thread blocks in its first data write, holding that block.
                held.Hold();
            }, () => Interlocked.Increment(ref added), async () =>
            {
                int seen = await SettledAsync(() => Volatile.Read(ref added));

                // The first block is held in the blocked write; the reader may add the files of the other three.
                // Were file starts counted against the bound, it would stop after two files.
                Assert.Equal(blocksInFlight, seen);
                held.Release();
            });

            Assert.Equal(expected, actual);
        }

        private static async Task<int> SettledAsync(Func<int> read)
        {
            int last = read();
            var unchanged = Stopwatch.StartNew();
            var total = Stopwatch.StartNew();
            while (unchanged.ElapsedMilliseconds < 500 && total.ElapsedMilliseconds < 10_000)
            {
                await Task.Delay(20);
                int now = read();
                if (now != last)
                {
                    last = now;
                    unchanged.Restart();
                }
            }

            return last;
        }

        private static Task<byte[]> WriteAsync(MemoryStream output, byte[][] contents, int blocksInFlight, Action<SquashfsWriter> started) =>
            WriteAsync(output, contents, blocksInFlight, started, () => { }, null);

        private static async Task<byte[]> WriteAsync(MemoryStream output, byte[][] contents, int blocksInFlight, Action<SquashfsWriter> started, Action fileAdded, Func<Task>? whileAdding)
        {
            var options = new SquashfsWriterOptions
            {
                BlockSize = BlockSize,
                WorkerCount = 1,
                BlocksInFlightPerWorker = blocksInFlight,
                MkfsTime = 1700000000,
                DefaultModificationTime = 1700000000,
            };
            using var writer = new SquashfsWriter(output, options);
            started(writer);
            Task adding = Task.Run(async () =>
            {
                for (int i = 0; i < contents.Length; i++)
                {
                    var entry = new TreeEntry(Encoding.UTF8.GetBytes("file" + i.ToString("D2", System.Globalization.CultureInfo.InvariantCulture)), TreeEntryType.RegularFile) { Mode = 0x1A4, ModificationTime = 1700000000 };
                    var data = new MemoryStream(contents[i], false);
                    await writer.AddAsync(entry, (buffer, _) => new ValueTask<int>(data.Read(buffer.Span)), CancellationToken.None);
                    fileAdded();
                }
            });
            if (whileAdding != null)
            {
                await whileAdding();
            }

            await adding;
            await writer.FinishAsync(CancellationToken.None);
            return output.ToArray();
        }

        /// <summary>A memory output whose writes block while held (the writer thread stops with a block in hand).</summary>
        private sealed class HeldWritesStream : MemoryStream
        {
            private readonly ManualResetEventSlim _open = new ManualResetEventSlim(true);

            public void Hold() => _open.Reset();

            public void Release() => _open.Set();

            public override void Write(byte[] buffer, int offset, int count)
            {
                _open.Wait(TimeSpan.FromSeconds(30));
                base.Write(buffer, offset, count);
            }

            public override void Write(ReadOnlySpan<byte> buffer)
            {
                _open.Wait(TimeSpan.FromSeconds(30));
                base.Write(buffer);
            }

            protected override void Dispose(bool disposing)
            {
                _open.Set();
                base.Dispose(disposing);
            }
        }
    }
}
