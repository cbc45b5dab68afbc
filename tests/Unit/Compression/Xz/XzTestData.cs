using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;

namespace GolemImage.Tests.Compression.Xz
{
    /// <summary>Inputs for the xz tests: edge shapes and a small deterministic sample of real files in 128 KiB blocks.</summary>
    internal static class XzTestData
    {
        public const int BlockSize = 128 * 1024;

        public static bool Exhaustive => Environment.GetEnvironmentVariable("GOLEMIMAGE_EXHAUSTIVE") == "1";

        /// <summary>
        /// Edge shapes: empty, 1 byte, zeros, random (incompressible), text-like, exactly 128 KiB; the 1 MiB ones
        /// (<see cref="LargeShapes"/>) only with GOLEMIMAGE_EXHAUSTIVE=1.
        /// </summary>
        public static IEnumerable<(string Name, byte[] Data)> Shapes()
        {
            yield return ("empty", Array.Empty<byte>());
            yield return ("one byte", new byte[] { 0x42 });
            yield return ("two bytes", new byte[] { 0xE8, 0x00 });
            yield return ("zeros 128 KiB", new byte[BlockSize]);
            yield return ("zeros 5000", new byte[5000]);
            yield return ("random 128 KiB", Random(BlockSize, 1));
            yield return ("random 100", Random(100, 2));
            yield return ("text-like 128 KiB", Lzo.LzoTestData.MakeRepetitive(BlockSize, 40, 3));
            yield return ("text-like 8 KiB", Lzo.LzoTestData.MakeRepetitive(8192, 20, 4));
            yield return ("half random", HalfRandom(BlockSize, 5));
            if (Exhaustive)
            {
                foreach (var shape in LargeShapes())
                {
                    yield return shape;
                }
            }
        }

        /// <summary>1 MiB blocks (the largest squashfs block): several LZMA2 chunks, stored chunks between them.</summary>
        public static IEnumerable<(string Name, byte[] Data)> LargeShapes()
        {
            yield return ("text-like 1 MiB", Lzo.LzoTestData.MakeRepetitive(1 << 20, 90, 6));
            yield return ("half random 1 MiB", HalfRandom(1 << 20, 7));
        }

        public static byte[] Random(int length, int seed)
        {
            var bytes = new byte[length];
            new System.Random(seed).NextBytes(bytes);
            return bytes;
        }

        /// <summary>Compressible and incompressible stretches alternating, so chunks switch between LZMA and stored.</summary>
        public static byte[] HalfRandom(int length, int seed)
        {
            var bytes = Lzo.LzoTestData.MakeRepetitive(length, 30, seed);
            var random = new System.Random(seed);
            for (int start = 0; start < length; start += 40_000)
            {
                var span = bytes.AsSpan(start, Math.Min(20_000, length - start));
                random.NextBytes(span);
            }

            return bytes;
        }

        /// <summary>
        /// Up to <paramref name="count"/> 128 KiB blocks of real files: text from /usr/lib/python3.11 and x86 code from
        /// shared libraries, in a fixed order (the same blocks on every run of one machine).
        /// </summary>
        public static List<byte[]> RealBlocks(int count)
        {
            var files = new[] { "/usr/lib/python3.11", "/usr/lib/x86_64-linux-gnu" }
                .Where(Directory.Exists)
                .SelectMany(d => Directory.EnumerateFiles(d, "*", new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = FileAttributes.ReparsePoint }))
                .Where(f => f.EndsWith(".py", StringComparison.Ordinal) || f.Contains(".so", StringComparison.Ordinal))
                .OrderBy(f => f, StringComparer.Ordinal)
                .ToList();
            var blocks = new List<byte[]>();
            int stride = Math.Max(1, files.Count / Math.Max(1, count * 2));
            for (int i = 0; i < files.Count && blocks.Count < count; i += stride)
            {
                byte[] data;
                try
                {
                    data = File.ReadAllBytes(files[i]);
                }
                catch (IOException)
                {
                    continue;
                }
                catch (UnauthorizedAccessException)
                {
                    continue;
                }

                if (data.Length == 0)
                {
                    continue;
                }

                int offset = (data.Length / 2 / BlockSize) * BlockSize;
                blocks.Add(data.AsSpan(offset, Math.Min(BlockSize, data.Length - offset)).ToArray());
            }

            return blocks;
        }
    }
}
