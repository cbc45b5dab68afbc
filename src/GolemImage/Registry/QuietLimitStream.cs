using System;
using System.IO;
using System.Threading;
using System.Threading.Tasks;
using GolemImage.Sources;

namespace GolemImage.Registry
{
    /// <summary>
    /// A read-only view of a download that cancels <see cref="Token"/> when the server sends nothing for a while.
    /// The limit restarts before every read, so a slow download that keeps sending is never cut off (a limit on the
    /// whole download, or on filling a hash buffer, would be). Going quiet also closes the response stream, because
    /// the one of .NET Framework's HttpClient does not honour a token while it waits.
    /// </summary>
    internal sealed class QuietLimitStream : ForwardOnlyReadStream
    {
        private readonly Stream _inner;
        private readonly TimeSpan _limit;
        private readonly CancellationTokenSource _quiet;
        private readonly CancellationToken _callerToken;
        private readonly CancellationTokenRegistration _closeOnQuiet;

        public QuietLimitStream(Stream inner, TimeSpan limit, CancellationToken cancellationToken)
        {
            _inner = inner;
            _limit = limit;
            _callerToken = cancellationToken;
            _quiet = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            Token = _quiet.Token;
            _closeOnQuiet = Token.Register(inner.Dispose);
        }

        /// <summary>Cancelled when the server stayed quiet for the limit, or when the caller's token is.</summary>
        public CancellationToken Token { get; }

        /// <summary>The download was ended because the server sent nothing for the limit (not by the caller).</summary>
        public bool WentQuiet => Token.IsCancellationRequested && !_callerToken.IsCancellationRequested;

        public override int Read(byte[] buffer, int offset, int count)
        {
            return ReadAsync(buffer, offset, count, CancellationToken.None).GetAwaiter().GetResult();
        }

        public override async Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
        {
            _quiet.CancelAfter(_limit);
            using (CancellationTokenSource both = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _quiet.Token))
            {
                return await _inner.ReadAsync(buffer, offset, count, both.Token).ConfigureAwait(false);
            }
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                _closeOnQuiet.Dispose();
                _quiet.Dispose();
                _inner.Dispose();
            }

            base.Dispose(disposing);
        }
    }
}
