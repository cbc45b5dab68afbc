using System;
using System.IO;
using System.Threading;
using System.Threading.Tasks;

namespace GolemImage.Sources
{
    /// <summary>Bytes already read (a magic-number peek) followed by the rest of the stream.</summary>
    internal sealed class PrefixedStream : ForwardOnlyReadStream
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
