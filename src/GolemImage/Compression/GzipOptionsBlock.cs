using System.IO;
using System.IO.Compression;

namespace GolemImage.Compression
{
    /// <summary>
    /// The squashfs "gzip" options block: {u32 level 1..9, u16 window bits 8..15, u16 strategies bitmap (1 default,
    /// 2 filtered, 4 huffman only, 8 RLE, 16 fixed)}; absent means level 9, window 15, default strategy. The kernel
    /// ignores it; unsquashfs checks and reports it.
    /// </summary>
    internal static class GzipOptionsBlock
    {
        public const int DefaultLevel = 9;
        private const int DefaultWindowBits = 15;
        private const int DefaultStrategy = 1;
        private const int AllStrategies = 0x1F;

        /// <summary>zlib's fastest, default and best levels, as our DeflateEncoder implements them.</summary>
        public static int NativeLevel(CompressionLevel level) =>
            level == CompressionLevel.Fastest ? 1 : level == CompressionSettings.SmallestSize ? DefaultLevel : 6;

        public static byte[]? Write(CompressionLevel level, int blockSize)
        {
            int native = NativeLevel(level);
            if (native == DefaultLevel)
            {
                return null;
            }

            byte[] block = OptionsBlockFields.UInt32s((uint)native, 0);
            block[4] = DefaultWindowBits; // u16
            block[6] = DefaultStrategy; // u16
            return block;
        }

        public static CompressorOptions Read(byte[]? payload, int blockSize)
        {
            if (payload == null)
            {
                return Options(false, DefaultLevel, DefaultWindowBits, DefaultStrategy);
            }

            OptionsBlockFields.RequireLength("gzip", payload, 8);
            uint level = OptionsBlockFields.UInt32(payload, 0);
            ushort window = OptionsBlockFields.UInt16(payload, 4);
            ushort strategies = OptionsBlockFields.UInt16(payload, 6);
            if (level < 1 || level > 9)
            {
                throw OptionsBlockFields.Invalid("gzip", $"level {level} is not 1 to 9");
            }

            if (window < 8 || window > 15)
            {
                throw OptionsBlockFields.Invalid("gzip", $"window bits {window} are not 8 to 15");
            }

            if ((strategies & ~AllStrategies) != 0)
            {
                throw OptionsBlockFields.Invalid("gzip", $"strategies bitmap 0x{strategies:x} has unknown bits");
            }

            return Options(true, level, window, strategies);
        }

        private static CompressorOptions Options(bool present, long level, long window, long strategies) => new CompressorOptions(present, new[]
        {
            OptionsBlockFields.Field("level", level),
            OptionsBlockFields.Field("window bits", window),
            OptionsBlockFields.Field("strategies", strategies),
        });
    }
}
