using System;
using System.IO;
using System.Threading;
using System.Threading.Tasks;

namespace GolemImage.Sources
{
    /// <summary>A read-only view of <c>length</c> bytes of a file starting at <c>offset</c>; owns the file stream.</summary>
    internal sealed class WindowStream : Stream
    {
        private readonly Stream file;
        private readonly long offset;
        private readonly long length;
        private long position;

        public WindowStream(Stream file, long offset, long length)
        {
            this.file = file;
            this.offset = offset;
            this.length = length;
            file.Position = offset;
        }

        public override bool CanRead => true;

        public override bool CanSeek => true;

        public override bool CanWrite => false;

        public override long Length => length;

        public override long Position
        {
            get => position;
            set
            {
                if (value < 0 || value > length)
                {
                    throw new ArgumentOutOfRangeException(nameof(value));
                }

                position = value;
                file.Position = offset + value;
            }
        }

        public override int Read(byte[] buffer, int bufferOffset, int count)
        {
            int n = (int)Math.Min(count, length - position);
            if (n <= 0)
            {
                return 0;
            }

            int read = file.Read(buffer, bufferOffset, n);
            position += read;
            return read;
        }

        public override async Task<int> ReadAsync(byte[] buffer, int bufferOffset, int count, CancellationToken cancellationToken)
        {
            int n = (int)Math.Min(count, length - position);
            if (n <= 0)
            {
                return 0;
            }

            int read = await file.ReadAsync(buffer, bufferOffset, n, cancellationToken).ConfigureAwait(false);
            position += read;
            return read;
        }

        public override long Seek(long seekOffset, SeekOrigin origin)
        {
            long target = origin == SeekOrigin.Begin ? seekOffset : origin == SeekOrigin.Current ? position + seekOffset : length + seekOffset;
            Position = target;
            return target;
        }

        public override void Flush()
        {
        }

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int bufferOffset, int count) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                file.Dispose();
            }

            base.Dispose(disposing);
        }
    }
}
