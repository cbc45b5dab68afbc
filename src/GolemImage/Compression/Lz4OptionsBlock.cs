using System.IO.Compression;

namespace GolemImage.Compression
{
    /// <summary>
    /// The squashfs lz4 options block, which lz4 images must carry (the kernel refuses them without it):
    /// {u32 version = 1 (block format), u32 flags (1 = high compression)}; squashfs-tools 4.7 may append a u32 level
    /// (flag 2). The kernel checks only the version.
    /// </summary>
    internal static class Lz4OptionsBlock
    {
        private const uint LegacyVersion = 1;
        private const uint HighCompression = 1;

        /// <summary>0 = fast, 1 = high compression (recorded in the flags).</summary>
        public static int NativeLevel(CompressionLevel level) => level == CompressionSettings.SmallestSize ? 1 : 0;

        public static byte[]? Write(CompressionLevel level, int blockSize) =>
            OptionsBlockFields.UInt32s(LegacyVersion, NativeLevel(level) == 1 ? HighCompression : 0);

        public static CompressorOptions Read(byte[]? payload, int blockSize)
        {
            if (payload == null)
            {
                throw OptionsBlockFields.Invalid("lz4", "it is missing, and the Linux kernel refuses lz4 images without one");
            }

            OptionsBlockFields.RequireLength("lz4", payload, 8, 12);
            uint version = OptionsBlockFields.UInt32(payload, 0);
            if (version != LegacyVersion)
            {
                throw OptionsBlockFields.Invalid("lz4", $"version {version} is not 1 (the LZ4 block format), the only one the Linux kernel reads");
            }

            uint flags = OptionsBlockFields.UInt32(payload, 4);
            return payload.Length == 8
                ? new CompressorOptions(true, new[] { OptionsBlockFields.Field("version", version), OptionsBlockFields.Field("flags", flags) })
                : new CompressorOptions(true, new[] { OptionsBlockFields.Field("version", version), OptionsBlockFields.Field("flags", flags), OptionsBlockFields.Field("level", OptionsBlockFields.UInt32(payload, 8)) });
        }
    }
}
