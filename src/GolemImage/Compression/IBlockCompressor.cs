using System;

namespace GolemImage.Compression
{
    /// <summary>
    /// Compresses one squashfs data, fragment or metadata block. An instance holds per-thread work
    /// memory and is used by one thread at a time; the block processor creates one per worker.
    /// </summary>
    public interface IBlockCompressor
    {
        CompressionAlgorithm Algorithm { get; }

        /// <summary>
        /// Compresses <paramref name="source"/> into <paramref name="destination"/> (at least
        /// source.Length bytes long). Returns the compressed length, or -1 when the result would not
        /// be smaller than the source: the caller then stores the block uncompressed.
        /// The output must depend only on the source bytes and the settings (never on the thread or run).
        /// </summary>
        int Compress(ReadOnlySpan<byte> source, Span<byte> destination);
    }
}
