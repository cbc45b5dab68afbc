using System;
using System.IO;
using K4os.Compression.LZ4;

namespace GolemImage.Compression
{
    internal sealed class Lz4BlockDecompressor : IBlockDecompressor
    {
        public CompressionAlgorithm Algorithm => CompressionAlgorithm.Lz4;

        public int Decompress(ReadOnlySpan<byte> source, Span<byte> destination)
        {
            int length = LZ4Codec.Decode(source, destination);
            if (length < 0)
            {
                throw new InvalidDataException("Corrupt LZ4 block.");
            }

            return length;
        }
    }
}
