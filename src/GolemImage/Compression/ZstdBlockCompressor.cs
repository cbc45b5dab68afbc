using System;
using ZstdSharp;
using ZstdSharp.Unsafe;

namespace GolemImage.Compression
{
    /// <summary>
    /// Squashfs zstd = one zstd frame per block. Single-shot compression with a known source size keeps the frame's
    /// window within the block, which the kernel's decoder (window = block size) requires.
    /// </summary>
    internal sealed class ZstdBlockCompressor : IBlockCompressor, IDisposable
    {
        /// <summary>The squashfs-tools default level, which is ours for CompressionLevel.Optimal.</summary>
        public const int DefaultLevel = 15;

        /// <summary>
        /// Level 15's optimal parser stops refining at a match of this length instead of 256. Level 15 on a 128 KiB
        /// block is btopt with search depth 2^6; ZstdSharp spends ~1.25x libzstd's CPU on it, so the unchanged level
        /// was slower than tar2sqfs at the same level on two cores. Measured one thread, 128 KiB blocks sampled
        /// across both bench trees, interleaved rounds: 0.88-0.89x the time for 0.28-0.33 % more output (24: 0.85x for
        /// 0.5 %; a search depth of 2^5 or 2^4, i.e. level 14, costs more size for the same time). Every other
        /// parameter stays the level's own, including its adjustment to the block size.
        /// </summary>
        public const int DefaultLevelTargetLength = 32;

        private readonly Compressor _compressor;

        public ZstdBlockCompressor(int level)
        {
            _compressor = new Compressor(level);
            if (level == DefaultLevel)
            {
                _compressor.SetParameter(ZSTD_cParameter.ZSTD_c_targetLength, DefaultLevelTargetLength);
            }
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
