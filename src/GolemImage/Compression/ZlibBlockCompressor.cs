using System;
using System.Buffers.Binary;
using System.IO;
using System.IO.Compression;

namespace GolemImage.Compression
{
    /// <summary>
    /// Squashfs "gzip" = a zlib stream (RFC 1950). Built from DeflateStream plus our own header and Adler-32 on every
    /// target framework, so both builds of the engine produce the same bytes for the same runtime deflate.
    /// </summary>
    internal sealed class ZlibBlockCompressor : IBlockCompressor
    {
        private readonly CompressionLevel _level;
        private readonly byte _headerFlags;
        private readonly BoundedBufferStream _sink = new BoundedBufferStream();
        private byte[] _input = Array.Empty<byte>();
        private byte[] _output = Array.Empty<byte>();

        public ZlibBlockCompressor(CompressionLevel level, int zlibLevel)
        {
            _level = level;
            // FLEVEL bits (informational) with FCHECK chosen so that (CMF * 256 + FLG) % 31 == 0.
            _headerFlags = zlibLevel <= 1 ? (byte)0x01 : zlibLevel < 6 ? (byte)0x5E : zlibLevel == 6 ? (byte)0x9C : (byte)0xDA;
        }

        public CompressionAlgorithm Algorithm => CompressionAlgorithm.Gzip;

        public int Compress(ReadOnlySpan<byte> source, Span<byte> destination)
        {
            // Anything that does not fit in source.Length - 1 bytes is "not smaller": store raw.
            int limit = Math.Min(destination.Length, source.Length - 1);
            if (limit < 8)
            {
                return -1;
            }

            if (_output.Length < limit)
            {
                _output = new byte[Math.Max(limit, 131072)];
            }

            _sink.Reset(_output, limit - 4);
            _sink.WriteByte(0x78);
            _sink.WriteByte(_headerFlags);
            using (var deflate = new DeflateStream(_sink, _level, leaveOpen: true))
            {
#if NET8_0_OR_GREATER
                deflate.Write(source);
#else
                if (_input.Length < source.Length)
                {
                    _input = new byte[Math.Max(source.Length, 131072)];
                }

                source.CopyTo(_input);
                deflate.Write(_input, 0, source.Length);
#endif
            }

            if (_sink.Overflowed)
            {
                return -1;
            }

            int length = _sink.WrittenLength;
            _output.AsSpan(0, length).CopyTo(destination);
            BinaryPrimitives.WriteUInt32BigEndian(destination.Slice(length, 4), Adler32.Compute(source));
            return length + 4;
        }
    }
}
