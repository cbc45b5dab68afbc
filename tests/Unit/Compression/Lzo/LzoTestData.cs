using System;
using CsCheck;

namespace GolemImage.Tests.Compression.Lzo
{
    /// <summary>Input shapes that exercise different parts of an LZO encoder.</summary>
    internal static class LzoTestData
    {
        public static readonly Gen<byte[]> Short = Gen.Byte.Array[0, 20];

        public static readonly Gen<byte[]> Random = Gen.Byte.Array[0, 70_000];

        public static readonly Gen<byte[]> Zeros = Gen.Int[0, 300_000].Select(n => new byte[n]);

        /// <summary>Random (incompressible) bytes, up to 1 MiB, from a seed so failures shrink and reproduce.</summary>
        public static readonly Gen<byte[]> Incompressible =
            Gen.Select(Gen.Int[0, 1 << 20], Gen.Int, (length, seed) =>
            {
                var bytes = new byte[length];
                new System.Random(seed).NextBytes(bytes);
                return bytes;
            });

        /// <summary>
        /// Text-like data: literals from a small alphabet mixed with copies of earlier stretches at every
        /// distance class (M1..M4 range and beyond 49151) and lengths from 2 to long runs.
        /// </summary>
        public static readonly Gen<byte[]> Repetitive =
            Gen.Select(Gen.Int[0, 200_000], Gen.Int[2, 256], Gen.Int, (length, alphabet, seed) => MakeRepetitive(length, alphabet, seed));

        /// <summary>Squashfs block sizes 4 KiB .. 1 MiB of repetitive data.</summary>
        public static readonly Gen<byte[]> BlockSized =
            Gen.Select(Gen.Int[12, 20], Gen.Int[2, 256], Gen.Int, (log, alphabet, seed) => MakeRepetitive(1 << log, alphabet, seed));

        public static byte[] MakeRepetitive(int length, int alphabet, int seed)
        {
            var random = new System.Random(seed);
            var bytes = new byte[length];
            int i = 0;
            while (i < length)
            {
                int kind = random.Next(10);
                if (kind < 4 || i < 4)
                {
                    int run = random.Next(1, 24);
                    for (int k = 0; k < run && i < length; k++)
                    {
                        bytes[i++] = (byte)random.Next(alphabet);
                    }
                }
                else
                {
                    int maxDistance = kind switch { 4 => 1024, 5 => 3072, 6 => 16384, 7 => 49151, 8 => 70_000, _ => 8 };
                    int distance = random.Next(1, Math.Min(maxDistance, i) + 1);
                    int copy = kind == 9 ? random.Next(1, 600) : random.Next(2, 40);
                    for (int k = 0; k < copy && i < length; k++, i++)
                    {
                        bytes[i] = bytes[i - distance];
                    }
                }
            }

            return bytes;
        }
    }
}
