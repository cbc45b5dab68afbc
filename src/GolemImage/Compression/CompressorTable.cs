using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using GolemImage.Compression.Lzo;
using K4os.Compression.LZ4;

namespace GolemImage.Compression
{
    /// <summary>
    /// Every squashfs compressor, one row each (squashfs-tools-ng's lib/sqfs/comp/compressor.c is the model): the
    /// only place that says which compressors exist, what they are called, whether Golem providers mount them, how
    /// our levels map onto theirs, how to make their compressors and decompressors, and how their options block is
    /// written and read. Everything else looks rows up by id or name.
    /// Adding a compressor: its codec in a folder of its own, its options block class, and one row here.
    /// </summary>
    public static class CompressorTable
    {
        private static readonly CompressorDescriptor[] Rows =
        {
            new CompressorDescriptor(
                CompressionAlgorithm.Gzip,
                "gzip",
                CompressorMount.GolemProviders,
                notMountableReason: null,
                GzipOptionsBlock.NativeLevel,
                (level, blockSize) => new ZlibBlockCompressor(GzipOptionsBlock.NativeLevel(level)),
                options => new ZlibBlockDecompressor(),
                GzipOptionsBlock.Write,
                GzipOptionsBlock.Read),
            new CompressorDescriptor(
                CompressionAlgorithm.Lzma,
                "lzma",
                CompressorMount.NoKernel,
                "no Linux kernel's squashfs driver reads lzma (id 2)",
                nativeLevel: null,
                createCompressor: null,
                createDecompressor: null,
                NoOptions,
                (payload, blockSize) => ReadNoOptions("lzma", payload)),
            new CompressorDescriptor(
                CompressionAlgorithm.Lzo,
                "lzo",
                CompressorMount.GolemProviders,
                notMountableReason: null,
                LzoOptions.NativeLevel,
                (level, blockSize) => new LzoBlockCompressor(level),
                options => new LzoBlockDecompressor(),
                LzoOptions.Write,
                LzoOptions.Read),
            new CompressorDescriptor(
                CompressionAlgorithm.Xz,
                "xz",
                CompressorMount.GolemProviders,
                notMountableReason: null,
                XzOptionsBlock.NativeLevel,
                (level, blockSize) => XzOptionsBlock.CreateCompressor(level, blockSize),
                XzOptionsBlock.CreateDecompressor,
                XzOptionsBlock.Write,
                XzOptionsBlock.Read,
                XzOptionsBlock.CreateMetadataCompressor),
            new CompressorDescriptor(
                CompressionAlgorithm.Lz4,
                "lz4",
                CompressorMount.GolemProviders,
                notMountableReason: null,
                Lz4OptionsBlock.NativeLevel,
                (level, blockSize) => new Lz4BlockCompressor(Lz4OptionsBlock.NativeLevel(level) == 1 ? LZ4Level.L09_HC : LZ4Level.L00_FAST),
                options => new Lz4BlockDecompressor(),
                Lz4OptionsBlock.Write,
                Lz4OptionsBlock.Read),
            new CompressorDescriptor(
                CompressionAlgorithm.Zstd,
                "zstd",
                CompressorMount.LinuxOnly,
                "the Golem provider kernel (ya-runtime-vm, Linux 5.10 virt) is built without squashfs zstd support",
                ZstdOptionsBlock.NativeLevel,
                (level, blockSize) => new ZstdBlockCompressor(ZstdOptionsBlock.NativeLevel(level)),
                options => new ZstdBlockDecompressor(),
                ZstdOptionsBlock.Write,
                ZstdOptionsBlock.Read),
        };

        /// <summary>Every row, in squashfs id order.</summary>
        public static IReadOnlyList<CompressorDescriptor> All => Rows;

        /// <summary>What ConvertTo-GolemImage writes unless told otherwise: what gvmkit-build writes and every provider reads.</summary>
        public static CompressorDescriptor Default => Get(CompressionAlgorithm.Lzo);

        /// <summary>The row of <paramref name="algorithm"/>; ArgumentOutOfRangeException for a value that is no squashfs compressor.</summary>
        public static CompressorDescriptor Get(CompressionAlgorithm algorithm) =>
            Find((ushort)algorithm) ?? throw new ArgumentOutOfRangeException(nameof(algorithm), algorithm, $"{(int)algorithm} is not a squashfs compressor id; the known ones are {Describe(Rows)}.");

        /// <summary>The row of the superblock compression id <paramref name="id"/>, or null for an id no squashfs tool knows.</summary>
        public static CompressorDescriptor? Find(int id)
        {
            foreach (CompressorDescriptor row in Rows)
            {
                if (row.Id == id)
                {
                    return row;
                }
            }

            return null;
        }

        /// <summary>The row of the superblock compression id <paramref name="id"/>; InvalidDataException naming the id when unknown.</summary>
        public static CompressorDescriptor FromId(int id) =>
            Find(id) ?? throw new InvalidDataException($"Unknown squashfs compression id {id}; the known ones are {string.Join(", ", Rows.Select(r => $"{r.Id} ({r.Name})"))}.");

        /// <summary>The row named <paramref name="name"/> (mksquashfs's name or the enum's, any case), or null.</summary>
        public static CompressorDescriptor? Find(string? name)
        {
            foreach (CompressorDescriptor row in Rows)
            {
                if (string.Equals(row.Name, name, StringComparison.OrdinalIgnoreCase) || string.Equals(row.Algorithm.ToString(), name, StringComparison.OrdinalIgnoreCase))
                {
                    return row;
                }
            }

            return null;
        }

        /// <summary>The compressor as mksquashfs names it, or "unknown(N)".</summary>
        public static string NameOf(int id) => Find(id)?.Name ?? $"unknown({id})";

        /// <summary>The rows this module writes, in id order.</summary>
        public static IEnumerable<CompressorDescriptor> Writable => Rows.Where(r => r.CanWrite);

        /// <summary>"gzip, lzo, xz, lz4 or zstd": the names of the compressors this module writes.</summary>
        public static string DescribeWritable() => Describe(Writable, "or");

        /// <summary>"gzip, lzo, xz and lz4": the names of the compressors Golem providers mount.</summary>
        public static string DescribeMountable() => Describe(Rows.Where(r => r.MountableByGolemProviders), "and");

        /// <summary>"gzip, lzo, xz and lz4": the names of the compressors this module writes that Golem providers mount.</summary>
        public static string DescribeWritableMountable(string conjunction) => Describe(Rows.Where(r => r.CanWrite && r.MountableByGolemProviders), conjunction);

        private static string Describe(IEnumerable<CompressorDescriptor> rows, string conjunction = "and")
        {
            string[] names = rows.Select(r => r.Name).ToArray();
            return names.Length < 2 ? string.Join(string.Empty, names) : string.Join(", ", names, 0, names.Length - 1) + " " + conjunction + " " + names[names.Length - 1];
        }

        private static byte[]? NoOptions(System.IO.Compression.CompressionLevel level, int blockSize) => null;

        private static CompressorOptions ReadNoOptions(string name, byte[]? payload)
        {
            if (payload != null)
            {
                throw OptionsBlockFields.Invalid(name, "this compressor takes none");
            }

            return new CompressorOptions(false, Array.Empty<KeyValuePair<string, long>>());
        }
    }
}
