using System;
using System.Runtime.InteropServices;

namespace GolemImage.Tests.Compression.Lzo
{
    /// <summary>
    /// liblzo2 (Debian liblzo2-2) as an independent oracle: its safe decoder checks every block we write,
    /// and its lzo1x_1 / lzo1x_999 compressors feed our decoder. Only called, never copied.
    /// </summary>
    internal static unsafe class NativeLzo
    {
        private const string Library = "liblzo2.so.2";
        private const int LzoOk = 0;

        private static readonly Lazy<string?> UnavailableReason = new Lazy<string?>(Probe);

        /// <summary>Null when liblzo2 can be used; otherwise why not (tests skip with this reason).</summary>
        public static string? Unavailable => UnavailableReason.Value;

        [DllImport(Library, EntryPoint = "__lzo_init_v2")]
        private static extern int LzoInit(uint version, int sizeofShort, int sizeofInt, int sizeofLong, int sizeofUint32, int sizeofUint, int sizeofDict, int sizeofCharPtr, int sizeofVoidPtr, int sizeofCallback);

        [DllImport(Library, EntryPoint = "lzo1x_decompress_safe")]
        private static extern int Lzo1xDecompressSafe(byte* src, nuint srcLength, byte* dst, nuint* dstLength, void* workMemory);

        [DllImport(Library, EntryPoint = "lzo1x_1_compress")]
        private static extern int Lzo1x1Compress(byte* src, nuint srcLength, byte* dst, nuint* dstLength, void* workMemory);

        [DllImport(Library, EntryPoint = "lzo1x_999_compress_level")]
        private static extern int Lzo1x999CompressLevel(byte* src, nuint srcLength, byte* dst, nuint* dstLength, void* workMemory, byte* dictionary, nuint dictionaryLength, void* callback, int level);

        private static string? Probe()
        {
            try
            {
                // LZO_VERSION 0x20a0 and the type sizes of a 64-bit Linux build (lzo_uint = size_t,
                // dict entries are pointers, lzo_callback_t is six pointer-sized fields).
                int result = LzoInit(0x20a0, 2, 4, 8, 4, 8, 8, 8, 8, 48);
                return result == LzoOk ? null : $"__lzo_init_v2 returned {result}";
            }
            catch (DllNotFoundException e)
            {
                return $"{Library} is not installed ({e.Message})";
            }
            catch (EntryPointNotFoundException e)
            {
                return $"{Library} lacks an entry point ({e.Message})";
            }
        }

        /// <summary>Decodes with lzo1x_decompress_safe into exactly <paramref name="expectedLength"/> bytes of room.</summary>
        public static (int Result, byte[] Output) DecompressSafe(ReadOnlySpan<byte> compressed, int expectedLength)
        {
            var output = new byte[expectedLength + 1];
            nuint outLength = (nuint)expectedLength;
            int result;
            fixed (byte* src = compressed)
            fixed (byte* dst = output)
            {
                result = Lzo1xDecompressSafe(src, (nuint)compressed.Length, dst, &outLength, null);
            }

            return (result, output.AsSpan(0, (int)outLength).ToArray());
        }

        [ThreadStatic]
        private static byte[]? Work;

        public static byte[] Compress1(ReadOnlySpan<byte> source) => Compress(source, level: 0);

        public static byte[] Compress999(ReadOnlySpan<byte> source, int level) => Compress(source, level);

        private static byte[] Compress(ReadOnlySpan<byte> source, int level)
        {
            var output = new byte[source.Length + (source.Length / 16) + 64 + 3];
            int length = CompressInto(source, output, level);
            return output.AsSpan(0, length).ToArray();
        }

        /// <summary>
        /// Compresses into <paramref name="destination"/> (room for n + n/16 + 67 bytes) without allocating, so that
        /// timings compare the compressors rather than the garbage collector (a 128 KiB block's output array lands
        /// on the large object heap). Level 0 = lzo1x_1, else lzo1x_999 at that level. Returns the length.
        /// </summary>
        public static int CompressInto(ReadOnlySpan<byte> source, Span<byte> destination, int level)
        {
            var work = Work ??= new byte[1 << 20];
            nuint outLength = (nuint)destination.Length;
            int result;
            fixed (byte* src = source)
            fixed (byte* dst = destination)
            fixed (byte* wrk = work)
            {
                result = level == 0
                    ? Lzo1x1Compress(src, (nuint)source.Length, dst, &outLength, wrk)
                    : Lzo1x999CompressLevel(src, (nuint)source.Length, dst, &outLength, wrk, null, 0, null, level);
            }

            if (result != LzoOk)
            {
                throw new InvalidOperationException($"liblzo2 compressor failed with {result}");
            }

            return (int)outLength;
        }
    }
}
