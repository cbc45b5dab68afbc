using System;

namespace GolemImage.Compression
{
    /// <summary>The "no compression" path: every block is reported as not shrinking, so the writer stores it raw.</summary>
    internal sealed class StoredBlockCompressor : IBlockCompressor
    {
        public StoredBlockCompressor(CompressionAlgorithm recordedAlgorithm)
        {
            Algorithm = recordedAlgorithm;
        }

        public CompressionAlgorithm Algorithm { get; }

        public int Compress(ReadOnlySpan<byte> source, Span<byte> destination) => -1;
    }
}
