namespace GolemImage.Compression.Xz
{
    /// <summary>
    /// The x86 branch/call/jump filter of the .xz format (filter id 0x04): the 32-bit relative operand after an
    /// E8 (call) or E9 (jmp) opcode becomes absolute when its top byte is 0x00 or 0xFF, so that calls to the same
    /// function repeat byte for byte and LZMA finds them. A small state of where the last three opcode bytes were
    /// rejects operands that overlap a previous candidate. One whole buffer at a time from start offset 0, which is
    /// what one xz block holds; the last four bytes are never converted.
    /// </summary>
    internal static class BcjX86
    {
        /// <summary>Converts relative operands to absolute ones in place (the encoder side).</summary>
        public static unsafe void Encode(byte* data, int length) => Convert(data, length, encoding: true);

        /// <summary>Undoes <see cref="Encode"/> in place.</summary>
        public static unsafe void Decode(byte* data, int length) => Convert(data, length, encoding: false);

        private static bool IsNearZero(byte b) => b == 0x00 || b == 0xFF;

        // For each 3-bit history of recent E8/E9 bytes (bit 0 = one byte back, bit 1 = two, bit 2 = three):
        // whether a candidate may still be converted, and which operand byte (counted from the top) must
        // then not be 00/FF.
        private static readonly bool[] Allowed = { true, true, true, false, true, false, false, false };
        private static readonly int[] ByteIndex = { 0, 1, 2, 2, 3, 3, 3, 3 };

        private static unsafe void Convert(byte* data, int length, bool encoding)
        {
            if (length < 5)
            {
                return;
            }

            const uint startOffset = 5; // the operand is relative to the end of the 5-byte instruction
            int limit = length - 4;
            int lastCandidate = -1;
            uint mask = 0;
            int i = 0;
            while (true)
            {
                while (i < limit && (data[i] & 0xFE) != 0xE8)
                {
                    i++;
                }

                if (i >= limit)
                {
                    return;
                }

                int gap = lastCandidate < 0 ? int.MaxValue : i - lastCandidate;
                if (gap > 3)
                {
                    mask = 0;
                }
                else
                {
                    mask = (mask << (gap - 1)) & 7;
                    if (mask != 0 && (!Allowed[mask] || IsNearZero(data[i + 4 - ByteIndex[mask]])))
                    {
                        lastCandidate = i;
                        mask = (mask << 1) | 1;
                        i++;
                        continue;
                    }
                }

                lastCandidate = i;
                if (!IsNearZero(data[i + 4]))
                {
                    mask = (mask << 1) | 1;
                    i++;
                    continue;
                }

                uint operand = data[i + 1] | ((uint)data[i + 2] << 8) | ((uint)data[i + 3] << 16) | ((uint)data[i + 4] << 24);
                uint position = startOffset + (uint)i;
                uint converted;
                while (true)
                {
                    converted = encoding ? operand + position : operand - position;
                    if (mask == 0)
                    {
                        break;
                    }

                    int shift = ByteIndex[mask] * 8;
                    if (!IsNearZero((byte)(converted >> (24 - shift))))
                    {
                        break;
                    }

                    operand = converted ^ ((1u << (32 - shift)) - 1);
                }

                // Bit 24 decides the top byte, so the operand keeps its 00/FF form both ways.
                data[i + 4] = (byte)(0 - ((converted >> 24) & 1));
                data[i + 3] = (byte)(converted >> 16);
                data[i + 2] = (byte)(converted >> 8);
                data[i + 1] = (byte)converted;
                i += 5;
            }
        }
    }
}
