using System.IO.Compression;

namespace GolemImage.Compression.Lzo
{
    /// <summary>
    /// The squashfs compressor-options payload for LZO: {u32 algorithm, u32 level} little-endian, where
    /// algorithm 0 = lzo1x_1 (level must be 0) and 4 = lzo1x_999 (level 1..9); no block means lzo1x_999 level 8.
    /// Only unsquashfs reads it (to validate and report); the kernel ignores it. Our levels are recorded as the
    /// liblzo2 algorithm whose output size they match.
    /// </summary>
    public static class LzoOptions
    {
        public const uint Lzo1x1 = 0;
        public const uint Lzo1x999 = 4;
        private const int DefaultLevel = 8;

        /// <summary>
        /// The lzo1x_999 level whose size ours matches (Optimal lands between 999/4 and 999/5, SmallestSize at or below
        /// 999/8); Fastest is lzo1x_1, which takes no level.
        /// </summary>
        public static int NativeLevel(CompressionLevel level) =>
            level == CompressionLevel.Fastest ? 0 : level == CompressionSettings.SmallestSize ? DefaultLevel : 4;

        /// <summary>The options payload for <paramref name="level"/>, or null where the squashfs default (lzo1x_999/8) describes it.</summary>
        public static byte[]? Create(CompressionLevel level)
        {
            switch ((int)level)
            {
                case (int)CompressionLevel.Fastest:
                    return Pack(Lzo1x1, 0);
                case (int)CompressionLevel.Optimal:
                    // Measured on /usr/lib/python3.11 in 128 KiB blocks: ours sits between lzo1x_999 levels 4 and 5.
                    return Pack(Lzo1x999, 4);
                default:
                    return null;
            }
        }

        internal static byte[]? Write(CompressionLevel level, int blockSize) => Create(level);

        internal static CompressorOptions Read(byte[]? payload, int blockSize)
        {
            long algorithm = Lzo1x999;
            long level = DefaultLevel;
            if (payload != null)
            {
                OptionsBlockFields.RequireLength("lzo", payload, 8);
                algorithm = OptionsBlockFields.UInt32(payload, 0);
                level = OptionsBlockFields.UInt32(payload, 4);
                if (algorithm > Lzo1x999)
                {
                    throw OptionsBlockFields.Invalid("lzo", $"algorithm {algorithm} is not 0 to 4 (lzo1x_1 ... lzo1x_999)");
                }

                if (algorithm == Lzo1x999 ? level < 1 || level > 9 : level != 0)
                {
                    throw OptionsBlockFields.Invalid("lzo", algorithm == Lzo1x999 ? $"lzo1x_999 level {level} is not 1 to 9" : $"level {level} is given for an algorithm that takes none");
                }
            }

            return new CompressorOptions(payload != null, new[] { OptionsBlockFields.Field("algorithm", algorithm), OptionsBlockFields.Field("level", level) });
        }

        private static byte[] Pack(uint algorithm, uint level) => new[]
        {
            (byte)algorithm, (byte)(algorithm >> 8), (byte)(algorithm >> 16), (byte)(algorithm >> 24),
            (byte)level, (byte)(level >> 8), (byte)(level >> 16), (byte)(level >> 24),
        };
    }
}
