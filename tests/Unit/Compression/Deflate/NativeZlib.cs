using System;
using System.Runtime.InteropServices;

namespace GolemImage.Tests.Compression.Deflate
{
    /// <summary>
    /// The system zlib (Debian zlib1g, what tar2sqfs and mksquashfs link) as the size reference for our deflate
    /// encoder: compress2 at the same level over the same blocks. Only called, never copied.
    /// </summary>
    internal static unsafe class NativeZlib
    {
        private const string Library = "libz.so.1";

        private static readonly Lazy<string?> UnavailableReason = new Lazy<string?>(Probe);

        public static string? Unavailable => UnavailableReason.Value;

        [DllImport(Library, EntryPoint = "compress2")]
        private static extern int Compress2(byte* dest, nuint* destLength, byte* source, nuint sourceLength, int level);

        [DllImport(Library, EntryPoint = "zlibVersion")]
        private static extern IntPtr ZlibVersion();

        public static string Version => Marshal.PtrToStringAnsi(ZlibVersion()) ?? "?";

        /// <summary>A zlib stream of <paramref name="source"/> at <paramref name="level"/>, as squashfs-tools write a block.</summary>
        public static byte[] Compress(ReadOnlySpan<byte> source, int level)
        {
            var output = new byte[source.Length + (source.Length / 1000) + 64];
            return output.AsSpan(0, CompressInto(source, output, level)).ToArray();
        }

        /// <summary>As <see cref="Compress"/>, into a caller's buffer (no allocation, for timing); returns the length.</summary>
        public static int CompressInto(ReadOnlySpan<byte> source, byte[] output, int level)
        {
            nuint length = (nuint)output.Length;
            int result;
            fixed (byte* src = source)
            fixed (byte* dst = output)
            {
                result = Compress2(dst, &length, src, (nuint)source.Length, level);
            }

            if (result != 0)
            {
                throw new InvalidOperationException($"compress2 returned {result}");
            }

            return (int)length;
        }

        private static string? Probe()
        {
            try
            {
                return Version.StartsWith("1.", StringComparison.Ordinal) ? null : $"unexpected zlib version {Version}";
            }
            catch (DllNotFoundException e)
            {
                return $"{Library} is not installed ({e.Message})";
            }
        }
    }
}
