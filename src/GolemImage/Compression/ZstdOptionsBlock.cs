using System.IO.Compression;

namespace GolemImage.Compression
{
    /// <summary>The squashfs zstd options block: {u32 level 1..22}; absent means level 15. The kernel ignores it.</summary>
    internal static class ZstdOptionsBlock
    {
        private const int MaxLevel = 22;

        /// <summary>The squashfs-tools default (with a shorter target length, see ZstdBlockCompressor); Fastest/SmallestSize bracket it.</summary>
        public static int NativeLevel(CompressionLevel level) =>
            level == CompressionLevel.Fastest ? 1 : level == CompressionSettings.SmallestSize ? 19 : ZstdBlockCompressor.DefaultLevel;

        public static byte[]? Write(CompressionLevel level, int blockSize)
        {
            int native = NativeLevel(level);
            return native == ZstdBlockCompressor.DefaultLevel ? null : OptionsBlockFields.UInt32s((uint)native);
        }

        public static CompressorOptions Read(byte[]? payload, int blockSize)
        {
            long level = ZstdBlockCompressor.DefaultLevel;
            if (payload != null)
            {
                OptionsBlockFields.RequireLength("zstd", payload, 4);
                level = OptionsBlockFields.UInt32(payload, 0);
                if (level < 1 || level > MaxLevel)
                {
                    throw OptionsBlockFields.Invalid("zstd", $"level {level} is not 1 to {MaxLevel}");
                }
            }

            return new CompressorOptions(payload != null, new[] { OptionsBlockFields.Field("level", level) });
        }
    }
}
