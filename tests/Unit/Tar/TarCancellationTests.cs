using System;
using System.Buffers.Binary;
using System.Diagnostics;
using System.IO;
using System.Threading;
using System.Threading.Tasks;
using GolemImage.Tar;
using Xunit;

namespace GolemImage.Tests.Tar
{
    /// <summary>The tar reader's long walks (skipping an entry, reading its data) stop soon after cancellation.</summary>
    [Trait(Requires.Key, Requires.Portable)]
    public class TarCancellationTests
    {
        /// <summary>A tar stream of one 1 TiB entry whose data never ends: zeros for ever, without looking at any token.</summary>
        private sealed class EndlessEntry : Stream
        {
            private readonly byte[] header = TarBuilder.Header("huge", edit: h =>
            {
                // 1 TiB in base-256 (the octal field holds less than 8 GiB).
                Array.Clear(h, 124, 12);
                h[124] = 0x80;
                BinaryPrimitives.WriteInt64BigEndian(h.AsSpan(128), 1L << 40);
            });

            private long position;

            public override bool CanRead => true;

            public override bool CanSeek => false;

            public override bool CanWrite => false;

            public override long Length => throw new NotSupportedException();

            public override long Position { get => position; set => throw new NotSupportedException(); }

            public override int Read(byte[] buffer, int offset, int count)
            {
                Array.Clear(buffer, offset, count);
                if (position < header.Length)
                {
                    count = (int)Math.Min(count, header.Length - position);
                    Array.Copy(header, position, buffer, offset, count);
                }

                position += count;
                return count;
            }

            public override void Flush()
            {
            }

            public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

            public override void SetLength(long value) => throw new NotSupportedException();

            public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        }

        private static async Task AssertStopsSoon(Func<CancellationToken, Task> walk)
        {
            using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(500));
            var clock = Stopwatch.StartNew();
            Task running = Task.Run(() => walk(cancel.Token));
            Assert.True(await Task.WhenAny(running, Task.Delay(TimeSpan.FromSeconds(30))) == running, "the walk did not stop within 30 s");
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => running);
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(2.5), $"cancelled after 0.5 s, stopped after {clock.Elapsed}");
        }

        [Fact]
        public async Task Skipping_a_1_TiB_entry_stops_soon_after_cancellation()
        {
            await AssertStopsSoon(async token =>
            {
                await using var reader = new TarReader(new EndlessEntry(), "endless.tar");
                TarEntry? entry = await reader.GetNextEntryAsync(token);
                Assert.Equal(1L << 40, entry!.Size);
                await reader.GetNextEntryAsync(token);
            });
        }

        [Fact]
        public async Task Reading_a_1_TiB_entry_stops_soon_after_cancellation()
        {
            await AssertStopsSoon(async token =>
            {
                await using var reader = new TarReader(new EndlessEntry(), "endless.tar");
                TarEntry? entry = await reader.GetNextEntryAsync(token);
                var buffer = new byte[64 * 1024];
                while (await entry!.ReadDataAsync(buffer, token) > 0)
                {
                }
            });
        }
    }
}
