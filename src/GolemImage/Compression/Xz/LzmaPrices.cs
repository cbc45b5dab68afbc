namespace GolemImage.Compression.Xz
{
    /// <summary>
    /// Bit prices in 1/16 bit: the cost of coding a 0 or a 1 with an LZMA probability, from a 128-entry table of
    /// -log2(p) computed with integers only (repeated squaring), so every runtime prices, and parses, alike.
    /// </summary>
    internal static class LzmaPrices
    {
        public const int Shift = 4;
        public const uint Infinity = 1u << 30;

        /// <summary>Price of a 0 bit by probability &gt;&gt; <see cref="Shift"/>; a 1 bit is priced at ProbabilityOne - p.</summary>
        internal static readonly uint[] Table = Build();

        public static uint Bit0(uint probability) => Table[probability >> Shift];

        public static uint Bit1(uint probability) => Table[(LzmaModel.ProbabilityOne - probability) >> Shift];

        public static uint Bit(uint probability, int bit) => Table[(bit == 0 ? probability : LzmaModel.ProbabilityOne - probability) >> Shift];

        /// <summary>The price of bits stored without a probability (direct bits): one bit each.</summary>
        public static uint Direct(int bits) => (uint)bits << Shift;

        private static uint[] Build()
        {
            var table = new uint[LzmaModel.ProbabilityOne >> Shift];
            for (int i = 0; i < table.Length; i++)
            {
                // log2 of the bucket's middle probability w (1..2047), in 1/16 bit, from its integer part and four
                // fraction bits: square a 16-bit mantissa four times, each overflow past 2 is one more fraction bit.
                uint w = (uint)((i << Shift) + (1 << (Shift - 1)));
                int exponent = 15;
                uint x = w;
                while (x < (1u << 15))
                {
                    x <<= 1;
                    exponent--;
                }

                int fraction = 0;
                for (int k = 0; k < Shift; k++)
                {
                    x = (uint)(((ulong)x * x) >> 15);
                    fraction <<= 1;
                    if (x >= (1u << 16))
                    {
                        fraction |= 1;
                        x >>= 1;
                    }
                }

                int log2 = (exponent << Shift) + fraction;
                table[i] = (uint)((LzmaModel.ProbabilityBits << Shift) - log2);
            }

            return table;
        }
    }
}
