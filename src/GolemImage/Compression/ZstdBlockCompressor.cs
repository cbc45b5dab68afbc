using System;
using ZstdSharp;

namespace GolemImage.Compression
{
    /// <summary>
    /// Squashfs zstd = one zstd frame per block. Single-shot compression with a known source size keeps the frame's
    /// window within the block, which the kernel's decoder (window = block size) requires.
    /// </summary>
    internal sealed class ZstdBlockCompressor : IBlockCompressor, IDisposable
    {
        private readonly Compressor _compressor;

        public ZstdBlockCompressor(int level)
        {
            _compressor = new Compressor(level);
        }

        public CompressionAlgorithm Algorithm => CompressionAlgorithm.Zstd;

        public int Compress(ReadOnlySpan<byte> source, Span<byte> destination)
        {
            int limit = Math.Min(destination.Length, source.Length - 1);
            if (limit <= 0)
            {
                return -1;
            }

            return _compressor.TryWrap(source, destination.Slice(0, limit), out int written) && written < source.Length ? written : -1;
        }

        public void Dispose() => _compressor.Dispose();
    }
}
