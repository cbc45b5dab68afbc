using System;
using K4os.Compression.LZ4;

namespace GolemImage.Compression
{
    /// <summary>Squashfs lz4 = a raw LZ4 block (no frame), fast or HC.</summary>
    internal sealed class Lz4BlockCompressor : IBlockCompressor
    {
        private readonly LZ4Level _level;
        private byte[] _scratch = Array.Empty<byte>();

        public Lz4BlockCompressor(LZ4Level level)
        {
            _level = level;
        }

        public CompressionAlgorithm Algorithm => CompressionAlgorithm.Lz4;

        public int Compress(ReadOnlySpan<byte> source, Span<byte> destination)
        {
            int bound = LZ4Codec.MaximumOutputSize(source.Length);
            if (_scratch.Length < bound)
            {
                _scratch = new byte[bound];
            }

            int length = LZ4Codec.Encode(source, _scratch.AsSpan(0, bound), _level);
            if (length <= 0 || length >= source.Length || length > destination.Length)
            {
                return -1;
            }

            _scratch.AsSpan(0, length).CopyTo(destination);
            return length;
        }
    }
}
