using System;
using System.Runtime.CompilerServices;

namespace GolemImage.Compression.Lzo
{
    /// <summary>
    /// The LZO1X instruction encodings shared by all encoder levels (see squashfs-format.md §3.1). Pointer based:
    /// callers guarantee the output has room for <see cref="MaxEncodedLength"/> bytes, so the emitters never check.
    /// </summary>
    internal static unsafe class LzoEncoding
    {
        public const int MaxDistance = 49151;
        public const int M2MaxDistance = 2048;
        public const int M3MaxDistance = 16384;
        public const int M1MaxDistance = 1024;
        public const int M1LongMinDistance = 2049;
        public const int M1LongMaxDistance = 3072;

        /// <summary>Worst case of any LZO1X encoder over <paramref name="length"/> bytes (squashfs-tools' LZO_MAX_EXPANSION).</summary>
        public static int MaxEncodedLength(int length) => length + (length / 16) + 64 + 3;

        /// <summary>
        /// Emits a run of <paramref name="count"/> literals read from <paramref name="literals"/>, which lies inside
        /// the block ending at <paramref name="inputEnd"/>. 1..3 literals after a match ride in the match's two spare
        /// bits (op[-2]); the first run of a stream has its own one-byte form (17 + count).
        /// </summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static byte* EmitLiterals(byte* op, byte* outputStart, byte* literals, int count, byte* inputEnd)
        {
            if (count == 0)
            {
                return op;
            }

            if (op == outputStart && count <= 238)
            {
                *op++ = (byte)(17 + count);
            }
            else if (count <= 3)
            {
                op[-2] |= (byte)count;
            }
            else if (count <= 18)
            {
                *op++ = (byte)(count - 3);
            }
            else
            {
                *op++ = 0;
                op = EmitExtendedLength(op, count - 18);
            }

            // Most runs between matches are short, and a call to memmove per run cost the fast encoder ~10 % of its
            // time. Short runs are copied as whole 8-byte words instead, so up to 31 bytes past the run are written
            // (and overwritten by what follows). That stays inside MaxEncodedLength: every match we emit costs at
            // most its length, so the output never runs ahead of the input by more than the literal headers
            // (< n/255 + 3 bytes), and a wide copy is only taken when the 16 or 32 bytes it reads lie inside the block.
            if (count <= 16 && literals + 16 <= inputEnd)
            {
                Unsafe.WriteUnaligned(op, Unsafe.ReadUnaligned<ulong>(literals));
                Unsafe.WriteUnaligned(op + 8, Unsafe.ReadUnaligned<ulong>(literals + 8));
            }
            else if (count <= 32 && literals + 32 <= inputEnd)
            {
                Unsafe.WriteUnaligned(op, Unsafe.ReadUnaligned<ulong>(literals));
                Unsafe.WriteUnaligned(op + 8, Unsafe.ReadUnaligned<ulong>(literals + 8));
                Unsafe.WriteUnaligned(op + 16, Unsafe.ReadUnaligned<ulong>(literals + 16));
                Unsafe.WriteUnaligned(op + 24, Unsafe.ReadUnaligned<ulong>(literals + 24));
            }
            else
            {
                Buffer.MemoryCopy(literals, op, count, count);
            }

            return op + count;
        }

        /// <summary>value >= 1 as 255 per zero byte plus a final non-zero byte.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static byte* EmitExtendedLength(byte* op, int value)
        {
            while (value > 255)
            {
                *op++ = 0;
                value -= 255;
            }

            *op++ = (byte)value;
            return op;
        }

        /// <summary>
        /// Emits a match of <paramref name="length"/> >= 3 bytes (or 2 for M1) at <paramref name="distance"/>.
        /// <paramref name="state"/> is the decoder state before it: the literals just emitted (0..3, 4 = a run
        /// of four or more, or the stream's first run); it decides whether the short M1 forms are available.
        /// </summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static byte* EmitMatch(byte* op, int length, int distance, int state)
        {
            if (length <= 8 && distance <= M2MaxDistance && length >= 3)
            {
                int d = distance - 1;
                *op++ = (byte)(((length - 1) << 5) | ((d & 7) << 2));
                *op++ = (byte)(d >> 3);
            }
            else if (length == 2)
            {
                // M1: only after a match that copied 1..3 trailing literals (state 1..3).
                int d = distance - 1;
                *op++ = (byte)((d & 3) << 2);
                *op++ = (byte)(d >> 2);
            }
            else if (length == 3 && state == 4 && distance >= M1LongMinDistance && distance <= M1LongMaxDistance)
            {
                int d = distance - M1LongMinDistance;
                *op++ = (byte)((d & 3) << 2);
                *op++ = (byte)(d >> 2);
            }
            else if (distance <= M3MaxDistance)
            {
                int d = distance - 1;
                if (length <= 33)
                {
                    *op++ = (byte)(0x20 | (length - 2));
                }
                else
                {
                    *op++ = 0x20;
                    op = EmitExtendedLength(op, length - 33);
                }

                *op++ = (byte)(d << 2);
                *op++ = (byte)(d >> 6);
            }
            else
            {
                int d = distance - 16384;
                byte high = (byte)(0x10 | ((d >> 11) & 8));
                if (length <= 9)
                {
                    *op++ = (byte)(high | (length - 2));
                }
                else
                {
                    *op++ = high;
                    op = EmitExtendedLength(op, length - 9);
                }

                *op++ = (byte)(d << 2);
                *op++ = (byte)(d >> 6);
            }

            return op;
        }

        /// <summary>Bytes <see cref="EmitMatch"/> writes, for the parsers' cost models.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static int MatchCost(int length, int distance, int state)
        {
            if (length <= 8 && distance <= M2MaxDistance)
            {
                return 2;
            }

            if (length == 3 && state == 4 && distance >= M1LongMinDistance && distance <= M1LongMaxDistance)
            {
                return 2;
            }

            if (distance <= M3MaxDistance)
            {
                return length <= 33 ? 3 : 4 + ((length - 34) / 255);
            }

            return length <= 9 ? 3 : 4 + ((length - 10) / 255);
        }

        public static byte* EmitEnd(byte* op)
        {
            *op++ = 0x11;
            *op++ = 0;
            *op++ = 0;
            return op;
        }
    }
}
