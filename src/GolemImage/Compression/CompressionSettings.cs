using System;
using System.IO.Compression;

namespace GolemImage.Compression
{
    /// <summary>
    /// Algorithm + level, turned into per-thread compressors/decompressors and the squashfs superblock id and
    /// compressor-options block by the algorithm's <see cref="CompressorTable"/> row. <see cref="Uncompressed"/> stores
    /// every block raw (the image still records an algorithm id, because squashfs has no "none"; readers never need to
    /// decompress anything).
    /// </summary>
    public sealed class CompressionSettings
    {
        /// <summary>The block size the overloads without one assume: the squashfs default, 128 KiB.</summary>
        public const int DefaultBlockSize = 131072;

        // Same numeric value as CompressionLevel.SmallestSize on .NET 6+; netstandard2.0's enum lacks the name.
        internal const CompressionLevel SmallestSize = (CompressionLevel)3;

        public CompressionSettings(CompressionAlgorithm algorithm, CompressionLevel level = CompressionLevel.Optimal, bool uncompressed = false)
        {
            Descriptor = CompressorTable.Get(algorithm);
            if (level != CompressionLevel.Optimal && level != CompressionLevel.Fastest && level != SmallestSize)
            {
                throw new ArgumentOutOfRangeException(nameof(level), level, "Compression level must be Optimal, Fastest or SmallestSize.");
            }

            Level = level;
            Uncompressed = uncompressed;
        }

        public CompressionAlgorithm Algorithm => Descriptor.Algorithm;

        /// <summary>The algorithm's row: its name, whether providers mount it, its codecs and options block.</summary>
        public CompressorDescriptor Descriptor { get; }

        public CompressionLevel Level { get; }

        /// <summary>Store every data and metadata block raw (squashfs "-noI -noD -noF -noX" style).</summary>
        public bool Uncompressed { get; }

        /// <summary>The squashfs superblock compression id.</summary>
        public ushort SuperblockId => Descriptor.Id;

        /// <summary>The algorithm's own level number written to the options block (zlib 1..9, zstd 1..22, lz4 0 = fast / 1 = HC).</summary>
        public int NativeLevel => Descriptor.NativeLevel(Level);

        /// <summary>True when Golem providers cannot mount images made with these settings (their kernel lacks the decompressor).</summary>
        public bool UnsupportedByGolemProviders => !Descriptor.MountableByGolemProviders && !Uncompressed;

        /// <summary>A compressor for images of <see cref="DefaultBlockSize"/> blocks.</summary>
        public IBlockCompressor CreateCompressor() => CreateCompressor(DefaultBlockSize);

        /// <summary>A compressor for one worker; a GolemImageException (CompressorNotAvailable) when this module cannot write the algorithm.</summary>
        public IBlockCompressor CreateCompressor(int blockSize) =>
            Uncompressed ? new StoredBlockCompressor(Algorithm) : Descriptor.CreateCompressor(Level, blockSize);

        /// <summary>A compressor for the image's metadata blocks (xz: an 8 KiB dictionary and no BCJ filter, as mksquashfs's).</summary>
        public IBlockCompressor CreateMetadataCompressor(int blockSize) =>
            Uncompressed ? new StoredBlockCompressor(Algorithm) : Descriptor.CreateMetadataCompressor(Level, blockSize);

        /// <summary>A decompressor for images of <see cref="DefaultBlockSize"/> blocks.</summary>
        public IBlockDecompressor CreateDecompressor() => CreateDecompressor(DefaultBlockSize);

        /// <summary>A decompressor for the blocks these settings write at <paramref name="blockSize"/> (xz: the options block's dictionary).</summary>
        public IBlockDecompressor CreateDecompressor(int blockSize) =>
            Descriptor.TryCreateDecompressor(CreateOptionsBlock(blockSize), blockSize) ?? throw new NotSupportedException($"This version of GolemImage cannot read {Descriptor.Name} squashfs blocks.");

        /// <summary>The options block for images of <see cref="DefaultBlockSize"/> blocks.</summary>
        public byte[]? CreateOptionsBlock() => CreateOptionsBlock(DefaultBlockSize);

        /// <summary>
        /// The payload of the squashfs compressor-options metadata block, or null when none is written (each row
        /// decides: lz4 always needs one, gzip and zstd only when not at the tools' default).
        /// </summary>
        public byte[]? CreateOptionsBlock(int blockSize) => Descriptor.WriteOptions(Level, blockSize);

        public override string ToString() => Uncompressed ? "Uncompressed" : $"{Algorithm} ({Level}, level {NativeLevel})";
    }
}
