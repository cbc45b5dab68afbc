namespace GolemImage.Compression
{
    /// <summary>Squashfs compressors we write; the values are the on-disk squashfs compressor ids.</summary>
    public enum CompressionAlgorithm
    {
        Gzip = 1,
        Lzo = 3,
        Lz4 = 5,
        Zstd = 6,
    }
}
