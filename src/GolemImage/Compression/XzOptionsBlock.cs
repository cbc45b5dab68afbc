using System;
using System.IO.Compression;
using GolemImage.Compression.Xz;
using GolemImage.Squashfs;

namespace GolemImage.Compression
{
    /// <summary>
    /// The squashfs xz options block as mksquashfs writes it: {u32 dictionary size, u32 executable-filters bitmap
    /// (1 x86, 2 powerpc, 4 ia64, 8 arm, 16 armthumb, 32 sparc, 64 arm64, 128 riscv)}. Absent means a dictionary of
    /// the block size (at least 8 KiB, the metadata block size) and no filter; mksquashfs writes the block only when
    /// it differs from that, i.e. with -Xbcj or -Xdict-size. The kernel preallocates each decoder's dictionary from it
    /// (a stream with a bigger dictionary fails the mount) and refuses a size that is not 2^n or 2^n + 2^(n+1).
    /// The codec's <see cref="XzOptions"/> is the value this block serializes: the table makes the compressor from
    /// <see cref="For"/>, so what the block says and what the streams use cannot drift apart.
    /// </summary>
    internal static class XzOptionsBlock
    {
        /// <summary>The filters bitmap bit of the x86 BCJ filter.</summary>
        public const uint X86Filter = XzOptions.X86Filter;

        private const int MetadataBlockSize = SquashfsFormat.MetadataBlockSize;
        private const uint KnownFilters = 0xFF;

        /// <summary>The dictionary every stream of an image with <paramref name="blockSize"/> blocks must fit in.</summary>
        public static int DictionarySize(int blockSize) => blockSize < MetadataBlockSize ? MetadataBlockSize : blockSize;

        /// <summary>SmallestSize also tries the x86 BCJ filter on data blocks (as mksquashfs -Xbcj x86), which the bitmap records.</summary>
        public static uint Filters(CompressionLevel level) => level == CompressionSettings.SmallestSize ? X86Filter : 0;

        /// <summary>
        /// The liblzma preset each level is built and measured against, for messages: Optimal and SmallestSize
        /// preset 6 (mksquashfs -comp xz's, SmallestSize adding -Xbcj x86), Fastest preset 3 (the fast-mode preset
        /// whose hash chains are as deep as ours). The options block records no level: xz streams need none to decode.
        /// </summary>
        public static int NativeLevel(CompressionLevel level) => level == CompressionLevel.Fastest ? 3 : 6;

        /// <summary>What an image of <paramref name="blockSize"/> blocks at <paramref name="level"/> records and its data streams use.</summary>
        public static XzOptions For(CompressionLevel level, int blockSize) => new XzOptions(DictionarySize(blockSize), Filters(level));

        /// <summary>A data and fragment block compressor: the options block's dictionary, x86 BCJ tried only where the bitmap records it.</summary>
        public static IBlockCompressor CreateCompressor(CompressionLevel level, int blockSize)
        {
            XzOptions options = For(level, blockSize);
            return new XzBlockCompressor(level, options.DictionarySize, options.UsesX86Filter);
        }

        /// <summary>
        /// A metadata block compressor, as mksquashfs makes one: an 8 KiB dictionary (a metadata block's size) and no
        /// BCJ filter at any level (tables are not machine code).
        /// </summary>
        public static IBlockCompressor CreateMetadataCompressor(CompressionLevel level) =>
            new XzBlockCompressor(level, MetadataBlockSize, tryX86: false);

        /// <summary>
        /// A decompressor for an image with <paramref name="options"/>: it accepts streams whose dictionary fits the one
        /// the options give (the block size by default), which is what the kernel preallocates for every block, data
        /// and metadata alike; a stream that claims more fails the mount, so it fails here too.
        /// </summary>
        public static IBlockDecompressor CreateDecompressor(CompressorOptions options)
        {
            // The kernel preallocates at least a metadata block's worth when the options block is absent (Read gives
            // that default); a present block's size is taken as written, as the kernel does. Sizes past int (3 GiB)
            // are only a limit here: the decoder never allocates by the dictionary.
            long dictionary = options["dictionary size"];
            return new XzBlockDecompressor((int)Math.Min(Math.Max(dictionary, XzFormat.MinDictionarySize), int.MaxValue));
        }

        public static byte[]? Write(CompressionLevel level, int blockSize)
        {
            XzOptions options = For(level, blockSize);
            return options.Filters == 0 ? null : OptionsBlockFields.UInt32s((uint)options.DictionarySize, options.Filters);
        }

        public static CompressorOptions Read(byte[]? payload, int blockSize)
        {
            long dictionary = DictionarySize(blockSize);
            long filters = 0;
            if (payload != null)
            {
                OptionsBlockFields.RequireLength("xz", payload, 8);
                uint size = OptionsBlockFields.UInt32(payload, 0);
                uint lowest = size & (~size + 1);
                if (size == 0 || (size != lowest && size != (ulong)lowest * 3))
                {
                    throw OptionsBlockFields.Invalid("xz", $"dictionary size {size} is not 2^n or 2^n + 2^(n+1), which the Linux kernel refuses");
                }

                uint bitmap = OptionsBlockFields.UInt32(payload, 4);
                if ((bitmap & ~KnownFilters) != 0)
                {
                    throw OptionsBlockFields.Invalid("xz", $"filters bitmap 0x{bitmap:x} names unknown filters");
                }

                dictionary = size;
                filters = bitmap;
            }

            return new CompressorOptions(payload != null, new[] { OptionsBlockFields.Field("dictionary size", dictionary), OptionsBlockFields.Field("filters", filters) });
        }
    }
}
