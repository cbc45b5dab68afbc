using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using GolemImage.Sources;
using Xunit;

namespace GolemImage.Tests.Sources
{
    /// <summary>
    /// The resume logic against a blob "server" whose connections break where a test says; the registry end to end
    /// (a real docker-registry behind a proxy that cuts connections) is in ConvertTo-GolemImage.Tests.ps1.
    /// </summary>
    [Trait(Requires.Key, Requires.Portable)]
    public sealed class ResumableBlobStreamTests
    {
        private static readonly byte[] Blob = Enumerable.Range(0, 300_000).Select(i => (byte)(i * 31 + (i >> 9))).ToArray();

        /// <summary>Serves Blob from any offset; the n-th connection breaks after Breaks[n] bytes (cleanly, with an IOException, or by going silent).</summary>
        private sealed class FlakyServer
        {
            public List<long> Offsets { get; } = new List<long>();

            public int[] Breaks { get; set; } = Array.Empty<int>();

            public bool EndCleanly { get; set; }

            public bool Stall { get; set; }

            /// <summary>The stalled read ignores its token and ends only when the stream is disposed (.NET Framework's HttpClient).</summary>
            public bool DeafToCancellation { get; set; }

            public int Unreachable { get; set; }

            public Task<Stream> Open(long offset, CancellationToken cancellationToken)
            {
                Offsets.Add(offset);
                if (Unreachable > 0)
                {
                    Unreachable--;
                    throw new GolemImageException("RegistryUnavailable", GolemErrorCategory.ConnectionError, "cannot reach the registry");
                }

                int connection = Offsets.Count - 1;
                int limit = connection < Breaks.Length ? Breaks[connection] : int.MaxValue;
                return Task.FromResult<Stream>(new Connection(Blob, (int)offset, limit, EndCleanly, Stall, DeafToCancellation));
            }
        }

        private sealed class Connection : ForwardOnlyReadStream
        {
            private readonly byte[] data;
            private readonly bool endCleanly;
            private readonly bool stall;
            private readonly bool deaf;
            private readonly TaskCompletionSource<bool> disposed = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
            private int position;
            private int left;

            public Connection(byte[] data, int offset, int limit, bool endCleanly, bool stall, bool deaf)
            {
                this.data = data;
                position = offset;
                left = limit;
                this.endCleanly = endCleanly;
                this.stall = stall;
                this.deaf = deaf;
            }

            public override int Read(byte[] buffer, int offset, int count)
            {
                if (left == 0 && position < data.Length)
                {
                    if (endCleanly)
                    {
                        return 0;
                    }

                    throw new IOException("The response ended prematurely.");
                }

                int n = Math.Min(Math.Min(count, left), data.Length - position);
                Array.Copy(data, position, buffer, offset, n);
                position += n;
                left -= n;
                return n;
            }

            public override async Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
            {
                if (stall && left == 0 && position < data.Length)
                {
                    // A connection nobody closed: nothing arrives, ever.
                    if (deaf)
                    {
                        await disposed.Task;
                        throw new ObjectDisposedException(nameof(Connection));
                    }

                    await Task.Delay(Timeout.Infinite, cancellationToken);
                }

                return Read(buffer, offset, count);
            }

            protected override void Dispose(bool disposing)
            {
                disposed.TrySetResult(true);
                base.Dispose(disposing);
            }

        }

        private static async Task<(byte[] Data, ResumableBlobStream Stream)> ReadAllAsync(FlakyServer server, RecordingReporter reporter, long size, CancellationToken cancellationToken = default)
        {
            Stream first = await server.Open(0, cancellationToken);
            var stream = new ResumableBlobStream(first, server.Open, size, "blob sha256:test", reporter, (message, inner) => new GolemImageException("RegistryUnavailable", GolemErrorCategory.ConnectionError, message, null, inner), TimeSpan.FromMilliseconds(1), TimeSpan.FromSeconds(30));
            using (var copy = new MemoryStream())
            {
                await stream.CopyToAsync(copy, 7000, cancellationToken);
                return (copy.ToArray(), stream);
            }
        }

        [Fact]
        public async Task A_broken_connection_is_resumed_from_the_first_missing_byte()
        {
            var server = new FlakyServer { Breaks = new[] { 100_000, 50_001 } };
            var reporter = new RecordingReporter();
            (byte[] data, ResumableBlobStream stream) = await ReadAllAsync(server, reporter, Blob.Length);
            Assert.True(Blob.AsSpan().SequenceEqual(data), "the resumed download must give the blob's bytes exactly");
            Assert.Equal(new long[] { 0, 100_000, 150_001 }, server.Offsets);
            Assert.Equal(2, stream.Resumes);
            Assert.Contains(reporter.VerboseMessages, m => m.Contains("broke off at byte 100000", StringComparison.Ordinal));
        }

        [Theory]
        [InlineData(false)]
        [InlineData(true)]
        public async Task A_connection_that_goes_silent_is_dropped_after_the_idle_timeout_and_resumed(bool deafToCancellation)
        {
            var server = new FlakyServer { Breaks = new[] { 70_000 }, Stall = true, DeafToCancellation = deafToCancellation };
            var reporter = new RecordingReporter();
            var stream = new ResumableBlobStream(await server.Open(0, default), server.Open, Blob.Length, "blob sha256:test", reporter, (m, e) => new IOException(m, e), TimeSpan.FromMilliseconds(1), TimeSpan.FromMilliseconds(200));
            using (var copy = new MemoryStream())
            {
                Task copying = stream.CopyToAsync(copy);
                Assert.True(await Task.WhenAny(copying, Task.Delay(TimeSpan.FromSeconds(30))) == copying, "the silent read was never given up");
                await copying;
                Assert.True(Blob.AsSpan().SequenceEqual(copy.ToArray()));
            }

            Assert.Equal(new long[] { 0, 70_000 }, server.Offsets);
            Assert.Contains(reporter.VerboseMessages, m => m.Contains("no data for 0.2 s", StringComparison.Ordinal));
        }

        [Fact]
        public async Task Stopping_ends_a_stalled_read_that_ignores_its_token_at_once_not_after_the_idle_timeout()
        {
            var server = new FlakyServer { Breaks = new[] { 70_000 }, Stall = true, DeafToCancellation = true };
            var stream = new ResumableBlobStream(await server.Open(0, default), server.Open, Blob.Length, "blob sha256:test", new RecordingReporter(), (m, e) => new IOException(m, e), TimeSpan.FromMilliseconds(1), TimeSpan.FromSeconds(60));
            using var stop = new CancellationTokenSource();
            using var copy = new MemoryStream();
            Task copying = stream.CopyToAsync(copy, 7000, stop.Token);
            while (copy.Length < 70_000)
            {
                await Task.Delay(10);
            }

            await Task.Delay(100);
            var clock = System.Diagnostics.Stopwatch.StartNew();
            stop.Cancel();
            Assert.True(await Task.WhenAny(copying, Task.Delay(TimeSpan.FromSeconds(10))) == copying, "the stalled read ignored the stop");
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => copying);
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(5), $"took {clock.Elapsed}");
            Assert.Equal(new long[] { 0 }, server.Offsets);
        }

        [Fact]
        public async Task A_body_that_ends_before_the_descriptor_size_is_resumed()
        {
            var server = new FlakyServer { Breaks = new[] { 123_456 }, EndCleanly = true };
            (byte[] data, _) = await ReadAllAsync(server, new RecordingReporter(), Blob.Length);
            Assert.True(Blob.AsSpan().SequenceEqual(data));
            Assert.Equal(new long[] { 0, 123_456 }, server.Offsets);
        }

        [Fact]
        public async Task Without_a_known_size_a_clean_early_end_is_left_to_the_digest_check()
        {
            var server = new FlakyServer { Breaks = new[] { 123_456 }, EndCleanly = true };
            (byte[] data, _) = await ReadAllAsync(server, new RecordingReporter(), 0);
            Assert.Equal(123_456, data.Length);
            Assert.Single(server.Offsets);
        }

        [Fact]
        public async Task An_unreachable_registry_costs_an_attempt_and_then_the_download_goes_on()
        {
            var server = new FlakyServer { Breaks = new[] { 10_000 }, Unreachable = 0 };
            var stream = new ResumableBlobStream(await server.Open(0, default), server.Open, Blob.Length, "blob sha256:test", new RecordingReporter(), (m, e) => new IOException(m, e), TimeSpan.FromMilliseconds(1), TimeSpan.FromSeconds(30));
            server.Unreachable = 2;
            using (var copy = new MemoryStream())
            {
                await stream.CopyToAsync(copy);
                Assert.True(Blob.AsSpan().SequenceEqual(copy.ToArray()));
            }

            Assert.Equal(new long[] { 0, 10_000, 10_000, 10_000 }, server.Offsets);
            Assert.Equal(3, stream.Resumes);
        }

        [Fact]
        public async Task It_gives_up_after_the_last_attempt_with_the_callers_error()
        {
            var server = new FlakyServer { Breaks = Enumerable.Repeat(1_000, 100).ToArray() };
            var error = await Assert.ThrowsAsync<GolemImageException>(() => ReadAllAsync(server, new RecordingReporter(), Blob.Length));
            Assert.Equal("RegistryUnavailable", error.ErrorId);
            Assert.Contains("blob sha256:test", error.Message, StringComparison.Ordinal);
            Assert.Contains($"({ResumableBlobStream.MaxResumes} attempts)", error.Message, StringComparison.Ordinal);
            Assert.IsType<IOException>(error.InnerException);
            Assert.Equal(1 + ResumableBlobStream.MaxResumes, server.Offsets.Count);
        }

        [Fact]
        public async Task Cancellation_stops_the_resuming()
        {
            var server = new FlakyServer { Breaks = new[] { 5_000 } };
            using (var cancellation = new CancellationTokenSource())
            {
                var stream = new ResumableBlobStream(await server.Open(0, default), server.Open, Blob.Length, "blob", new RecordingReporter(), (m, e) => new IOException(m, e), TimeSpan.FromSeconds(30), TimeSpan.FromSeconds(30));
                var buffer = new byte[8192];
                Assert.Equal(5_000, await stream.ReadAsync(buffer, 0, buffer.Length, cancellation.Token));
                Task<int> next = stream.ReadAsync(buffer, 0, buffer.Length, cancellation.Token);
                cancellation.Cancel();
                await Assert.ThrowsAnyAsync<OperationCanceledException>(() => next);
                Assert.Single(server.Offsets);
            }
        }
    }
}
