using System.Runtime.CompilerServices;

namespace GolemImage.Compression.Deflate
{
    /// <summary>The length and distance alphabets of RFC 1951 §3.2.5 and the static code of §3.2.6.</summary>
    internal static class DeflateSymbols
    {
        public const int EndOfBlock = 256;
        public const int LiteralLengthCount = 286;
        public const int DistanceCount = 30;
        public const int CodeLengthCount = 19;

        public static readonly int[] LengthBase =
        {
            3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195, 227, 258,
        };

        public static readonly byte[] LengthExtraBits =
        {
            0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0,
        };

        public static readonly int[] DistanceBase =
        {
            1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193, 257, 385, 513, 769, 1025, 1537, 2049, 3073,
            4097, 6145, 8193, 12289, 16385, 24577,
        };

        public static readonly byte[] DistanceExtraBits =
        {
            0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13,
        };

        /// <summary>The order in which a dynamic block header lists the code-length code's lengths.</summary>
        public static readonly byte[] CodeLengthOrder = { 16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15 };

        /// <summary>Length 3..258 -> index into the length codes (symbol - 257).</summary>
        public static readonly byte[] LengthIndex = BuildLengthIndex();

        /// <summary>Distance - 1 below 256 -> distance code; larger distances go through <see cref="DistanceCode"/>.</summary>
        private static readonly byte[] SmallDistanceCode = BuildSmallDistanceCode();

        public static readonly byte[] FixedLiteralLengthLengths = BuildFixedLiteralLengthLengths();

        public static readonly byte[] FixedDistanceLengths = BuildFixedDistanceLengths();

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static int DistanceCode(int distance)
        {
            int x = distance - 1;
            // Codes 2k and 2k+1 cover [2^k, 2^(k+1)) of distance - 1 split by the bit below the top one; dropping 7
            // low bits shifts the code down by 14 exactly, which keeps the table at 256 entries.
            return x < 256 ? SmallDistanceCode[x] : SmallDistanceCode[x >> 7] + 14;
        }

        private static byte[] BuildLengthIndex()
        {
            var table = new byte[259];
            for (int index = 0; index < 28; index++)
            {
                for (int length = LengthBase[index]; length < LengthBase[index] + (1 << LengthExtraBits[index]) && length < 259; length++)
                {
                    table[length] = (byte)index;
                }
            }

            // 258 has its own code (285); code 284 could also express it with 5 extra bits, but RFC 1951 gives
            // 284 the range 227..257 and every encoder uses 285.
            table[258] = 28;
            return table;
        }

        private static byte[] BuildSmallDistanceCode()
        {
            var table = new byte[256];
            for (int code = 0; code < 16; code++)
            {
                for (int x = DistanceBase[code] - 1; x < DistanceBase[code] - 1 + (1 << DistanceExtraBits[code]); x++)
                {
                    table[x] = (byte)code;
                }
            }

            return table;
        }

        private static byte[] BuildFixedLiteralLengthLengths()
        {
            var lengths = new byte[288];
            for (int symbol = 0; symbol < 288; symbol++)
            {
                lengths[symbol] = symbol < 144 ? (byte)8 : symbol < 256 ? (byte)9 : symbol < 280 ? (byte)7 : (byte)8;
            }

            return lengths;
        }

        private static byte[] BuildFixedDistanceLengths()
        {
            var lengths = new byte[DistanceCount];
            for (int code = 0; code < DistanceCount; code++)
            {
                lengths[code] = 5;
            }

            return lengths;
        }
    }
}
