using System;
using System.IO;

namespace GolemImage.Compression
{
    /// <summary>
    /// A write-only stream over a fixed array that remembers, instead of throwing, when more bytes arrive than fit:
    /// incompressible blocks are common in images (.gz, .png, .jar) and an exception per block would be costly.
    /// </summary>
    internal sealed class BoundedBufferStream : Stream
    {
        private byte[] _buffer = Array.Empty<byte>();
        private int _limit;
        private int _length;

        public bool Overflowed { get; private set; }

        public int WrittenLength => _length;

        public byte[] Buffer => _buffer;

        public override bool CanRead => false;

        public override bool CanSeek => false;

        public override bool CanWrite => true;

        public override long Length => _length;

        public override long Position
        {
            get => _length;
            set => throw new NotSupportedException();
        }

        public void Reset(byte[] buffer, int limit)
        {
            _buffer = buffer;
            _limit = Math.Min(limit, buffer.Length);
            _length = 0;
            Overflowed = false;
        }

        public override void Write(byte[] buffer, int offset, int count)
        {
            if (Overflowed)
            {
                return;
            }

            if (_length + count > _limit)
            {
                Overflowed = true;
                return;
            }

            System.Buffer.BlockCopy(buffer, offset, _buffer, _length, count);
            _length += count;
        }

        public override void WriteByte(byte value)
        {
            Write(new[] { value }, 0, 1);
        }

        public override void Flush()
        {
        }

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();
    }
}
