namespace GolemImage.Compression
{
    /// <summary>
    /// The squashfs compressor ids (the values are the superblock's on-disk ids). What each one can do here (write,
    /// read, mount on Golem providers) and its options block live in its <see cref="CompressorTable"/> row.
    /// </summary>
    public enum CompressionAlgorithm
    {
        Gzip = 1,
        Lzma = 2,
        Lzo = 3,
        Xz = 4,
        Lz4 = 5,
        Zstd = 6,
    }
}
