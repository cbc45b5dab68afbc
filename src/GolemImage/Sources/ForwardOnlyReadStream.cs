using System;
using System.IO;

namespace GolemImage.Sources
{
    /// <summary>
    /// Base of the pass-through streams that image sources stack on layer blobs (digest checks, magic-number
    /// peeks, HTTP bodies): read-only and forward-only, so everything but reading is refused in one place.
    /// </summary>
    internal abstract class ForwardOnlyReadStream : Stream
    {
        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position
        {
            get => throw new NotSupportedException();
            set => throw new NotSupportedException();
        }

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
