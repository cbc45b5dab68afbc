using System;

namespace GolemImage.Compression.Xz
{
    /// <summary>
    /// A safe LZMA2 decoder writing straight into the caller's output (which is the whole dictionary: one xz block
    /// never needs more history than it has written). Every read is bounds-checked, every distance checked against
    /// the bytes written since the last dictionary reset and the declared dictionary size, and every symbol makes
    /// progress, so malformed input ends in <see cref="System.IO.InvalidDataException"/>, never in a hang.
    /// </summary>
    internal sealed unsafe class Lzma2Decoder
    {
        private readonly ushort[] _probabilities = new ushort[LzmaModel.ProbabilityCount(4)];

        /// <summary>
        /// Decodes the LZMA2 data at the start of <paramref name="input"/> (up to and including its end marker) into
        /// <paramref name="output"/>; returns the input bytes consumed and sets <paramref name="written"/>.
        /// </summary>
        public int Decode(ReadOnlySpan<byte> input, Span<byte> output, long dictionarySize, out int written)
        {
            fixed (byte* inBase = input)
            fixed (byte* outBase = output)
            fixed (ushort* probs = _probabilities)
            {
                int inPos = 0;
                int outPos = 0;
                int dictStart = 0;
                bool needDictionaryReset = true;
                bool needProperties = true;
                int lc = 0, lp = 0, pb = 0;
                var state = default(CoderState);
                while (true)
                {
                    if (inPos >= input.Length)
                    {
                        throw XzFormat.Corrupt("the LZMA2 data ends without its end marker");
                    }

                    int control = inBase[inPos++];
                    if (control == 0)
                    {
                        written = outPos;
                        return inPos;
                    }

                    if (control >= 0xE0 || control == 1)
                    {
                        needProperties = true;
                        needDictionaryReset = false;
                        dictStart = outPos;
                    }
                    else if (needDictionaryReset)
                    {
                        throw XzFormat.Corrupt("the first LZMA2 chunk does not reset the dictionary");
                    }

                    if (control < 0x80)
                    {
                        if (control > 2)
                        {
                            throw XzFormat.Corrupt($"the LZMA2 control byte 0x{control:X2} is invalid");
                        }

                        if (inPos + 2 > input.Length)
                        {
                            throw XzFormat.Corrupt("an LZMA2 chunk header is truncated");
                        }

                        int size = ((inBase[inPos] << 8) | inBase[inPos + 1]) + 1;
                        inPos += 2;
                        if (size > input.Length - inPos)
                        {
                            throw XzFormat.Corrupt("an uncompressed LZMA2 chunk is truncated");
                        }

                        if (size > output.Length - outPos)
                        {
                            throw XzFormat.Corrupt("the data is larger than the block's room");
                        }

                        Buffer.MemoryCopy(inBase + inPos, outBase + outPos, size, size);
                        inPos += size;
                        outPos += size;
                        continue;
                    }

                    if (inPos + 4 > input.Length)
                    {
                        throw XzFormat.Corrupt("an LZMA2 chunk header is truncated");
                    }

                    int unpacked = ((control & 0x1F) << 16) + (inBase[inPos] << 8) + inBase[inPos + 1] + 1;
                    int packed = (inBase[inPos + 2] << 8) + inBase[inPos + 3] + 1;
                    inPos += 4;
                    if (control >= 0xC0)
                    {
                        if (inPos >= input.Length)
                        {
                            throw XzFormat.Corrupt("an LZMA2 chunk header is truncated");
                        }

                        int properties = inBase[inPos++];
                        if (properties >= 9 * 5 * 5)
                        {
                            throw XzFormat.Corrupt($"the LZMA properties byte {properties} is invalid");
                        }

                        lc = properties % 9;
                        lp = (properties / 9) % 5;
                        pb = properties / 45;
                        if (lc + lp > 4)
                        {
                            throw XzFormat.Corrupt("LZMA2 allows lc + lp of at most 4");
                        }

                        needProperties = false;
                        state.Reset(probs, LzmaModel.ProbabilityCount(lc + lp));
                    }
                    else if (needProperties)
                    {
                        throw XzFormat.Corrupt("an LZMA2 chunk lacks the properties it needs");
                    }
                    else if (control >= 0xA0)
                    {
                        state.Reset(probs, LzmaModel.ProbabilityCount(lc + lp));
                    }

                    if (packed > input.Length - inPos)
                    {
                        throw XzFormat.Corrupt("a compressed LZMA2 chunk is truncated");
                    }

                    if (unpacked > output.Length - outPos)
                    {
                        throw XzFormat.Corrupt("the data is larger than the block's room");
                    }

                    DecodeChunk(ref state, probs, inBase + inPos, packed, outBase, outPos, outPos + unpacked, dictStart, dictionarySize, lc, lp, pb);
                    inPos += packed;
                    outPos += unpacked;
                }
            }
        }

        private struct CoderState
        {
            public int State;
            public uint Rep0;
            public uint Rep1;
            public uint Rep2;
            public uint Rep3;

            public void Reset(ushort* probs, int count)
            {
                for (int i = 0; i < count; i++)
                {
                    probs[i] = LzmaModel.ProbabilityInit;
                }

                State = 0;
                Rep0 = Rep1 = Rep2 = Rep3 = 0;
            }
        }

        private struct RangeDecoder
        {
            public uint Range;
            public uint Code;
            public byte* Next;
            public byte* End;

            public RangeDecoder(byte* input, int length)
            {
                if (length < 5 || input[0] != 0)
                {
                    throw XzFormat.Corrupt("an LZMA2 chunk's range coder does not start correctly");
                }

                Code = ((uint)input[1] << 24) | ((uint)input[2] << 16) | ((uint)input[3] << 8) | input[4];
                Range = uint.MaxValue;
                Next = input + 5;
                End = input + length;
            }

            public void Normalize()
            {
                if (Range < LzmaModel.TopValue)
                {
                    if (Next >= End)
                    {
                        throw XzFormat.Corrupt("an LZMA2 chunk's compressed data ends early");
                    }

                    Range <<= 8;
                    Code = (Code << 8) | *Next++;
                }
            }

            public int Bit(ushort* probability)
            {
                Normalize();
                uint p = *probability;
                uint bound = (Range >> LzmaModel.ProbabilityBits) * p;
                if (Code < bound)
                {
                    Range = bound;
                    *probability = (ushort)(p + ((LzmaModel.ProbabilityOne - p) >> LzmaModel.MoveBits));
                    return 0;
                }

                Range -= bound;
                Code -= bound;
                *probability = (ushort)(p - (p >> LzmaModel.MoveBits));
                return 1;
            }

            public uint Tree(ushort* probs, int bits)
            {
                uint m = 1;
                for (int i = 0; i < bits; i++)
                {
                    m = (m << 1) | (uint)Bit(probs + m);
                }

                return m - (1u << bits);
            }

            public uint ReverseTree(ushort* probs, int bits)
            {
                uint m = 1;
                uint symbol = 0;
                for (int i = 0; i < bits; i++)
                {
                    uint bit = (uint)Bit(probs + m);
                    m = (m << 1) | bit;
                    symbol |= bit << i;
                }

                return symbol;
            }

            public uint Direct(int bits)
            {
                uint result = 0;
                for (int i = 0; i < bits; i++)
                {
                    Normalize();
                    Range >>= 1;
                    uint bit = Code >= Range ? 1u : 0u;
                    Code -= Range & (0u - bit);
                    result = (result << 1) | bit;
                }

                return result;
            }
        }

        private static uint DecodeLength(ref RangeDecoder rc, ushort* coder, int posState)
        {
            if (rc.Bit(coder + LzmaModel.LenChoice) == 0)
            {
                return rc.Tree(coder + LzmaModel.LenLow + (posState << 3), 3);
            }

            if (rc.Bit(coder + LzmaModel.LenChoice2) == 0)
            {
                return LzmaModel.LenLowSymbols + rc.Tree(coder + LzmaModel.LenMid + (posState << 3), 3);
            }

            return LzmaModel.LenLowSymbols + LzmaModel.LenMidSymbols + rc.Tree(coder + LzmaModel.LenHigh, 8);
        }

        private static void DecodeChunk(ref CoderState s, ushort* probs, byte* input, int packed, byte* output, int pos, int end, int dictStart, long dictionarySize, int lc, int lp, int pb)
        {
            var rc = new RangeDecoder(input, packed);
            int pbMask = (1 << pb) - 1;
            int lpMask = (1 << lp) - 1;
            int state = s.State;
            uint rep0 = s.Rep0, rep1 = s.Rep1, rep2 = s.Rep2, rep3 = s.Rep3;
            while (pos < end)
            {
                int relative = pos - dictStart;
                int posState = relative & pbMask;
                if (rc.Bit(probs + LzmaModel.IsMatch + (state << 4) + posState) == 0)
                {
                    int previous = relative > 0 ? output[pos - 1] : 0;
                    ushort* lit = probs + LzmaModel.Literal + (0x300 * (((relative & lpMask) << lc) + (previous >> (8 - lc))));
                    uint symbol = 1;
                    if (state >= LzmaModel.LiteralStates)
                    {
                        uint matchByte = output[pos - rep0 - 1];
                        while (symbol < 0x100)
                        {
                            uint matchBit = (matchByte >> 7) & 1;
                            matchByte <<= 1;
                            uint bit = (uint)rc.Bit(lit + ((1 + matchBit) << 8) + symbol);
                            symbol = (symbol << 1) | bit;
                            if (bit != matchBit)
                            {
                                break;
                            }
                        }
                    }

                    while (symbol < 0x100)
                    {
                        symbol = (symbol << 1) | (uint)rc.Bit(lit + symbol);
                    }

                    output[pos++] = (byte)symbol;
                    state = LzmaModel.StateAfterLiteral(state);
                    continue;
                }

                uint length;
                if (rc.Bit(probs + LzmaModel.IsRep + state) != 0)
                {
                    if (relative == 0)
                    {
                        throw XzFormat.Corrupt("a repeated match comes before any data");
                    }

                    if (rc.Bit(probs + LzmaModel.IsRepG0 + state) == 0)
                    {
                        if (rc.Bit(probs + LzmaModel.IsRep0Long + (state << 4) + posState) == 0)
                        {
                            state = LzmaModel.StateAfterShortRep(state);
                            output[pos] = output[pos - rep0 - 1];
                            pos++;
                            continue;
                        }
                    }
                    else
                    {
                        uint distance;
                        if (rc.Bit(probs + LzmaModel.IsRepG1 + state) == 0)
                        {
                            distance = rep1;
                        }
                        else
                        {
                            if (rc.Bit(probs + LzmaModel.IsRepG2 + state) == 0)
                            {
                                distance = rep2;
                            }
                            else
                            {
                                distance = rep3;
                                rep3 = rep2;
                            }

                            rep2 = rep1;
                        }

                        rep1 = rep0;
                        rep0 = distance;
                    }

                    length = DecodeLength(ref rc, probs + LzmaModel.RepLen, posState);
                    state = LzmaModel.StateAfterRep(state);
                }
                else
                {
                    rep3 = rep2;
                    rep2 = rep1;
                    rep1 = rep0;
                    length = DecodeLength(ref rc, probs + LzmaModel.MatchLen, posState);
                    state = LzmaModel.StateAfterMatch(state);
                    int lenState = length < LzmaModel.LenStates ? (int)length : LzmaModel.LenStates - 1;
                    uint slot = rc.Tree(probs + LzmaModel.PosSlot + (lenState << 6), 6);
                    if (slot < 4)
                    {
                        rep0 = slot;
                    }
                    else
                    {
                        int directBits = (int)(slot >> 1) - 1;
                        uint distance = (2 | (slot & 1)) << directBits;
                        if (slot < LzmaModel.EndPosModelIndex)
                        {
                            distance += rc.ReverseTree(probs + LzmaModel.SpecPos + distance - slot - 1, directBits);
                        }
                        else
                        {
                            distance += rc.Direct(directBits - LzmaModel.AlignBits) << LzmaModel.AlignBits;
                            distance += rc.ReverseTree(probs + LzmaModel.Align, LzmaModel.AlignBits);
                            if (distance == uint.MaxValue)
                            {
                                throw XzFormat.Corrupt("an LZMA end marker, which LZMA2 does not allow");
                            }
                        }

                        rep0 = distance;
                    }
                }

                length += LzmaModel.MatchMinLength;
                if (rep0 >= (uint)relative || rep0 >= dictionarySize)
                {
                    throw XzFormat.Corrupt("a match reaches back beyond the dictionary");
                }

                if (length > (uint)(end - pos))
                {
                    throw XzFormat.Corrupt("a match runs past the end of its LZMA2 chunk");
                }

                byte* from = output + pos - rep0 - 1;
                byte* to = output + pos;
                for (uint i = 0; i < length; i++)
                {
                    to[i] = from[i];
                }

                pos += (int)length;
            }

            rc.Normalize();
            if (rc.Code != 0 || rc.Next != rc.End)
            {
                throw XzFormat.Corrupt("an LZMA2 chunk's compressed size does not match its data");
            }

            s.State = state;
            s.Rep0 = rep0;
            s.Rep1 = rep1;
            s.Rep2 = rep2;
            s.Rep3 = rep3;
        }
    }
}
