using System;
using System.IO;

namespace GolemImage.Sources
{
    /// <summary>
    /// A read-only pass-through that hashes what is read with SHA-256 and, once the inner stream ends, checks the
    /// digest it was told to expect. The check happens when the end is reached, so a reader must read to the end.
    /// Without an expected digest it only counts bytes: a legacy docker-save layer ('&lt;id&gt;/layer.tar') has no
    /// blob digest, only a diff id, and hashing it twice cost as much CPU as LZO Fastest compressing it. The hash runs
    /// on a thread of its own (<see cref="BackgroundSha256"/>), off the thread that reads and feeds the compressors.
    /// </summary>
    internal sealed class DigestingStream : ForwardOnlyReadStream
    {
        private readonly Stream inner;
        private readonly string? expectedDigest;
        private readonly Func<string, Exception> mismatch;
        private readonly BackgroundSha256? hash;
        private bool ended;

        public DigestingStream(Stream inner, string? expectedDigest, Func<string, Exception> mismatch)
        {
            this.inner = inner;
            this.expectedDigest = expectedDigest;
            this.mismatch = mismatch;
            if (expectedDigest != null)
            {
                hash = new BackgroundSha256();
            }
        }

        public long BytesRead { get; private set; }

        public bool Ended => ended;

        public override long Position
        {
            get => BytesRead;
            set => throw new NotSupportedException();
        }

        public override int Read(byte[] buffer, int offset, int count)
        {
            int read = inner.Read(buffer, offset, count);
            Account(buffer, offset, read, count);
            return read;
        }

        public override async System.Threading.Tasks.Task<int> ReadAsync(byte[] buffer, int offset, int count, System.Threading.CancellationToken cancellationToken)
        {
            int read = await inner.ReadAsync(buffer, offset, count, cancellationToken).ConfigureAwait(false);
            Account(buffer, offset, read, count);
            return read;
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                inner.Dispose();
                hash?.Dispose();
            }

            base.Dispose(disposing);
        }

        private void Account(byte[] buffer, int offset, int read, int requested)
        {
            if (read > 0)
            {
                hash?.Append(buffer, offset, read);
                BytesRead += read;
                return;
            }

            if (requested == 0 || ended)
            {
                return;
            }

            ended = true;
            if (hash == null)
            {
                return;
            }

            string actual = "sha256:" + ImageConfig.ToHex(hash.GetHash());
            if (!string.Equals(actual, expectedDigest, StringComparison.OrdinalIgnoreCase))
            {
                throw mismatch(actual);
            }
        }
    }
}
