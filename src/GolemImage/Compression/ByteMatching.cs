using System;
using System.Runtime.CompilerServices;
#if NET8_0_OR_GREATER
using System.Numerics;
#endif

namespace GolemImage.Compression
{
    /// <summary>The byte-level helpers the hot loops of our own encoders (LZO and deflate) share.</summary>
    internal static unsafe class ByteMatching
    {
        /// <summary>
        /// MethodImplOptions.AggressiveOptimization (512; netstandard2.0's enum lacks the name) for an encoder's
        /// block loop: tiered compilation would run a conversion's first few hundred blocks per worker in
        /// unoptimized, instrumented or on-stack-replaced code. Measured (LZO) on the 476 MiB bench tree, first conversion
        /// in a process: Fastest ~2.2 s -> ~1.2 s of engine time; Optimal ~2 % (only with its finder's methods
        /// marked for inlining, which tier-1 code got from the profile).
        /// </summary>
        public const MethodImplOptions AggressiveOptimization = (MethodImplOptions)512;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static uint Read32(byte* p)
        {
            uint value = Unsafe.ReadUnaligned<uint>(p);
            return BitConverter.IsLittleEndian ? value : ReverseBytes(value);
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static uint Read24(byte* p) => (uint)(p[0] | (p[1] << 8) | (p[2] << 16));

        private static uint ReverseBytes(uint value) =>
            (value >> 24) | ((value >> 8) & 0xFF00) | ((value << 8) & 0xFF0000) | (value << 24);

        /// <summary>Number of equal bytes at <paramref name="a"/> and <paramref name="b"/>, reading <paramref name="a"/> no further than <paramref name="aEnd"/>.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static int MatchLength(byte* a, byte* b, byte* aEnd)
        {
            byte* start = a;
            if (BitConverter.IsLittleEndian)
            {
                while (a + 8 <= aEnd)
                {
                    ulong diff = Unsafe.ReadUnaligned<ulong>(a) ^ Unsafe.ReadUnaligned<ulong>(b);
                    if (diff != 0)
                    {
                        return (int)(a - start) + (TrailingZeroCount(diff) >> 3);
                    }

                    a += 8;
                    b += 8;
                }
            }

            while (a < aEnd && *a == *b)
            {
                a++;
                b++;
            }

            return (int)(a - start);
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static int TrailingZeroCount(ulong value)
        {
#if NET8_0_OR_GREATER
            return BitOperations.TrailingZeroCount(value);
#else
            // De Bruijn multiplication: isolate the lowest set bit, then look its index up.
            return DeBruijnIndex[((value & (ulong)-(long)value) * 0x03F79D71B4CB0A89UL) >> 58];
#endif
        }

#if !NET8_0_OR_GREATER
        private static readonly byte[] DeBruijnIndex = BuildDeBruijnIndex();

        private static byte[] BuildDeBruijnIndex()
        {
            var table = new byte[64];
            for (int i = 0; i < 64; i++)
            {
                table[((1UL << i) * 0x03F79D71B4CB0A89UL) >> 58] = (byte)i;
            }

            return table;
        }
#endif

        /// <summary>Sets every element (the match finders' "no position" tables, cleared per block).</summary>
        public static void Fill(int[] array, int value)
        {
#if NET8_0_OR_GREATER
            Array.Fill(array, value);
#else
            for (int i = 0; i < array.Length; i++)
            {
                array[i] = value;
            }
#endif
        }
    }
}
