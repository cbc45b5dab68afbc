using System.IO.Compression;

namespace GolemImage.Compression
{
    /// <summary>
    /// The squashfs xz options block as mksquashfs writes it: {u32 dictionary size, u32 executable-filters bitmap
    /// (1 x86, 2 powerpc, 4 ia64, 8 arm, 16 armthumb, 32 sparc, 64 arm64, 128 riscv)}. Absent means a dictionary of
    /// the block size (at least 8 KiB, the metadata block size) and no filter; mksquashfs writes the block only when
    /// it differs from that, i.e. with -Xbcj or -Xdict-size. The kernel preallocates each decoder's dictionary from it
    /// (a stream with a bigger dictionary fails the mount) and refuses a size that is not 2^n or 2^n + 2^(n+1).
    /// </summary>
    internal static class XzOptionsBlock
    {
        /// <summary>The filters bitmap bit of the x86 BCJ filter.</summary>
        public const uint X86Filter = 1;

        private const int MetadataBlockSize = 8192;
        private const uint KnownFilters = 0xFF;

        /// <summary>The dictionary every stream of an image with <paramref name="blockSize"/> blocks must fit in.</summary>
        public static int DictionarySize(int blockSize) => blockSize < MetadataBlockSize ? MetadataBlockSize : blockSize;

        /// <summary>SmallestSize also tries the x86 BCJ filter on data blocks (as mksquashfs -Xbcj x86), which the bitmap records.</summary>
        public static uint Filters(CompressionLevel level) => level == CompressionSettings.SmallestSize ? X86Filter : 0;

        public static byte[]? Write(CompressionLevel level, int blockSize)
        {
            uint filters = Filters(level);
            return filters == 0 ? null : OptionsBlockFields.UInt32s((uint)DictionarySize(blockSize), filters);
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
