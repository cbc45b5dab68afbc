using System;
using System.IO;
using ZstdSharp;

namespace GolemImage.Compression
{
    internal sealed class ZstdBlockDecompressor : IBlockDecompressor, IDisposable
    {
        private readonly Decompressor _decompressor = new Decompressor();

        public CompressionAlgorithm Algorithm => CompressionAlgorithm.Zstd;

        public int Decompress(ReadOnlySpan<byte> source, Span<byte> destination)
        {
            try
            {
                return _decompressor.Unwrap(source, destination);
            }
            catch (ZstdException ex)
            {
                throw new InvalidDataException("Corrupt zstd block: " + ex.Message, ex);
            }
        }

        public void Dispose() => _decompressor.Dispose();
    }
}
