using System;
using System.Runtime.InteropServices;

namespace GolemImage.Tests.Compression.Xz
{
    /// <summary>
    /// liblzma (Debian liblzma5) as an independent oracle: its encoder feeds our decoder and its single-call
    /// decoder checks every stream we write. Only called, never copied.
    /// </summary>
    internal static unsafe class NativeLzma
    {
        private const string Library = "liblzma.so.5";
        private const int LzmaOk = 0;
        public const uint CheckCrc32 = 1;
        public const uint PresetExtreme = 0x80000000;
        private const ulong FilterX86 = 0x04;
        private const ulong FilterLzma2 = 0x21;
        private const ulong VliUnknown = ulong.MaxValue;

        private static readonly Lazy<string?> UnavailableReason = new Lazy<string?>(Probe);

        /// <summary>Null when liblzma can be used; otherwise why not (tests skip with this reason).</summary>
        public static string? Unavailable => UnavailableReason.Value;

        [StructLayout(LayoutKind.Sequential)]
        private struct Filter
        {
            public ulong Id;
            public void* Options;
        }

        [DllImport(Library, EntryPoint = "lzma_version_string")]
        private static extern IntPtr VersionString();

        [DllImport(Library, EntryPoint = "lzma_easy_buffer_encode")]
        private static extern int EasyBufferEncode(uint preset, uint check, void* allocator, byte* input, nuint inputSize, byte* output, nuint* outputPosition, nuint outputSize);

        [DllImport(Library, EntryPoint = "lzma_stream_buffer_encode")]
        private static extern int StreamBufferEncode(Filter* filters, uint check, void* allocator, byte* input, nuint inputSize, byte* output, nuint* outputPosition, nuint outputSize);

        [DllImport(Library, EntryPoint = "lzma_stream_buffer_decode")]
        private static extern int StreamBufferDecode(ulong* memoryLimit, uint flags, void* allocator, byte* input, nuint* inputPosition, nuint inputSize, byte* output, nuint* outputPosition, nuint outputSize);

        [DllImport(Library, EntryPoint = "lzma_lzma_preset")]
        private static extern byte LzmaPreset(byte* options, uint preset);

        public static string Version => Marshal.PtrToStringAnsi(VersionString()) ?? "?";

        private static string? Probe()
        {
            try
            {
                return Version.Length > 0 ? null : "liblzma reports no version";
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

        private static int Bound(int length) => length + (length / 16) + 1024;

        /// <summary>lzma_easy_buffer_encode with a CRC32 check (the preset's own dictionary, 8 MiB at 6).</summary>
        public static byte[] EasyEncode(ReadOnlySpan<byte> source, uint preset)
        {
            var output = new byte[Bound(source.Length)];
            nuint position = 0;
            int result;
            fixed (byte* src = source)
            fixed (byte* dst = output)
            {
                result = EasyBufferEncode(preset, CheckCrc32, null, src, (nuint)source.Length, dst, &position, (nuint)output.Length);
            }

            Check(result, "lzma_easy_buffer_encode");
            return output.AsSpan(0, (int)position).ToArray();
        }

        /// <summary>
        /// What mksquashfs does per block: lzma_stream_buffer_encode with the preset's LZMA2 options and
        /// <paramref name="dictionarySize"/>, optionally behind the x86 filter, CRC32 check.
        /// </summary>
        public static byte[] SquashfsEncode(ReadOnlySpan<byte> source, uint preset, int dictionarySize, bool x86)
        {
            var output = new byte[Bound(source.Length)];
            int length = SquashfsEncodeInto(source, output, preset, dictionarySize, x86);
            return output.AsSpan(0, length).ToArray();
        }

        public static int SquashfsEncodeInto(ReadOnlySpan<byte> source, Span<byte> output, uint preset, int dictionarySize, bool x86)
        {
            byte* options = stackalloc byte[512];
            new Span<byte>(options, 512).Clear();
            if (LzmaPreset(options, preset) != 0)
            {
                throw new InvalidOperationException($"lzma_lzma_preset({preset}) failed");
            }

            *(uint*)options = (uint)dictionarySize;
            Filter* filters = stackalloc Filter[3];
            int n = 0;
            if (x86)
            {
                filters[n++] = new Filter { Id = FilterX86, Options = null };
            }

            filters[n++] = new Filter { Id = FilterLzma2, Options = options };
            filters[n] = new Filter { Id = VliUnknown, Options = null };
            nuint position = 0;
            int result;
            fixed (byte* src = source)
            fixed (byte* dst = output)
            {
                result = StreamBufferEncode(filters, CheckCrc32, null, src, (nuint)source.Length, dst, &position, (nuint)output.Length);
            }

            Check(result, "lzma_stream_buffer_encode");
            return (int)position;
        }

        /// <summary>lzma_stream_buffer_decode into room for <paramref name="room"/> bytes; returns liblzma's result code.</summary>
        public static (int Result, byte[] Output) Decode(ReadOnlySpan<byte> stream, int room)
        {
            var output = new byte[Math.Max(1, room)];
            ulong memoryLimit = ulong.MaxValue;
            nuint inPosition = 0;
            nuint outPosition = 0;
            int result;
            fixed (byte* src = stream)
            fixed (byte* dst = output)
            {
                result = StreamBufferDecode(&memoryLimit, 0, null, src, &inPosition, (nuint)stream.Length, dst, &outPosition, (nuint)room);
            }

            if (result == LzmaOk && inPosition != (nuint)stream.Length)
            {
                result = -1;
            }

            return (result, output.AsSpan(0, (int)outPosition).ToArray());
        }

        private static void Check(int result, string function)
        {
            if (result != LzmaOk)
            {
                throw new InvalidOperationException($"{function} failed with {result}");
            }
        }
    }
}
