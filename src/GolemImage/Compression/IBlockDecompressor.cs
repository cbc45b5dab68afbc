using System;

namespace GolemImage.Compression
{
    /// <summary>Decompresses one squashfs block; used by the image reader and the tests.</summary>
    public interface IBlockDecompressor
    {
        CompressionAlgorithm Algorithm { get; }

        /// <summary>
        /// Decompresses <paramref name="source"/> into <paramref name="destination"/> and returns the
        /// decompressed length. Throws <see cref="System.IO.InvalidDataException"/> on a corrupt stream,
        /// trailing input, or output that would not fit.
        /// </summary>
        int Decompress(ReadOnlySpan<byte> source, Span<byte> destination);
    }
}
