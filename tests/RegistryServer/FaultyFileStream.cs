using System;
using System.IO;

namespace GolemImage.RegistryServer
{
    /// <summary>
    /// A download's file as a seekable stream (so ASP.NET still answers Range requests from it) that inverts the byte
    /// at one file offset, and/or fails after a number of bytes has been read, which makes Kestrel break the
    /// connection off before the promised Content-Length.
    /// </summary>
    internal sealed class FaultyFileStream : Stream
    {
        private readonly FileStream inner;
        private readonly long flipOffset;
        private readonly long cutAfter;
        private long sent;

        public FaultyFileStream(string path, long flipOffset, long cutAfter)
        {
            inner = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read);
            this.flipOffset = flipOffset;
            this.cutAfter = cutAfter;
        }

        public override bool CanRead => true;

        public override bool CanSeek => true;

        public override bool CanWrite => false;

        public override long Length => inner.Length;

        public override long Position { get => inner.Position; set => inner.Position = value; }

        public override int Read(byte[] buffer, int offset, int count)
        {
            if (cutAfter >= 0)
            {
                if (sent >= cutAfter)
                {
                    throw new IOException("injected fault: the download breaks off here");
                }

                count = (int)Math.Min(count, cutAfter - sent);
            }

            long start = inner.Position;
            int read = inner.Read(buffer, offset, count);
            if (flipOffset >= start && flipOffset < start + read)
            {
                buffer[offset + (int)(flipOffset - start)] ^= 0xFF;
            }

            sent += read;
            return read;
        }

        public override long Seek(long offset, SeekOrigin origin) => inner.Seek(offset, origin);

        public override void Flush()
        {
        }

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                inner.Dispose();
            }

            base.Dispose(disposing);
        }
    }
}
