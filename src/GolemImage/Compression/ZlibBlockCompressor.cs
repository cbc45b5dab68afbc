using System;
using System.Buffers.Binary;
using GolemImage.Compression.Deflate;

namespace GolemImage.Compression
{
    /// <summary>
    /// Squashfs "gzip" = a zlib stream (RFC 1950): our own deflate between a two-byte header and the Adler-32, so
    /// the bytes depend only on the source and the level, on every runtime and target framework.
    /// </summary>
    internal sealed unsafe class ZlibBlockCompressor : IBlockCompressor
    {
        private const int HeaderLength = 2;
        private const int TrailerLength = 4;
        private readonly byte _headerFlags;
        private readonly DeflateEncoder _encoder;

        public ZlibBlockCompressor(int zlibLevel)
        {
            _encoder = new DeflateEncoder(zlibLevel);
            // FLEVEL bits (informational) with FCHECK chosen so that (CMF * 256 + FLG) % 31 == 0.
            _headerFlags = zlibLevel <= 1 ? (byte)0x01 : zlibLevel < 6 ? (byte)0x5E : zlibLevel == 6 ? (byte)0x9C : (byte)0xDA;
        }

        public CompressionAlgorithm Algorithm => CompressionAlgorithm.Gzip;

        public int Compress(ReadOnlySpan<byte> source, Span<byte> destination)
        {
            // Anything that does not fit in source.Length - 1 bytes is "not smaller": store raw.
            int limit = Math.Min(destination.Length, source.Length - 1);
            if (limit < HeaderLength + TrailerLength + 2)
            {
                return -1;
            }

            int deflateLength;
            fixed (byte* input = source)
            fixed (byte* output = destination)
            {
                deflateLength = _encoder.Encode(input, source.Length, output + HeaderLength, limit - HeaderLength - TrailerLength);
            }

            if (deflateLength < 0)
            {
                return -1;
            }

            destination[0] = 0x78;
            destination[1] = _headerFlags;
            BinaryPrimitives.WriteUInt32BigEndian(destination.Slice(HeaderLength + deflateLength, TrailerLength), Adler32.Compute(source));
            return HeaderLength + deflateLength + TrailerLength;
        }
    }
}
