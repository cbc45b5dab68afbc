using System;
using System.IO;
using System.Threading;
using System.Threading.Tasks;

namespace GolemImage.Sources
{
    /// <summary>Bytes already read (a magic-number peek) followed by the rest of the stream.</summary>
    internal sealed class PrefixedStream : Stream
    {
        private readonly byte[] prefix;
        private readonly int prefixLength;
        private readonly Stream rest;
        private int prefixPosition;

        public PrefixedStream(byte[] prefix, int prefixLength, Stream rest)
        {
            this.prefix = prefix;
            this.prefixLength = prefixLength;
            this.rest = rest;
        }

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position
        {
            get => throw new NotSupportedException();
            set => throw new NotSupportedException();
        }

        public override int Read(byte[] buffer, int offset, int count)
        {
            if (prefixPosition < prefixLength && count > 0)
            {
                return TakePrefix(buffer, offset, count);
            }

            return rest.Read(buffer, offset, count);
        }

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
        {
            if (prefixPosition < prefixLength && count > 0)
            {
                return Task.FromResult(TakePrefix(buffer, offset, count));
            }

            return rest.ReadAsync(buffer, offset, count, cancellationToken);
        }

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                rest.Dispose();
            }

            base.Dispose(disposing);
        }

        private int TakePrefix(byte[] buffer, int offset, int count)
        {
            int n = Math.Min(count, prefixLength - prefixPosition);
            Buffer.BlockCopy(prefix, prefixPosition, buffer, offset, n);
            prefixPosition += n;
            return n;
        }
    }
}
