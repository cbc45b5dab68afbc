using System;
using System.IO.Compression;
using GolemImage.Compression.Lzo;
using K4os.Compression.LZ4;

namespace GolemImage.Compression
{
    /// <summary>
    /// Algorithm + level, turned into per-thread compressors/decompressors and the squashfs superblock id and
    /// compressor-options block. <see cref="Uncompressed"/> stores every block raw (the image still records an
    /// algorithm id, because squashfs has no "none"; readers never need to decompress anything).
    /// </summary>
    public sealed class CompressionSettings
    {
        // Same numeric value as CompressionLevel.SmallestSize on .NET 6+; netstandard2.0's enum lacks the name.
        private const CompressionLevel SmallestSize = (CompressionLevel)3;

        public CompressionSettings(CompressionAlgorithm algorithm, CompressionLevel level = CompressionLevel.Optimal, bool uncompressed = false)
        {
            if (!Enum.IsDefined(typeof(CompressionAlgorithm), algorithm))
            {
                throw new ArgumentOutOfRangeException(nameof(algorithm), algorithm, "Unknown squashfs compression algorithm.");
            }

            if (level != CompressionLevel.Optimal && level != CompressionLevel.Fastest && level != SmallestSize)
            {
                throw new ArgumentOutOfRangeException(nameof(level), level, "Compression level must be Optimal, Fastest or SmallestSize.");
            }

            Algorithm = algorithm;
            Level = level;
            Uncompressed = uncompressed;
        }

        public CompressionAlgorithm Algorithm { get; }

        public CompressionLevel Level { get; }

        /// <summary>Store every data and metadata block raw (squashfs "-noI -noD -noF -noX" style).</summary>
        public bool Uncompressed { get; }

        /// <summary>The squashfs superblock compression id.</summary>
        public ushort SuperblockId => (ushort)Algorithm;

        /// <summary>The algorithm's own level number written to the options block (zlib 1..9, zstd 1..22, lz4 0 = fast / 1 = HC).</summary>
        public int NativeLevel
        {
            get
            {
                switch (Algorithm)
                {
                    case CompressionAlgorithm.Gzip:
                        // zlib's fastest, default and best levels, as our DeflateEncoder implements them.
                        return Level == CompressionLevel.Fastest ? 1 : Level == SmallestSize ? 9 : 6;
                    case CompressionAlgorithm.Zstd:
                        // The squashfs-tools default (with a shorter target length, see ZstdBlockCompressor);
                        // Fastest/SmallestSize bracket it.
                        return Level == CompressionLevel.Fastest ? 1 : Level == SmallestSize ? 19 : ZstdBlockCompressor.DefaultLevel;
                    case CompressionAlgorithm.Lz4:
                        return Level == SmallestSize ? 1 : 0;
                    case CompressionAlgorithm.Lzo:
                        // The lzo1x_999 level whose size ours matches (Optimal lands between 999/4 and 999/5,
                        // SmallestSize at or below 999/8); Fastest is lzo1x_1, which takes no level.
                        return Level == CompressionLevel.Fastest ? 0 : Level == SmallestSize ? 8 : 4;
                    default:
                        return 0;
                }
            }
        }

        /// <summary>True when Golem providers cannot mount images made with these settings (their kernel lacks zstd).</summary>
        public bool UnsupportedByGolemProviders => Algorithm == CompressionAlgorithm.Zstd && !Uncompressed;

        public IBlockCompressor CreateCompressor()
        {
            if (Uncompressed)
            {
                return new StoredBlockCompressor(Algorithm);
            }

            switch (Algorithm)
            {
                case CompressionAlgorithm.Gzip:
                    return new ZlibBlockCompressor(NativeLevel);
                case CompressionAlgorithm.Lz4:
                    return new Lz4BlockCompressor(NativeLevel == 1 ? LZ4Level.L09_HC : LZ4Level.L00_FAST);
                case CompressionAlgorithm.Zstd:
                    return new ZstdBlockCompressor(NativeLevel);
                case CompressionAlgorithm.Lzo:
                    return new LzoBlockCompressor(Level);
                default:
                    throw new NotSupportedException($"The {Algorithm} compressor is not available in this build.");
            }
        }

        public IBlockDecompressor CreateDecompressor()
        {
            switch (Algorithm)
            {
                case CompressionAlgorithm.Gzip:
                    return new ZlibBlockDecompressor();
                case CompressionAlgorithm.Lz4:
                    return new Lz4BlockDecompressor();
                case CompressionAlgorithm.Zstd:
                    return new ZstdBlockDecompressor();
                case CompressionAlgorithm.Lzo:
                    return new LzoBlockDecompressor();
                default:
                    throw new NotSupportedException($"The {Algorithm} decompressor is not available in this build.");
            }
        }

        /// <summary>
        /// The payload of the squashfs compressor-options metadata block, or null when none is written. lz4 always
        /// needs one (the kernel refuses lz4 images without it); gzip and zstd only when not at the tools' default.
        /// </summary>
        public byte[]? CreateOptionsBlock()
        {
            switch (Algorithm)
            {
                case CompressionAlgorithm.Lz4:
                    return Pack(1, NativeLevel == 1 ? 1 : 0);
                case CompressionAlgorithm.Gzip:
                    if (NativeLevel == 9)
                    {
                        return null;
                    }

                    byte[] gzip = new byte[8];
                    WriteUInt32(gzip, 0, (uint)NativeLevel);
                    gzip[4] = 15; // window bits, u16
                    gzip[6] = 1; // strategies bitmap: default only, u16
                    return gzip;
                case CompressionAlgorithm.Zstd:
                    if (NativeLevel == ZstdBlockCompressor.DefaultLevel)
                    {
                        return null;
                    }

                    byte[] zstd = new byte[4];
                    WriteUInt32(zstd, 0, (uint)NativeLevel);
                    return zstd;
                case CompressionAlgorithm.Lzo:
                    // {u32 algorithm, u32 level}: 0 = lzo1x_1 (level 0), 4 = lzo1x_999 (level 1..9). The kernel ignores
                    // it; unsquashfs -stat reports it. lzo1x_999 level 8 is the default and gets no block.
                    return LzoOptions.Create(Level);
                default:
                    return null;
            }
        }

        public override string ToString() => Uncompressed ? "Uncompressed" : $"{Algorithm} ({Level}, level {NativeLevel})";

        private static byte[] Pack(uint first, int second)
        {
            byte[] block = new byte[8];
            WriteUInt32(block, 0, first);
            WriteUInt32(block, 4, (uint)second);
            return block;
        }

        private static void WriteUInt32(byte[] target, int offset, uint value)
        {
            target[offset] = (byte)value;
            target[offset + 1] = (byte)(value >> 8);
            target[offset + 2] = (byte)(value >> 16);
            target[offset + 3] = (byte)(value >> 24);
        }
    }
}
