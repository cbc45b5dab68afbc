using System;
using System.IO;
using System.Net.Http;
using System.Threading;
using System.Threading.Tasks;
using GolemImage.Reporting;

namespace GolemImage.Sources
{
    /// <summary>
    /// A registry blob's body that survives a dropped connection: when reading fails, stalls (no byte for the idle
    /// timeout: a connection a NAT or proxy forgot would otherwise wait for hours), or the body ends before the size
    /// the manifest gives, it asks again from the first missing byte (as docker pull does), up to
    /// <see cref="MaxResumes"/> times with a growing pause. The layer's digest check downstream still covers every
    /// byte, so a resume that returned the wrong bytes cannot go unnoticed.
    /// </summary>
    internal sealed class ResumableBlobStream : ForwardOnlyReadStream
    {
        public const int MaxResumes = 5;

        private readonly Func<long, CancellationToken, Task<Stream>> reopen;
        private readonly long size;
        private readonly string what;
        private readonly IEngineReporter reporter;
        private readonly Func<string, Exception?, Exception> fail;
        private readonly TimeSpan firstPause;
        private readonly TimeSpan idleTimeout;
        private Stream current;
        private long position;
        private int resumes;

        /// <param name="first">The body as first opened, from byte 0.</param>
        /// <param name="reopen">Opens the body again from the given byte offset.</param>
        /// <param name="size">The blob's size from its descriptor, or 0 when unknown.</param>
        /// <param name="what">Names the blob in messages.</param>
        /// <param name="fail">Builds the exception thrown when the download cannot be completed.</param>
        /// <param name="firstPause">The pause before the first resume; it doubles for each further one.</param>
        /// <param name="idleTimeout">How long one read may wait for its first byte before the connection counts as broken.</param>
        public ResumableBlobStream(Stream first, Func<long, CancellationToken, Task<Stream>> reopen, long size, string what, IEngineReporter reporter, Func<string, Exception?, Exception> fail, TimeSpan firstPause, TimeSpan idleTimeout)
        {
            current = first;
            this.reopen = reopen;
            this.size = size;
            this.what = what;
            this.reporter = reporter;
            this.fail = fail;
            this.firstPause = firstPause;
            this.idleTimeout = idleTimeout;
        }

        /// <summary>How often the download was resumed.</summary>
        public int Resumes => resumes;

        public override int Read(byte[] buffer, int offset, int count) =>
            ReadAsync(buffer, offset, count, CancellationToken.None).GetAwaiter().GetResult();

        public override async Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
        {
            while (true)
            {
                int read;
                var silence = new SilenceWatch();
                try
                {
                    using (var idle = new CancellationTokenSource(idleTimeout))
                    using (var either = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, idle.Token))
                    using (idle.Token.Register(silence.Fire, current))
                    using (cancellationToken.Register(CloseUnderRead, current))
                    {
                        read = await current.ReadAsync(buffer, offset, count, either.Token).ConfigureAwait(false);
                    }
                }
                catch (Exception ex) when (cancellationToken.IsCancellationRequested && !(ex is OperationCanceledException))
                {
                    // Ctrl+C closed the connection under a read that did not watch its token (.NET Framework).
                    throw new OperationCanceledException("The download was stopped.", ex, cancellationToken);
                }
                catch (Exception ex) when (!cancellationToken.IsCancellationRequested && (silence.Fired || ex is OperationCanceledException))
                {
                    await ResumeAsync(FormattableString.Invariant($"no data for {idleTimeout.TotalSeconds:0.#} s"), ex, cancellationToken).ConfigureAwait(false);
                    continue;
                }
                catch (Exception ex) when (IsTransient(ex))
                {
                    // A connection torn down because the conversion was stopped is not worth resuming.
                    cancellationToken.ThrowIfCancellationRequested();
                    await ResumeAsync(ex.Message, ex, cancellationToken).ConfigureAwait(false);
                    continue;
                }

                if (read == 0 && count > 0 && position < size)
                {
                    await ResumeAsync("the connection closed early", null, cancellationToken).ConfigureAwait(false);
                    continue;
                }

                position += read;
                return read;
            }
        }

        private async Task ResumeAsync(string cause, Exception? exception, CancellationToken cancellationToken)
        {
            while (true)
            {
                if (resumes == MaxResumes)
                {
                    throw fail($"the download of {what} broke off at byte {position} and could not be resumed ({MaxResumes} attempts): {cause}", exception);
                }

                resumes++;
                reporter.Verbose($"The download of {what} broke off at byte {position} ({cause}); resuming there, attempt {resumes} of {MaxResumes}.");
                current.Dispose();
                current = Stream.Null;
                await Task.Delay(TimeSpan.FromTicks(firstPause.Ticks << (resumes - 1)), cancellationToken).ConfigureAwait(false);
                try
                {
                    current = await reopen(position, cancellationToken).ConfigureAwait(false);
                    return;
                }
                catch (Exception ex) when (IsTransient(ex) && !cancellationToken.IsCancellationRequested)
                {
                    // The registry is not reachable again yet: that costs an attempt, like a failed read.
                    cause = ex.Message;
                    exception = ex;
                }
            }
        }

        /// <summary>
        /// Ends a read that waited too long. The token alone is not enough: .NET Framework's HttpClient (Windows
        /// PowerShell 5.1) does not watch it once a read has started, so the connection is also closed under it.
        /// </summary>
        private sealed class SilenceWatch
        {
            public volatile bool Fired;

            public void Fire(object? stream)
            {
                Fired = true;
                ((Stream)stream!).Dispose();
            }
        }

        /// <summary>Stopping (Ctrl+C) must not wait for the idle timeout on a read that ignores its token: the connection is closed.</summary>
        private static void CloseUnderRead(object? stream) => ((Stream)stream!).Dispose();

        private static bool IsTransient(Exception ex) =>
            ex is IOException || ex is HttpRequestException || (ex is GolemImageException golem && golem.ErrorId == ErrorIds.RegistryUnavailable);

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                current.Dispose();
            }

            base.Dispose(disposing);
        }
    }
}
