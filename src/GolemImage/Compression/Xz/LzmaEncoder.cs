using System;
using System.Runtime.CompilerServices;

namespace GolemImage.Compression.Xz
{
    /// <summary>
    /// Encodes one block as LZMA2 (lc=3, lp=0, pb=2, the block itself as the dictionary). The fast level parses
    /// greedily (see <see cref="ParseFast"/>); the others with a
    /// price-based shortest path over a window of up to 4096 positions ahead: at each position it relaxes a
    /// literal, a short rep, every rep length, every match length the binary-tree finder reports (each at its
    /// nearest distance), and the two-symbol-ahead sequences "literal + rep0" and "match or rep + literal + rep0",
    /// each priced from the live probabilities (length, slot and align price tables refreshed as the model moves).
    /// A sequence as long as the nice length is taken at once. Chunks end before 64 KiB of compressed output;
    /// a chunk that does not shrink is stored instead, and the next compressed chunk resets the coder state.
    /// An instance keeps all work memory between blocks and must be used by one thread at a time.
    /// </summary>
    internal sealed unsafe class LzmaEncoder
    {
        public const int Lc = 3;
        public const int Lp = 0;
        public const int Pb = 2;
        public const byte PropertiesByte = ((Pb * 5) + Lp) * 9 + Lc;

        private const int PosStates = 1 << Pb;
        private const int PosStateMask = PosStates - 1;
        private const int LenSymbols = LzmaModel.MatchMaxLength - LzmaModel.MatchMinLength + 1;
        private const int ChunkCompressedMax = 1 << 16;
        private const int ChunkUncompressedMax = 1 << 21;
        private const int SymbolMargin = 64;
        private const int Opts = 1 << 12;
        private const int DistSlots = 64;

        private readonly ushort[] _probabilities = new ushort[LzmaModel.ProbabilityCount(Lc + Lp)];
        private readonly int[] _reps = new int[4];
        private int _state;

        private readonly byte[] _chunk = new byte[ChunkCompressedMax + (4 * SymbolMargin)];
        private ulong _low;
        private uint _range;
        private byte _cache;
        private long _cacheSize;
        private int _chunkPosition;

        private readonly LzmaMatchFinder _finder;
        private readonly int _niceLength;
        private readonly bool _fastParse;
        private readonly int[] _pairs = new int[2 * (LzmaModel.MatchMaxLength + 2)];
        private readonly int[] _cachedPairs = new int[2 * (LzmaModel.MatchMaxLength + 2)];
        private int _cachedCount;
        private int _cachedPosition = -1;

        private readonly uint[] _matchLenPrices = new uint[PosStates * LenSymbols];
        private readonly uint[] _repLenPrices = new uint[PosStates * LenSymbols];
        private readonly uint[] _slotPrices = new uint[LzmaModel.LenStates * DistSlots];
        private readonly uint[] _distPrices = new uint[LzmaModel.LenStates * LzmaModel.FullDistances];
        private readonly uint[] _alignPrices = new uint[LzmaModel.AlignSize];
        private int _matchesSincePrices;
        private int _alignsSincePrices;
        private int _lengthsSincePrices;

        private readonly Node[] _nodes = new Node[Opts + 2];
        private readonly int[] _decisionLengths = new int[3 * Opts];
        private readonly int[] _decisionDistances = new int[3 * Opts];
        private int _decisionCount;
        private int _decisionIndex;

        private byte* _data;
        private int _length;

        // The price tables, pinned for the duration of Encode (no bounds checks in the parser's inner loops).
        private uint* _bitPrices;
        private uint* _matchLenPrice;
        private uint* _repLenPrice;
        private uint* _slotPrice;
        private uint* _distPrice;
        private uint* _alignPrice;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private uint Price0(uint probability) => _bitPrices[probability >> LzmaPrices.Shift];

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private uint Price1(uint probability) => _bitPrices[(LzmaModel.ProbabilityOne - probability) >> LzmaPrices.Shift];

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private uint PriceBit(uint probability, int bit) => _bitPrices[(bit == 0 ? probability : LzmaModel.ProbabilityOne - probability) >> LzmaPrices.Shift];

        private static readonly byte[] SlotTable = BuildSlotTable();

        /// <param name="niceLength">A match this long is taken at once.</param>
        /// <param name="depth">How many candidates the finder examines per position.</param>
        /// <param name="hashChain">Hash chains instead of binary trees.</param>
        /// <param name="fastParse">A greedy parse with one position of lazy look-ahead and no prices, instead of the optimal parse.</param>
        public LzmaEncoder(int niceLength, int depth, bool hashChain, bool fastParse)
        {
            _niceLength = niceLength;
            _fastParse = fastParse;
            _finder = new LzmaMatchFinder(niceLength, depth, hashChain);
        }

        /// <summary>The most bytes <see cref="Encode"/> writes for <paramref name="length"/> input bytes (all stored chunks).</summary>
        public static int MaxEncodedLength(int length) => length + (9 * ((length / (ChunkCompressedMax / 2)) + 2)) + 1;

        /// <summary>Encodes <paramref name="length"/> bytes as LZMA2 chunks plus the end marker; returns the bytes written.</summary>
        public int Encode(byte* data, int length, byte* output)
        {
            _data = data;
            _length = length;
            ResetState();
            _finder.Reset(length);
            _cachedPosition = -1;
            _decisionCount = 0;
            _decisionIndex = 0;
            int outPosition = 0;
            bool needDictionaryReset = true;
            bool needProperties = true;
            bool needStateReset = false;
            int position = 0;
            fixed (byte* chunk = _chunk)
            fixed (ushort* probs = _probabilities)
            fixed (uint* bitPrices = LzmaPrices.Table)
            fixed (uint* matchLenPrice = _matchLenPrices)
            fixed (uint* repLenPrice = _repLenPrices)
            fixed (uint* slotPrice = _slotPrices)
            fixed (uint* distPrice = _distPrices)
            fixed (uint* alignPrice = _alignPrices)
            {
                _bitPrices = bitPrices;
                _matchLenPrice = matchLenPrice;
                _repLenPrice = repLenPrice;
                _slotPrice = slotPrice;
                _distPrice = distPrice;
                _alignPrice = alignPrice;
                while (position < length)
                {
                    int chunkStart = position;
                    StartRangeCoder();
                    if (!_fastParse)
                    {
                        // The fast parse prices nothing: the tables would be work for nobody (5 % of Fastest's CPU).
                        FillLengthPrices(probs);
                        FillDistancePrices(probs);
                        FillAlignPrices(probs);
                    }
                    while (position < length)
                    {
                        if (position > chunkStart && (_chunkPosition + _cacheSize + 5 + SymbolMargin > ChunkCompressedMax || position - chunkStart + LzmaModel.MatchMaxLength > ChunkUncompressedMax))
                        {
                            break;
                        }

                        if (_decisionIndex == _decisionCount)
                        {
                            if (_fastParse)
                            {
                                ParseFast(position);
                            }
                            else
                            {
                                RefreshPrices(probs);
                                Optimize(probs, position);
                            }
                        }

                        int len = _decisionLengths[_decisionIndex];
                        int distance = _decisionDistances[_decisionIndex];
                        _decisionIndex++;
                        EncodeSymbol(probs, chunk, position, len, distance);
                        position += len;
                    }

                    FlushRangeCoder(chunk);
                    int unpacked = position - chunkStart;
                    int packed = _chunkPosition;
                    if (packed >= unpacked)
                    {
                        for (int start = chunkStart; start < position; start += ChunkCompressedMax)
                        {
                            int size = Math.Min(ChunkCompressedMax, position - start);
                            output[outPosition++] = (byte)(needDictionaryReset ? 1 : 2);
                            output[outPosition++] = (byte)((size - 1) >> 8);
                            output[outPosition++] = (byte)(size - 1);
                            Buffer.MemoryCopy(data + start, output + outPosition, size, size);
                            outPosition += size;
                            needDictionaryReset = false;
                        }

                        ResetState();
                        needStateReset = true;
                        continue;
                    }

                    int control = needDictionaryReset ? 0xE0 : needProperties ? 0xC0 : needStateReset ? 0xA0 : 0x80;
                    output[outPosition++] = (byte)(control | ((unpacked - 1) >> 16));
                    output[outPosition++] = (byte)((unpacked - 1) >> 8);
                    output[outPosition++] = (byte)(unpacked - 1);
                    output[outPosition++] = (byte)((packed - 1) >> 8);
                    output[outPosition++] = (byte)(packed - 1);
                    if (control >= 0xC0)
                    {
                        output[outPosition++] = PropertiesByte;
                    }

                    Buffer.MemoryCopy(chunk, output + outPosition, packed, packed);
                    outPosition += packed;
                    needDictionaryReset = false;
                    needProperties = false;
                    needStateReset = false;
                }
            }

            output[outPosition++] = 0;
            _data = null;
            _bitPrices = _matchLenPrice = _repLenPrice = _slotPrice = _distPrice = _alignPrice = null;
            return outPosition;
        }

        private void ResetState()
        {
            for (int i = 0; i < _probabilities.Length; i++)
            {
                _probabilities[i] = LzmaModel.ProbabilityInit;
            }

            _state = 0;
            _reps[0] = _reps[1] = _reps[2] = _reps[3] = 0;
        }

        // ---------------------------------------------------------------- range coder

        private void StartRangeCoder()
        {
            _low = 0;
            _range = uint.MaxValue;
            _cache = 0;
            _cacheSize = 1;
            _chunkPosition = 0;
        }

        private void FlushRangeCoder(byte* chunk)
        {
            for (int i = 0; i < 5; i++)
            {
                ShiftLow(chunk);
            }
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private void ShiftLow(byte* chunk)
        {
            if ((uint)_low < 0xFF000000u || (_low >> 32) != 0)
            {
                byte carry = (byte)(_low >> 32);
                byte value = _cache;
                do
                {
                    chunk[_chunkPosition++] = (byte)(value + carry);
                    value = 0xFF;
                }
                while (--_cacheSize != 0);

                _cache = (byte)(_low >> 24);
            }

            _cacheSize++;
            _low = (_low & 0x00FFFFFF) << 8;
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private void EncodeBit(byte* chunk, ushort* probability, int bit)
        {
            uint p = *probability;
            uint bound = (_range >> LzmaModel.ProbabilityBits) * p;
            if (bit == 0)
            {
                _range = bound;
                *probability = (ushort)(p + ((LzmaModel.ProbabilityOne - p) >> LzmaModel.MoveBits));
            }
            else
            {
                _low += bound;
                _range -= bound;
                *probability = (ushort)(p - (p >> LzmaModel.MoveBits));
            }

            while (_range < LzmaModel.TopValue)
            {
                _range <<= 8;
                ShiftLow(chunk);
            }
        }

        private void EncodeTree(byte* chunk, ushort* probs, int bits, int symbol)
        {
            int m = 1;
            for (int i = bits - 1; i >= 0; i--)
            {
                int bit = (symbol >> i) & 1;
                EncodeBit(chunk, probs + m, bit);
                m = (m << 1) | bit;
            }
        }

        private void EncodeReverseTree(byte* chunk, ushort* probs, int bits, int symbol)
        {
            int m = 1;
            for (int i = 0; i < bits; i++)
            {
                int bit = symbol & 1;
                symbol >>= 1;
                EncodeBit(chunk, probs + m, bit);
                m = (m << 1) | bit;
            }
        }

        private void EncodeDirect(byte* chunk, int value, int bits)
        {
            for (int i = bits - 1; i >= 0; i--)
            {
                _range >>= 1;
                if (((value >> i) & 1) != 0)
                {
                    _low += _range;
                }

                while (_range < LzmaModel.TopValue)
                {
                    _range <<= 8;
                    ShiftLow(chunk);
                }
            }
        }

        // ---------------------------------------------------------------- symbols

        private void EncodeSymbol(ushort* probs, byte* chunk, int position, int len, int distance)
        {
            int posState = position & PosStateMask;
            int state = _state;
            ushort* isMatch = probs + LzmaModel.IsMatch + (state << 4) + posState;
            if (distance < 0 || (len == 1 && distance != _reps[0]))
            {
                EncodeBit(chunk, isMatch, 0);
                EncodeLiteral(probs, chunk, position);
                _state = LzmaModel.StateAfterLiteral(state);
                return;
            }

            EncodeBit(chunk, isMatch, 1);
            if (len == 1)
            {
                EncodeBit(chunk, probs + LzmaModel.IsRep + state, 1);
                EncodeBit(chunk, probs + LzmaModel.IsRepG0 + state, 0);
                EncodeBit(chunk, probs + LzmaModel.IsRep0Long + (state << 4) + posState, 0);
                _state = LzmaModel.StateAfterShortRep(state);
                return;
            }

            int rep = distance == _reps[0] ? 0 : distance == _reps[1] ? 1 : distance == _reps[2] ? 2 : distance == _reps[3] ? 3 : -1;
            if (rep >= 0)
            {
                EncodeBit(chunk, probs + LzmaModel.IsRep + state, 1);
                if (rep == 0)
                {
                    EncodeBit(chunk, probs + LzmaModel.IsRepG0 + state, 0);
                    EncodeBit(chunk, probs + LzmaModel.IsRep0Long + (state << 4) + posState, 1);
                }
                else
                {
                    EncodeBit(chunk, probs + LzmaModel.IsRepG0 + state, 1);
                    if (rep == 1)
                    {
                        EncodeBit(chunk, probs + LzmaModel.IsRepG1 + state, 0);
                    }
                    else
                    {
                        EncodeBit(chunk, probs + LzmaModel.IsRepG1 + state, 1);
                        EncodeBit(chunk, probs + LzmaModel.IsRepG2 + state, rep - 2);
                        if (rep == 3)
                        {
                            _reps[3] = _reps[2];
                        }

                        _reps[2] = _reps[1];
                    }

                    _reps[1] = _reps[0];
                    _reps[0] = distance;
                }

                EncodeLength(probs + LzmaModel.RepLen, chunk, len - LzmaModel.MatchMinLength, posState);
                _state = LzmaModel.StateAfterRep(state);
                _lengthsSincePrices++;
                return;
            }

            EncodeBit(chunk, probs + LzmaModel.IsRep + state, 0);
            EncodeLength(probs + LzmaModel.MatchLen, chunk, len - LzmaModel.MatchMinLength, posState);
            int slot = Slot(distance);
            EncodeTree(chunk, probs + LzmaModel.PosSlot + (LzmaModel.LenState(len) << 6), 6, slot);
            if (slot >= 4)
            {
                int footerBits = (slot >> 1) - 1;
                int baseDistance = (2 | (slot & 1)) << footerBits;
                int reduced = distance - baseDistance;
                if (slot < LzmaModel.EndPosModelIndex)
                {
                    EncodeReverseTree(chunk, probs + LzmaModel.SpecPos + baseDistance - slot - 1, footerBits, reduced);
                }
                else
                {
                    EncodeDirect(chunk, reduced >> LzmaModel.AlignBits, footerBits - LzmaModel.AlignBits);
                    EncodeReverseTree(chunk, probs + LzmaModel.Align, LzmaModel.AlignBits, reduced & (LzmaModel.AlignSize - 1));
                    _alignsSincePrices++;
                }
            }

            _reps[3] = _reps[2];
            _reps[2] = _reps[1];
            _reps[1] = _reps[0];
            _reps[0] = distance;
            _state = LzmaModel.StateAfterMatch(state);
            _matchesSincePrices++;
            _lengthsSincePrices++;
        }

        private void EncodeLiteral(ushort* probs, byte* chunk, int position)
        {
            int previous = position > 0 ? _data[position - 1] : 0;
            ushort* lit = probs + LzmaModel.Literal + (0x300 * (previous >> (8 - Lc)));
            int symbol = _data[position] | 0x100;
            if (_state >= LzmaModel.LiteralStates)
            {
                int matchByte = _data[position - _reps[0] - 1];
                int m = 1;
                for (int i = 7; i >= 0; i--)
                {
                    int bit = (symbol >> i) & 1;
                    int matchBit = (matchByte >> i) & 1;
                    EncodeBit(chunk, lit + ((1 + matchBit) << 8) + m, bit);
                    m = (m << 1) | bit;
                    if (bit != matchBit)
                    {
                        for (i--; i >= 0; i--)
                        {
                            bit = (symbol >> i) & 1;
                            EncodeBit(chunk, lit + m, bit);
                            m = (m << 1) | bit;
                        }

                        break;
                    }
                }

                return;
            }

            EncodeTree(chunk, lit, 8, symbol & 0xFF);
        }

        private void EncodeLength(ushort* coder, byte* chunk, int symbol, int posState)
        {
            if (symbol < LzmaModel.LenLowSymbols)
            {
                EncodeBit(chunk, coder + LzmaModel.LenChoice, 0);
                EncodeTree(chunk, coder + LzmaModel.LenLow + (posState << 3), 3, symbol);
            }
            else if (symbol < LzmaModel.LenLowSymbols + LzmaModel.LenMidSymbols)
            {
                EncodeBit(chunk, coder + LzmaModel.LenChoice, 1);
                EncodeBit(chunk, coder + LzmaModel.LenChoice2, 0);
                EncodeTree(chunk, coder + LzmaModel.LenMid + (posState << 3), 3, symbol - LzmaModel.LenLowSymbols);
            }
            else
            {
                EncodeBit(chunk, coder + LzmaModel.LenChoice, 1);
                EncodeBit(chunk, coder + LzmaModel.LenChoice2, 1);
                EncodeTree(chunk, coder + LzmaModel.LenHigh, 8, symbol - LzmaModel.LenLowSymbols - LzmaModel.LenMidSymbols);
            }
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static int Slot(int distance)
        {
            if (distance < (1 << 14))
            {
                return SlotTable[distance];
            }

            return distance < (1 << 27) ? SlotTable[distance >> 13] + 26 : SlotTable[distance >> 26] + 52;
        }

        private static byte[] BuildSlotTable()
        {
            var table = new byte[1 << 14];
            for (int d = 0; d < table.Length; d++)
            {
                if (d < 4)
                {
                    table[d] = (byte)d;
                    continue;
                }

                int n = 31;
                while ((d >> n) == 0)
                {
                    n--;
                }

                table[d] = (byte)((2 * n) + ((d >> (n - 1)) & 1));
            }

            return table;
        }

        // ---------------------------------------------------------------- prices

        private void RefreshPrices(ushort* probs)
        {
            if (_matchesSincePrices >= 64)
            {
                FillDistancePrices(probs);
            }

            if (_alignsSincePrices >= 16)
            {
                FillAlignPrices(probs);
            }

            if (_lengthsSincePrices >= 64)
            {
                FillLengthPrices(probs);
            }
        }

        private uint TreePrice(ushort* probs, int bits, int symbol)
        {
            uint price = 0;
            int m = 1;
            for (int i = bits - 1; i >= 0; i--)
            {
                int bit = (symbol >> i) & 1;
                price += PriceBit(probs[m], bit);
                m = (m << 1) | bit;
            }

            return price;
        }

        private uint ReverseTreePrice(ushort* probs, int bits, int symbol)
        {
            uint price = 0;
            int m = 1;
            for (int i = 0; i < bits; i++)
            {
                int bit = symbol & 1;
                symbol >>= 1;
                price += PriceBit(probs[m], bit);
                m = (m << 1) | bit;
            }

            return price;
        }

        private void FillLengthPrices(ushort* probs)
        {
            FillLengthPrices(probs + LzmaModel.MatchLen, _matchLenPrices);
            FillLengthPrices(probs + LzmaModel.RepLen, _repLenPrices);
            _lengthsSincePrices = 0;
        }

        private void FillLengthPrices(ushort* coder, uint[] prices)
        {
            uint choice0 = Price0(coder[LzmaModel.LenChoice]);
            uint choice1 = Price1(coder[LzmaModel.LenChoice]);
            uint mid = choice1 + Price0(coder[LzmaModel.LenChoice2]);
            uint high = choice1 + Price1(coder[LzmaModel.LenChoice2]);
            for (int posState = 0; posState < PosStates; posState++)
            {
                int row = posState * LenSymbols;
                for (int s = 0; s < LzmaModel.LenLowSymbols; s++)
                {
                    prices[row + s] = choice0 + TreePrice(coder + LzmaModel.LenLow + (posState << 3), 3, s);
                }

                for (int s = 0; s < LzmaModel.LenMidSymbols; s++)
                {
                    prices[row + LzmaModel.LenLowSymbols + s] = mid + TreePrice(coder + LzmaModel.LenMid + (posState << 3), 3, s);
                }

                if (posState == 0)
                {
                    for (int s = 0; s < LenSymbols - 16; s++)
                    {
                        prices[row + 16 + s] = high + TreePrice(coder + LzmaModel.LenHigh, 8, s);
                    }
                }
                else
                {
                    Array.Copy(prices, 16, prices, row + 16, LenSymbols - 16);
                }
            }
        }

        private void FillDistancePrices(ushort* probs)
        {
            int slots = Math.Min(DistSlots, Slot(Math.Max(1, _length - 1)) + 1);
            for (int lenState = 0; lenState < LzmaModel.LenStates; lenState++)
            {
                ushort* slotProbs = probs + LzmaModel.PosSlot + (lenState << 6);
                int row = lenState * DistSlots;
                for (int slot = 0; slot < slots; slot++)
                {
                    uint price = TreePrice(slotProbs, 6, slot);
                    if (slot >= LzmaModel.EndPosModelIndex)
                    {
                        price += LzmaPrices.Direct((slot >> 1) - 1 - LzmaModel.AlignBits);
                    }

                    _slotPrices[row + slot] = price;
                }

                int distRow = lenState * LzmaModel.FullDistances;
                for (int d = 0; d < LzmaModel.FullDistances; d++)
                {
                    int slot = Slot(d);
                    uint price = _slotPrices[row + slot];
                    if (slot >= 4)
                    {
                        int footerBits = (slot >> 1) - 1;
                        int baseDistance = (2 | (slot & 1)) << footerBits;
                        price += ReverseTreePrice(probs + LzmaModel.SpecPos + baseDistance - slot - 1, footerBits, d - baseDistance);
                    }

                    _distPrices[distRow + d] = price;
                }
            }

            _matchesSincePrices = 0;
        }

        private void FillAlignPrices(ushort* probs)
        {
            for (int i = 0; i < LzmaModel.AlignSize; i++)
            {
                _alignPrices[i] = ReverseTreePrice(probs + LzmaModel.Align, LzmaModel.AlignBits, i);
            }

            _alignsSincePrices = 0;
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private uint DistancePrice(int distance, int len)
        {
            int lenState = LzmaModel.LenState(len);
            if (distance < LzmaModel.FullDistances)
            {
                return _distPrice[(lenState * LzmaModel.FullDistances) + distance];
            }

            return _slotPrice[(lenState * DistSlots) + Slot(distance)] + _alignPrice[distance & (LzmaModel.AlignSize - 1)];
        }

        private uint LiteralPrice(ushort* probs, int position, int state, int rep0)
        {
            int previous = position > 0 ? _data[position - 1] : 0;
            ushort* lit = probs + LzmaModel.Literal + (0x300 * (previous >> (8 - Lc)));
            int symbol = _data[position];
            uint price = 0;
            int m = 1;
            int i = 7;
            if (state >= LzmaModel.LiteralStates)
            {
                int matchByte = _data[position - rep0 - 1];
                for (; i >= 0; i--)
                {
                    int bit = (symbol >> i) & 1;
                    int matchBit = (matchByte >> i) & 1;
                    price += PriceBit(lit[((1 + matchBit) << 8) + m], bit);
                    m = (m << 1) | bit;
                    if (bit != matchBit)
                    {
                        i--;
                        break;
                    }
                }
            }

            for (; i >= 0; i--)
            {
                int bit = (symbol >> i) & 1;
                price += PriceBit(lit[m], bit);
                m = (m << 1) | bit;
            }

            return price;
        }

        /// <summary>The price of choosing rep <paramref name="index"/> (for a length of 2 or more) after isMatch and isRep.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private uint RepIndexPrice(ushort* probs, int index, int state, int posState)
        {
            if (index == 0)
            {
                return Price0(probs[LzmaModel.IsRepG0 + state]) + Price1(probs[LzmaModel.IsRep0Long + (state << 4) + posState]);
            }

            uint price = Price1(probs[LzmaModel.IsRepG0 + state]);
            if (index == 1)
            {
                return price + Price0(probs[LzmaModel.IsRepG1 + state]);
            }

            return price + Price1(probs[LzmaModel.IsRepG1 + state]) + PriceBit(probs[LzmaModel.IsRepG2 + state], index - 2);
        }

        private uint ShortRepPrice(ushort* probs, int state, int posState) =>
            Price0(probs[LzmaModel.IsRepG0 + state]) + Price0(probs[LzmaModel.IsRep0Long + (state << 4) + posState]);

        // ---------------------------------------------------------------- parser

        private struct Node
        {
            public uint Price;
            public int PosPrev;

            // 0: one symbol (Len1, Dist1; Dist1 = -1 for a literal); 1: literal, then rep0 (Len2, Dist2);
            // 2: (Len1, Dist1), literal, rep0 (Len2, Dist2).
            public int Kind;
            public int Len1;
            public int Dist1;
            public int Len2;
            public int Dist2;
            public int State;
            public int Rep0;
            public int Rep1;
            public int Rep2;
            public int Rep3;
        }

        /// <summary>What one symbol does to the coder state and the reps, exactly as <see cref="EncodeSymbol"/> codes it.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static void Apply(ref int state, ref int r0, ref int r1, ref int r2, ref int r3, int len, int distance)
        {
            if (distance < 0 || (len == 1 && distance != r0))
            {
                state = LzmaModel.StateAfterLiteral(state);
                return;
            }

            if (len == 1)
            {
                state = LzmaModel.StateAfterShortRep(state);
                return;
            }

            if (distance == r0)
            {
                state = LzmaModel.StateAfterRep(state);
                return;
            }

            if (distance == r1)
            {
                state = LzmaModel.StateAfterRep(state);
            }
            else if (distance == r2)
            {
                r2 = r1;
                state = LzmaModel.StateAfterRep(state);
            }
            else
            {
                state = distance == r3 ? LzmaModel.StateAfterRep(state) : LzmaModel.StateAfterMatch(state);
                r3 = r2;
                r2 = r1;
            }

            r1 = r0;
            r0 = distance;
        }

        private void AddDecision(int len, int distance)
        {
            _decisionLengths[_decisionCount] = len;
            _decisionDistances[_decisionCount] = distance;
            _decisionCount++;
        }

        private void SkipPositions(int from, int count)
        {
            for (int i = 0; i < count; i++)
            {
                _finder.Skip(_data, _length, from + i);
            }
        }

        /// <summary>How many bytes at <paramref name="position"/> repeat those <paramref name="distance"/> + 1 back (0 if fewer than 2).</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private int RepLength(int position, int distance, int limit)
        {
            if (distance >= position || limit < 2)
            {
                return 0;
            }

            byte* current = _data + position;
            byte* match = current - distance - 1;
            if (current[0] != match[0] || current[1] != match[1])
            {
                return 0;
            }

            return 2 + LzmaMatchFinder.CommonLength(current + 2, match + 2, limit - 2);
        }

        private int FindMatches(int position, int* pairs)
        {
            if (_cachedPosition == position)
            {
                _cachedPosition = -1;
                for (int i = 0; i < 2 * _cachedCount; i++)
                {
                    pairs[i] = _cachedPairs[i];
                }

                return _cachedCount;
            }

            return _finder.Find(_data, _length, position, pairs);
        }

        private void Optimize(ushort* probs, int p)
        {
            _decisionCount = 0;
            _decisionIndex = 0;
            int nice = _niceLength;
            byte* data = _data;
            fixed (int* pairs = _pairs)
            fixed (Node* nodes = _nodes)
            {
                int count = FindMatches(p, pairs);
                int available = Math.Min(_length - p, LzmaModel.MatchMaxLength);
                if (available < 2)
                {
                    AddDecision(1, -1);
                    return;
                }

                int mainLen = 0;
                int mainDist = 0;
                if (count > 0)
                {
                    mainLen = pairs[2 * (count - 1)];
                    mainDist = pairs[(2 * count) - 1];
                    if (mainLen == nice && mainLen < available)
                    {
                        mainLen += LzmaMatchFinder.CommonLength(data + p + mainLen, data + p + mainLen - mainDist - 1, available - mainLen);
                        pairs[2 * (count - 1)] = mainLen;
                    }
                }

                int* repLens = stackalloc int[4];
                int repMax = 0;
                for (int i = 0; i < 4; i++)
                {
                    repLens[i] = RepLength(p, _reps[i], available);
                    if (repLens[i] > repLens[repMax])
                    {
                        repMax = i;
                    }
                }

                if (repLens[repMax] >= nice)
                {
                    AddDecision(repLens[repMax], _reps[repMax]);
                    SkipPositions(p + 1, repLens[repMax] - 1);
                    return;
                }

                if (mainLen >= nice)
                {
                    AddDecision(mainLen, mainDist);
                    SkipPositions(p + 1, mainLen - 1);
                    return;
                }

                int state = _state;
                int rep0 = _reps[0];
                int curByte = data[p];
                int matchByte = rep0 < p ? data[p - rep0 - 1] : -1;
                if (mainLen < 2 && curByte != matchByte && repLens[repMax] < 2)
                {
                    AddDecision(1, -1);
                    return;
                }

                Node* start = nodes;
                start->State = state;
                start->Rep0 = _reps[0];
                start->Rep1 = _reps[1];
                start->Rep2 = _reps[2];
                start->Rep3 = _reps[3];
                start->Price = 0;
                int posState = p & PosStateMask;
                uint isMatchProbability = probs[LzmaModel.IsMatch + (state << 4) + posState];
                uint matchPrice = Price1(isMatchProbability);
                uint repMatchPrice = matchPrice + Price1(probs[LzmaModel.IsRep + state]);
                SetNode(nodes + 1, Price0(isMatchProbability) + LiteralPrice(probs, p, state, rep0), 0, 1, -1);
                if (matchByte == curByte)
                {
                    uint price = repMatchPrice + ShortRepPrice(probs, state, posState);
                    if (price < nodes[1].Price)
                    {
                        SetNode(nodes + 1, price, 0, 1, rep0);
                    }
                }

                int lenEnd = Math.Max(mainLen, repLens[repMax]);
                if (lenEnd < 2)
                {
                    AddDecision(1, nodes[1].Dist1);
                    return;
                }

                for (int l = 2; l <= lenEnd; l++)
                {
                    nodes[l].Price = LzmaPrices.Infinity;
                }

                for (int i = 0; i < 4; i++)
                {
                    int len = repLens[i];
                    if (len < 2)
                    {
                        continue;
                    }

                    uint basePrice = repMatchPrice + RepIndexPrice(probs, i, state, posState);
                    for (int l = len; l >= 2; l--)
                    {
                        uint price = basePrice + _repLenPrice[(posState * LenSymbols) + l - 2];
                        if (price < nodes[l].Price)
                        {
                            SetNode(nodes + l, price, 0, l, _reps[i]);
                        }
                    }
                }

                int startLen = repLens[0] >= 2 ? repLens[0] + 1 : 2;
                if (startLen <= mainLen)
                {
                    uint normalPrice = matchPrice + Price0(probs[LzmaModel.IsRep + state]);
                    int i = 0;
                    while (pairs[2 * i] < startLen)
                    {
                        i++;
                    }

                    for (int l = startLen; ; l++)
                    {
                        int distance = pairs[(2 * i) + 1];
                        uint price = normalPrice + _matchLenPrice[(posState * LenSymbols) + l - 2] + DistancePrice(distance, l);
                        if (price < nodes[l].Price)
                        {
                            SetNode(nodes + l, price, 0, l, distance);
                        }

                        if (l == pairs[2 * i] && ++i == count)
                        {
                            break;
                        }
                    }
                }

                int* reps = stackalloc int[4];
                int cur = 0;
                while (true)
                {
                    cur++;
                    if (cur == lenEnd)
                    {
                        break;
                    }

                    Node* node = nodes + cur;
                    ComputeNodeState(nodes, cur);
                    int q = p + cur;
                    count = _finder.Find(data, _length, q, pairs);
                    if (count > 0 && pairs[2 * (count - 1)] >= nice)
                    {
                        for (int i = 0; i < 2 * count; i++)
                        {
                            _cachedPairs[i] = pairs[i];
                        }

                        _cachedCount = count;
                        _cachedPosition = q;
                        lenEnd = cur;
                        break;
                    }

                    uint curPrice = node->Price;
                    state = node->State;
                    reps[0] = node->Rep0;
                    reps[1] = node->Rep1;
                    reps[2] = node->Rep2;
                    reps[3] = node->Rep3;
                    posState = q & PosStateMask;
                    curByte = data[q];
                    matchByte = reps[0] < q ? data[q - reps[0] - 1] : -1;
                    isMatchProbability = probs[LzmaModel.IsMatch + (state << 4) + posState];
                    uint literalPrice = curPrice + Price0(isMatchProbability) + LiteralPrice(probs, q, state, reps[0]);
                    bool nextIsLiteral = false;
                    if (literalPrice < nodes[cur + 1].Price)
                    {
                        SetNode(nodes + cur + 1, literalPrice, cur, 1, -1);
                        nextIsLiteral = true;
                    }

                    matchPrice = curPrice + Price1(isMatchProbability);
                    repMatchPrice = matchPrice + Price1(probs[LzmaModel.IsRep + state]);
                    if (matchByte == curByte)
                    {
                        uint price = repMatchPrice + ShortRepPrice(probs, state, posState);
                        if (price <= nodes[cur + 1].Price)
                        {
                            SetNode(nodes + cur + 1, price, cur, 1, reps[0]);
                            nextIsLiteral = false;
                        }
                    }

                    int availableFull = Math.Min(_length - q, Opts - 1 - cur);
                    if (availableFull < 2)
                    {
                        continue;
                    }

                    available = Math.Min(availableFull, nice);

                    // A literal, then rep0 (the literal broke a repeat that goes on after it).
                    if (!nextIsLiteral && matchByte != curByte && matchByte >= 0)
                    {
                        int len2 = RepLength(q + 1, reps[0], Math.Min(availableFull - 1, nice));
                        if (len2 >= 2)
                        {
                            int state2 = LzmaModel.StateAfterLiteral(state);
                            int posState2 = (q + 1) & PosStateMask;
                            uint price = literalPrice
                                + Price1(probs[LzmaModel.IsMatch + (state2 << 4) + posState2])
                                + Price1(probs[LzmaModel.IsRep + state2])
                                + RepIndexPrice(probs, 0, state2, posState2)
                                + _repLenPrice[(posState2 * LenSymbols) + len2 - 2];
                            int offset = cur + 1 + len2;
                            while (lenEnd < offset)
                            {
                                nodes[++lenEnd].Price = LzmaPrices.Infinity;
                            }

                            if (price < nodes[offset].Price)
                            {
                                SetNode(nodes + offset, price, cur, 1, -1);
                                nodes[offset].Kind = 1;
                                nodes[offset].Len2 = len2;
                                nodes[offset].Dist2 = reps[0];
                            }
                        }
                    }

                    startLen = 2;
                    for (int i = 0; i < 4; i++)
                    {
                        int distance = reps[i];
                        int len = RepLength(q, distance, available);
                        if (len < 2)
                        {
                            continue;
                        }

                        while (lenEnd < cur + len)
                        {
                            nodes[++lenEnd].Price = LzmaPrices.Infinity;
                        }

                        uint basePrice = repMatchPrice + RepIndexPrice(probs, i, state, posState);
                        for (int l = len; l >= 2; l--)
                        {
                            uint price = basePrice + _repLenPrice[(posState * LenSymbols) + l - 2];
                            if (price < nodes[cur + l].Price)
                            {
                                SetNode(nodes + cur + l, price, cur, l, distance);
                            }
                        }

                        if (i == 0)
                        {
                            startLen = len + 1;
                        }

                        TryMatchLiteralRep0(probs, nodes, ref lenEnd, cur, q, len, distance, availableFull,
                            basePrice + _repLenPrice[(posState * LenSymbols) + len - 2], LzmaModel.StateAfterRep(state));
                    }

                    if (count > 0)
                    {
                        // The finder reports lengths up to the nice length or the block's end; the window may be shorter.
                        while (count > 0 && pairs[2 * (count - 1)] > available)
                        {
                            if (count > 1 && pairs[2 * (count - 2)] >= available)
                            {
                                count--;
                            }
                            else
                            {
                                pairs[2 * (count - 1)] = available;
                                break;
                            }
                        }

                        int newLen = pairs[2 * (count - 1)];
                        if (newLen >= startLen)
                        {
                            uint normalPrice = matchPrice + Price0(probs[LzmaModel.IsRep + state]);
                            while (lenEnd < cur + newLen)
                            {
                                nodes[++lenEnd].Price = LzmaPrices.Infinity;
                            }

                            int i = 0;
                            while (pairs[2 * i] < startLen)
                            {
                                i++;
                            }

                            for (int l = startLen; ; l++)
                            {
                                int distance = pairs[(2 * i) + 1];
                                uint price = normalPrice + _matchLenPrice[(posState * LenSymbols) + l - 2] + DistancePrice(distance, l);
                                if (price < nodes[cur + l].Price)
                                {
                                    SetNode(nodes + cur + l, price, cur, l, distance);
                                }

                                if (l == pairs[2 * i])
                                {
                                    TryMatchLiteralRep0(probs, nodes, ref lenEnd, cur, q, l, distance, availableFull, price, LzmaModel.StateAfterMatch(state));
                                    if (++i == count)
                                    {
                                        break;
                                    }
                                }
                            }
                        }
                    }
                }

                Backtrack(nodes, lenEnd);
            }
        }

        /// <summary>
        /// The fast parse: the longest match or rep here, unless the next position starts a clearly better one
        /// (then a literal); a rep wins over a slightly longer match because it needs no distance. No prices.
        /// </summary>
        private void ParseFast(int p)
        {
            _decisionCount = 0;
            _decisionIndex = 0;
            int nice = _niceLength;
            byte* data = _data;
            fixed (int* pairs = _pairs)
            {
                int count = FindMatches(p, pairs);
                int available = Math.Min(_length - p, LzmaModel.MatchMaxLength);
                if (available < 2)
                {
                    AddDecision(1, -1);
                    return;
                }

                int mainLen = 0;
                int mainDist = 0;
                if (count > 0)
                {
                    mainLen = pairs[2 * (count - 1)];
                    mainDist = pairs[(2 * count) - 1];
                    if (mainLen == nice && mainLen < available)
                    {
                        mainLen += LzmaMatchFinder.CommonLength(data + p + mainLen, data + p + mainLen - mainDist - 1, available - mainLen);
                    }
                }

                int repLen = 0;
                int repIndex = 0;
                for (int i = 0; i < 4; i++)
                {
                    int len = RepLength(p, _reps[i], available);
                    if (len > repLen)
                    {
                        repLen = len;
                        repIndex = i;
                    }
                }

                if (repLen >= nice)
                {
                    AddDecision(repLen, _reps[repIndex]);
                    SkipPositions(p + 1, repLen - 1);
                    return;
                }

                if (mainLen >= nice)
                {
                    AddDecision(mainLen, mainDist);
                    SkipPositions(p + 1, mainLen - 1);
                    return;
                }

                if (repLen >= 2 && (repLen + 1 >= mainLen || (repLen + 2 >= mainLen && mainDist >= 512) || (repLen + 3 >= mainLen && mainDist >= 32768)))
                {
                    AddDecision(repLen, _reps[repIndex]);
                    SkipPositions(p + 1, repLen - 1);
                    return;
                }

                if (mainLen < 2 || (mainLen == 2 && mainDist >= 128))
                {
                    // A byte that repeats the one rep0 back is usually cheaper as a short rep.
                    int rep0 = _reps[0];
                    AddDecision(1, rep0 < p && data[p] == data[p - rep0 - 1] ? rep0 : -1);
                    return;
                }

                // One position of look-ahead; its matches are kept for the next call.
                if (available > 2)
                {
                    int nextCount = _finder.Find(data, _length, p + 1, pairs);
                    for (int i = 0; i < 2 * nextCount; i++)
                    {
                        _cachedPairs[i] = pairs[i];
                    }

                    _cachedCount = nextCount;
                    _cachedPosition = p + 1;
                    if (nextCount > 0)
                    {
                        int nextLen = pairs[2 * (nextCount - 1)];
                        int nextDist = pairs[(2 * nextCount) - 1];
                        if ((nextLen >= mainLen && nextDist < mainDist)
                            || (nextLen == mainLen + 1 && (nextDist >> 7) <= mainDist)
                            || nextLen > mainLen + 1
                            || (nextLen + 1 >= mainLen && mainLen >= 3 && (mainDist >> 7) > nextDist))
                        {
                            AddDecision(1, -1);
                            return;
                        }
                    }

                    int repLimit = Math.Max(mainLen - 1, 2);
                    for (int i = 0; i < 4; i++)
                    {
                        if (RepLength(p + 1, _reps[i], Math.Min(available - 1, repLimit)) >= repLimit)
                        {
                            AddDecision(1, -1);
                            return;
                        }
                    }

                    _cachedPosition = -1;
                    AddDecision(mainLen, mainDist);
                    SkipPositions(p + 2, mainLen - 2);
                    return;
                }

                AddDecision(mainLen, mainDist);
                SkipPositions(p + 1, mainLen - 1);
            }
        }

        /// <summary>After a match or rep of <paramref name="len"/> at <paramref name="distance"/>: a literal, then the same distance again.</summary>
        private void TryMatchLiteralRep0(ushort* probs, Node* nodes, ref int lenEnd, int cur, int q, int len, int distance, int availableFull, uint matchPrice, int stateAfter)
        {
            if (len + 3 > availableFull)
            {
                return;
            }

            int len2 = RepLength(q + len + 1, distance, Math.Min(availableFull - len - 1, _niceLength));
            if (len2 < 2)
            {
                return;
            }

            int posStateA = (q + len) & PosStateMask;
            int stateB = LzmaModel.StateAfterLiteral(stateAfter);
            int posStateB = (q + len + 1) & PosStateMask;
            uint price = matchPrice
                + Price0(probs[LzmaModel.IsMatch + (stateAfter << 4) + posStateA])
                + LiteralPrice(probs, q + len, stateAfter, distance)
                + Price1(probs[LzmaModel.IsMatch + (stateB << 4) + posStateB])
                + Price1(probs[LzmaModel.IsRep + stateB])
                + RepIndexPrice(probs, 0, stateB, posStateB)
                + _repLenPrice[(posStateB * LenSymbols) + len2 - 2];
            int offset = cur + len + 1 + len2;
            while (lenEnd < offset)
            {
                nodes[++lenEnd].Price = LzmaPrices.Infinity;
            }

            if (price < nodes[offset].Price)
            {
                SetNode(nodes + offset, price, cur, len, distance);
                nodes[offset].Kind = 2;
                nodes[offset].Len2 = len2;
                nodes[offset].Dist2 = distance;
            }
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static void SetNode(Node* node, uint price, int posPrev, int len, int distance)
        {
            node->Price = price;
            node->PosPrev = posPrev;
            node->Kind = 0;
            node->Len1 = len;
            node->Dist1 = distance;
        }

        private static void ComputeNodeState(Node* nodes, int cur)
        {
            Node* node = nodes + cur;
            Node* previous = nodes + node->PosPrev;
            int state = previous->State;
            int r0 = previous->Rep0, r1 = previous->Rep1, r2 = previous->Rep2, r3 = previous->Rep3;
            if (node->Kind == 1)
            {
                Apply(ref state, ref r0, ref r1, ref r2, ref r3, 1, -1);
                Apply(ref state, ref r0, ref r1, ref r2, ref r3, node->Len2, node->Dist2);
            }
            else
            {
                Apply(ref state, ref r0, ref r1, ref r2, ref r3, node->Len1, node->Dist1);
                if (node->Kind == 2)
                {
                    Apply(ref state, ref r0, ref r1, ref r2, ref r3, 1, -1);
                    Apply(ref state, ref r0, ref r1, ref r2, ref r3, node->Len2, node->Dist2);
                }
            }

            node->State = state;
            node->Rep0 = r0;
            node->Rep1 = r1;
            node->Rep2 = r2;
            node->Rep3 = r3;
        }

        private void Backtrack(Node* nodes, int end)
        {
            // Collect the symbols from the end backwards, then reverse them in place.
            int n = 0;
            int e = end;
            while (e > 0)
            {
                Node* node = nodes + e;
                if (node->Kind != 0)
                {
                    AddDecision(node->Len2, node->Dist2);
                    AddDecision(1, -1);
                    n += 2;
                    if (node->Kind == 2)
                    {
                        AddDecision(node->Len1, node->Dist1);
                        n++;
                    }
                }
                else
                {
                    AddDecision(node->Len1, node->Dist1);
                    n++;
                }

                e = node->PosPrev;
            }

            Array.Reverse(_decisionLengths, 0, n);
            Array.Reverse(_decisionDistances, 0, n);
        }
    }
}
