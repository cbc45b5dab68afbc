using System;
using System.Runtime.CompilerServices;

namespace GolemImage.Compression.Deflate
{
    /// <summary>
    /// A raw deflate (RFC 1951) encoder for one squashfs block held in memory, our own so that gzip images are the
    /// same bytes under every runtime (.NET 8 on Linux deflates with the system zlib, .NET 9+ with zlib-ng, .NET
    /// Framework with its own zlib) and as small as zlib's at the same level (zlib-ng's level 6 gives ~2 % larger
    /// images). The parse is the classic one zlib popularised, with its per-level tuning (chain depth, lazy and
    /// nice lengths): greedy matching with limited insertion for levels 1-3, one-step lazy matching for 4-9, and a
    /// block of at most 16,383 symbols coded with whichever of stored, static and dynamic Huffman is shortest.
    /// The match finder differs: its chains link positions by their first 4 bytes, not 3, and a table of the last
    /// position of every 3-byte prefix supplies the near 3-byte matches, so a chain's depth is spent on candidates
    /// that can give a long match, and levels 6 and 9 search shorter chains than zlib's for the same size (see the
    /// tables). Match lengths are compared 8 bytes at a time.
    /// </summary>
    internal sealed unsafe class DeflateEncoder
    {
        private const int MinMatch = 3;
        private const int MaxMatch = 258;
        private const int MaxDistance = 32768;
        private const int HashBits = 15;
        private const int SymbolCapacity = 16383;
        // A 3-byte match further back than this costs about as much as three literals.
        private const int TooFar = 4096;
        private const int NoPosition = int.MinValue / 2;
        private const int MaxStoredLength = 65535;

        // Per level: a previous match this long searches a quarter of the chain; lazy evaluation stops at (levels
        // 4-9) or matches up to this long are fully inserted (1-3); a match this long ends the search; chain depth.
        // zlib's tuning, except the chain depth at levels 6 and 9: 4-byte chains hold fewer useless candidates, so
        // half (6: 64) or a quarter (9: 1,024) of zlib's depth is still no larger than zlib at that level on both
        // bench trees (level 6: 0.9996x binaries, 0.9994x text, in 0.55x / 0.64x of zlib's time; with zlib's 128:
        // 0.9958x / 0.9985x, about 1.2x slower than 64; 48 gives 1.0021x. Level 9: 0.9996x / 0.9997x in 0.29x /
        // 0.51x; with zlib's 4,096: 0.9998x / 0.9996x, about 2.4x slower on binaries).
        private static readonly int[] GoodLengths = { 0, 4, 4, 4, 4, 8, 8, 8, 32, 32 };
        private static readonly int[] LazyLengths = { 0, 4, 5, 6, 4, 16, 16, 32, 128, 258 };
        private static readonly int[] NiceLengths = { 0, 8, 16, 32, 16, 32, 128, 128, 258, 258 };
        private static readonly int[] ChainLengths = { 0, 4, 8, 32, 16, 32, 64, 256, 1024, 1024 };

        private static readonly HuffmanCode FixedLiteralCode = CreateFixed(DeflateSymbols.FixedLiteralLengthLengths);
        private static readonly HuffmanCode FixedDistanceCode = CreateFixed(DeflateSymbols.FixedDistanceLengths);

        private readonly int _goodLength;
        private readonly int _lazyLength;
        private readonly int _niceLength;
        private readonly int _maxChain;
        private readonly bool _lazyMatching;

        private readonly int[] _head = new int[1 << HashBits];
        private readonly int[] _head3 = new int[1 << HashBits];
        private int[] _prev = Array.Empty<int>();

        // The current block's symbols: a literal byte (distance 0) or a match length and distance.
        private readonly ushort[] _symbolValues = new ushort[SymbolCapacity];
        private readonly ushort[] _symbolDistances = new ushort[SymbolCapacity];
        private readonly int[] _literalFrequencies = new int[DeflateSymbols.LiteralLengthCount];
        private readonly int[] _distanceFrequencies = new int[DeflateSymbols.DistanceCount];
        private readonly int[] _codeLengthFrequencies = new int[DeflateSymbols.CodeLengthCount];
        private readonly HuffmanCode _literalCode = new HuffmanCode(DeflateSymbols.LiteralLengthCount, 15);
        private readonly HuffmanCode _distanceCode = new HuffmanCode(DeflateSymbols.DistanceCount, 15);
        private readonly HuffmanCode _codeLengthCode = new HuffmanCode(DeflateSymbols.CodeLengthCount, 7);
        private readonly byte[] _allLengths = new byte[DeflateSymbols.LiteralLengthCount + DeflateSymbols.DistanceCount];
        private readonly byte[] _codeLengthSymbols = new byte[DeflateSymbols.LiteralLengthCount + DeflateSymbols.DistanceCount];
        private readonly byte[] _codeLengthRepeats = new byte[DeflateSymbols.LiteralLengthCount + DeflateSymbols.DistanceCount];

        private byte* _input;
        private int _symbolCount;
        private int _blockStart;
        private long _capacityBits;
        private DeflateBitWriter _writer;

        /// <param name="level">1 (fastest) to 9 (smallest), as zlib's levels.</param>
        public DeflateEncoder(int level)
        {
            if (level < 1 || level > 9)
            {
                throw new ArgumentOutOfRangeException(nameof(level), level, "The deflate level must be 1 to 9.");
            }

            _goodLength = GoodLengths[level];
            _lazyLength = LazyLengths[level];
            _niceLength = NiceLengths[level];
            _maxChain = ChainLengths[level];
            _lazyMatching = level >= 4;
        }

        /// <summary>
        /// Deflates <paramref name="length"/> bytes at <paramref name="input"/> into at most
        /// <paramref name="capacity"/> bytes at <paramref name="output"/>, as one stream ending in a final block.
        /// Returns the stream's length, or -1 when it would not fit (nothing beyond the capacity is written).
        /// </summary>
        public int Encode(byte* input, int length, byte* output, int capacity)
        {
            _input = input;
            _writer = new DeflateBitWriter(output);
            _capacityBits = (long)capacity * 8;
            _symbolCount = 0;
            _blockStart = 0;
            Array.Clear(_literalFrequencies, 0, _literalFrequencies.Length);
            Array.Clear(_distanceFrequencies, 0, _distanceFrequencies.Length);
            if (_prev.Length < length)
            {
                _prev = new int[Math.Max(length, 4096)];
            }

            ByteMatching.Fill(_head, NoPosition);
            ByteMatching.Fill(_head3, NoPosition);
            bool fits;
            fixed (int* head = _head)
            fixed (int* head3 = _head3)
            fixed (int* prev = _prev)
            fixed (ushort* values = _symbolValues)
            fixed (ushort* distances = _symbolDistances)
            fixed (int* literalFrequencies = _literalFrequencies)
            fixed (int* distanceFrequencies = _distanceFrequencies)
            {
                var tables = new MatchTables(input, head, head3, prev);
                var symbols = new SymbolSink(values, distances, literalFrequencies, distanceFrequencies);
                fits = _lazyMatching ? ParseLazy(length, tables, symbols) : ParseGreedy(length, tables, symbols);
            }

            if (!fits || !FlushBlock(length, final: true))
            {
                return -1;
            }

            return _writer.Finish();
        }

        [MethodImpl(ByteMatching.AggressiveOptimization)]
        private bool ParseLazy(int length, MatchTables tables, SymbolSink symbols)
        {
            byte* input = _input;
            int lastInsert = length - 4;
            int count = 0;
            int pos = 0;
            int prevLength = 0;
            int prevDistance = 0;
            bool literalPending = false;
            while (pos < length)
            {
                int matchLength = 0;
                int matchDistance = 0;
                if (pos <= lastInsert)
                {
                    int candidate = tables.Index(pos, out uint word, out int candidate3);
                    if (prevLength < _lazyLength)
                    {
                        if (candidate >= pos - MaxDistance)
                        {
                            matchLength = LongestMatch(input, pos, length, candidate, tables.Prev, prevLength, out matchDistance);
                            if (matchLength == MinMatch && matchDistance > TooFar)
                            {
                                matchLength = 0;
                            }
                        }

                        if (matchLength == 0 && prevLength < MinMatch)
                        {
                            matchLength = NearMatch(input, pos, length, word, candidate3, out matchDistance);
                        }
                    }
                }

                if (prevLength >= MinMatch && matchLength <= prevLength)
                {
                    // The match found one byte back is at least as long: take it, starting at pos - 1.
                    symbols.AddMatch(count++, prevLength, prevDistance);
                    int end = pos - 1 + prevLength;
                    int insertEnd = Math.Min(end, lastInsert + 1);
                    for (int p = pos + 1; p < insertEnd; p++)
                    {
                        tables.Insert(p);
                    }

                    pos = end;
                    prevLength = 0;
                    literalPending = false;
                }
                else
                {
                    if (literalPending)
                    {
                        symbols.AddLiteral(count++, input[pos - 1]);
                    }

                    literalPending = true;
                    prevLength = matchLength;
                    prevDistance = matchDistance;
                    pos++;
                }

                if (count == SymbolCapacity)
                {
                    // The pending byte at pos - 1 (if any) belongs to the next block.
                    _symbolCount = count;
                    count = 0;
                    if (!FlushBlock(literalPending ? pos - 1 : pos, final: false))
                    {
                        return false;
                    }
                }
            }

            if (literalPending)
            {
                symbols.AddLiteral(count++, input[length - 1]);
            }

            _symbolCount = count;
            return true;
        }

        [MethodImpl(ByteMatching.AggressiveOptimization)]
        private bool ParseGreedy(int length, MatchTables tables, SymbolSink symbols)
        {
            byte* input = _input;
            int lastInsert = length - 4;
            int count = 0;
            int pos = 0;
            while (pos < length)
            {
                int matchLength = 0;
                int matchDistance = 0;
                if (pos <= lastInsert)
                {
                    int candidate = tables.Index(pos, out uint word, out int candidate3);
                    if (candidate >= pos - MaxDistance)
                    {
                        matchLength = LongestMatch(input, pos, length, candidate, tables.Prev, 0, out matchDistance);
                    }

                    if (matchLength == 0)
                    {
                        matchLength = NearMatch(input, pos, length, word, candidate3, out matchDistance);
                    }
                }

                if (matchLength >= MinMatch)
                {
                    symbols.AddMatch(count++, matchLength, matchDistance);
                    int end = pos + matchLength;
                    // Long matches are not indexed inside: that is most of the fast levels' speed.
                    if (matchLength <= _lazyLength)
                    {
                        int insertEnd = Math.Min(end, lastInsert + 1);
                        for (int p = pos + 1; p < insertEnd; p++)
                        {
                            tables.Insert(p);
                        }
                    }

                    pos = end;
                }
                else
                {
                    symbols.AddLiteral(count++, input[pos]);
                    pos++;
                }

                if (count == SymbolCapacity)
                {
                    _symbolCount = count;
                    count = 0;
                    if (!FlushBlock(pos, final: false))
                    {
                        return false;
                    }
                }
            }

            _symbolCount = count;
            return true;
        }

        /// <summary>
        /// The longest match for <paramref name="pos"/> along its hash chain that is longer than
        /// <paramref name="previousLength"/> (and at least 3), or 0.
        /// </summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private int LongestMatch(byte* input, int pos, int length, int candidate, int* prev, int previousLength, out int distance)
        {
            int maxLength = Math.Min(MaxMatch, length - pos);
            int best = Math.Max(previousLength, MinMatch - 1);
            if (best >= maxLength)
            {
                distance = 0;
                return 0;
            }

            int chain = best >= _goodLength ? _maxChain >> 2 : _maxChain;
            int found = SearchChain(input, input + pos, prev, candidate, pos - MaxDistance, best, maxLength, chain, Math.Min(_niceLength, maxLength));
            distance = found >> 9;
            return found & 0x1FF;
        }

        /// <summary>
        /// The chain walk, kept out of line so that its handful of values stay in registers (inlined into the parse
        /// loop they were spilled to the stack on every step). Returns distance &lt;&lt; 9 | length, or 0.
        /// </summary>
        [MethodImpl(MethodImplOptions.NoInlining | ByteMatching.AggressiveOptimization)]
        private static int SearchChain(byte* input, byte* scan, int* prev, int candidate, int limit, int best, int maxLength, int chain, int nice)
        {
            byte* scanEnd = scan + maxLength;
            ushort first = Unsafe.ReadUnaligned<ushort>(scan);
            ushort last = Unsafe.ReadUnaligned<ushort>(scan + best - 1);
            byte* bestMatch = null;
            do
            {
                byte* match = input + candidate;
                // The two bytes that would make this match longer than the best so far, then the first two.
                if (Unsafe.ReadUnaligned<ushort>(match + best - 1) == last && Unsafe.ReadUnaligned<ushort>(match) == first)
                {
                    int matchLength = 2 + ByteMatching.MatchLength(scan + 2, match + 2, scanEnd);
                    if (matchLength > best)
                    {
                        best = matchLength;
                        bestMatch = match;
                        if (matchLength >= nice)
                        {
                            break;
                        }

                        last = Unsafe.ReadUnaligned<ushort>(scan + best - 1);
                    }
                }

                candidate = prev[candidate];
            }
            while (candidate >= limit && --chain != 0);

            return bestMatch == null ? 0 : ((int)(scan - bestMatch) << 9) | best;
        }

        /// <summary>
        /// A match at the last position that shared this one's first 3 bytes, if it is near enough for a 3-byte
        /// match to pay (the chains only index 4-byte prefixes); 0 otherwise.
        /// </summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static int NearMatch(byte* input, int pos, int length, uint word, int candidate, out int distance)
        {
            distance = pos - candidate;
            if (distance > TooFar || ((ByteMatching.Read32(input + candidate) ^ word) & 0xFFFFFF) != 0)
            {
                return 0;
            }

            byte* scan = input + pos;
            return 3 + ByteMatching.MatchLength(scan + 3, input + candidate + 3, scan + Math.Min(MaxMatch, length - pos));
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static uint Hash4(uint word) => (word * 0x9E3779B1u) >> (32 - HashBits);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static uint Hash3(uint word) => ((word & 0xFFFFFF) * 0x9E3779B1u) >> (32 - HashBits);

        /// <summary>
        /// Codes the collected symbols, which cover input [_blockStart, <paramref name="blockEnd"/>), as the shortest
        /// of a stored, static or dynamic block. False when it does not fit in the capacity.
        /// </summary>
        private bool FlushBlock(int blockEnd, bool final)
        {
            int[] literalFrequencies = _literalFrequencies;
            int[] distanceFrequencies = _distanceFrequencies;
            literalFrequencies[DeflateSymbols.EndOfBlock] = 1;

            long extraBits = 0;
            for (int index = 0; index < 29; index++)
            {
                extraBits += (long)literalFrequencies[257 + index] * DeflateSymbols.LengthExtraBits[index];
            }

            long distanceCount = 0;
            for (int code = 0; code < DeflateSymbols.DistanceCount; code++)
            {
                extraBits += (long)distanceFrequencies[code] * DeflateSymbols.DistanceExtraBits[code];
                distanceCount += distanceFrequencies[code];
            }

            _literalCode.Build(literalFrequencies);
            _distanceCode.Build(distanceFrequencies);
            int literalCodes = DeflateSymbols.LiteralLengthCount;
            while (literalCodes > 257 && _literalCode.Lengths[literalCodes - 1] == 0)
            {
                literalCodes--;
            }

            int distanceCodes = DeflateSymbols.DistanceCount;
            while (distanceCodes > 1 && _distanceCode.Lengths[distanceCodes - 1] == 0)
            {
                distanceCodes--;
            }

            int runSymbols = EncodeCodeLengths(literalCodes, distanceCodes);
            _codeLengthCode.Build(_codeLengthFrequencies);
            int codeLengthCodes = DeflateSymbols.CodeLengthCount;
            while (codeLengthCodes > 4 && _codeLengthCode.Lengths[DeflateSymbols.CodeLengthOrder[codeLengthCodes - 1]] == 0)
            {
                codeLengthCodes--;
            }

            long dynamicBits = 3 + 5 + 5 + 4 + (3L * codeLengthCodes)
                + _codeLengthCode.Cost(_codeLengthFrequencies, DeflateSymbols.CodeLengthCount)
                + (2L * _codeLengthFrequencies[16]) + (3L * _codeLengthFrequencies[17]) + (7L * _codeLengthFrequencies[18])
                + _literalCode.Cost(literalFrequencies, DeflateSymbols.LiteralLengthCount)
                + _distanceCode.Cost(distanceFrequencies, DeflateSymbols.DistanceCount)
                + extraBits;
            long fixedBits = 3 + FixedLiteralCode.Cost(literalFrequencies, DeflateSymbols.LiteralLengthCount) + (5 * distanceCount) + extraBits;
            long storedBits = StoredBits(_writer.BitPosition, blockEnd - _blockStart);

            long bits = Math.Min(storedBits, Math.Min(fixedBits, dynamicBits));
            if (_writer.BitPosition + bits > _capacityBits)
            {
                return false;
            }

            uint finalBit = final ? 1u : 0u;
            if (storedBits == bits)
            {
                WriteStored(_blockStart, blockEnd - _blockStart, finalBit);
            }
            else if (fixedBits == bits)
            {
                _writer.Write(finalBit | (1 << 1), 3);
                WriteSymbols(FixedLiteralCode, FixedDistanceCode);
            }
            else
            {
                _writer.Write(finalBit | (2 << 1), 3);
                WriteDynamicHeader(literalCodes, distanceCodes, codeLengthCodes, runSymbols);
                WriteSymbols(_literalCode, _distanceCode);
            }

            Array.Clear(literalFrequencies, 0, literalFrequencies.Length);
            Array.Clear(distanceFrequencies, 0, distanceFrequencies.Length);
            _symbolCount = 0;
            _blockStart = blockEnd;
            return true;
        }

        /// <summary>
        /// Run-length codes the literal/length and distance code lengths as one sequence (RFC 1951 §3.2.7: 16
        /// repeats the previous length 3-6 times, 17 and 18 write 3-10 and 11-138 zeros) and counts the symbols.
        /// </summary>
        private int EncodeCodeLengths(int literalCodes, int distanceCodes)
        {
            Array.Copy(_literalCode.Lengths, 0, _allLengths, 0, literalCodes);
            Array.Copy(_distanceCode.Lengths, 0, _allLengths, literalCodes, distanceCodes);
            Array.Clear(_codeLengthFrequencies, 0, _codeLengthFrequencies.Length);
            int total = literalCodes + distanceCodes;
            int symbols = 0;
            for (int i = 0; i < total;)
            {
                byte value = _allLengths[i];
                int run = 1;
                while (i + run < total && _allLengths[i + run] == value)
                {
                    run++;
                }

                i += run;
                if (value == 0)
                {
                    for (; run >= 11; run -= Math.Min(run, 138))
                    {
                        AddRunSymbol(ref symbols, 18, Math.Min(run, 138) - 11);
                    }

                    if (run >= 3)
                    {
                        AddRunSymbol(ref symbols, 17, run - 3);
                        run = 0;
                    }
                }
                else
                {
                    AddRunSymbol(ref symbols, value, 0);
                    run--;
                    for (; run >= 3; run -= Math.Min(run, 6))
                    {
                        AddRunSymbol(ref symbols, 16, Math.Min(run, 6) - 3);
                    }
                }

                for (; run > 0; run--)
                {
                    AddRunSymbol(ref symbols, value, 0);
                }
            }

            return symbols;
        }

        private void AddRunSymbol(ref int symbols, int symbol, int repeat)
        {
            _codeLengthSymbols[symbols] = (byte)symbol;
            _codeLengthRepeats[symbols] = (byte)repeat;
            _codeLengthFrequencies[symbol]++;
            symbols++;
        }

        private void WriteDynamicHeader(int literalCodes, int distanceCodes, int codeLengthCodes, int runSymbols)
        {
            _writer.Write((uint)(literalCodes - 257) | ((uint)(distanceCodes - 1) << 5) | ((uint)(codeLengthCodes - 4) << 10), 14);
            byte[] codeLengthLengths = _codeLengthCode.Lengths;
            for (int i = 0; i < codeLengthCodes; i++)
            {
                _writer.Write(codeLengthLengths[DeflateSymbols.CodeLengthOrder[i]], 3);
            }

            ushort[] codes = _codeLengthCode.Codes;
            for (int i = 0; i < runSymbols; i++)
            {
                int symbol = _codeLengthSymbols[i];
                _writer.Write(codes[symbol], codeLengthLengths[symbol]);
                if (symbol >= 16)
                {
                    _writer.Write(_codeLengthRepeats[i], symbol == 16 ? 2 : symbol == 17 ? 3 : 7);
                }
            }
        }

        private void WriteSymbols(HuffmanCode literalCode, HuffmanCode distanceCode)
        {
            // A local copy of the writer: its accumulator stays in registers instead of the field.
            DeflateBitWriter writer = _writer;
            fixed (byte* literalLengths = literalCode.Lengths)
            fixed (ushort* literalCodes = literalCode.Codes)
            fixed (byte* distanceLengths = distanceCode.Lengths)
            fixed (ushort* distanceCodes = distanceCode.Codes)
            fixed (ushort* values = _symbolValues)
            fixed (ushort* distances = _symbolDistances)
            fixed (byte* lengthIndex = DeflateSymbols.LengthIndex)
            {
                for (int i = 0; i < _symbolCount; i++)
                {
                    int value = values[i];
                    int distance = distances[i];
                    if (distance == 0)
                    {
                        writer.Write(literalCodes[value], literalLengths[value]);
                        continue;
                    }

                    int index = lengthIndex[value];
                    int symbol = 257 + index;
                    int codeLength = literalLengths[symbol];
                    writer.Write(literalCodes[symbol] | ((uint)(value - DeflateSymbols.LengthBase[index]) << codeLength), codeLength + DeflateSymbols.LengthExtraBits[index]);
                    int code = DeflateSymbols.DistanceCode(distance);
                    codeLength = distanceLengths[code];
                    writer.Write(distanceCodes[code] | ((uint)(distance - DeflateSymbols.DistanceBase[code]) << codeLength), codeLength + DeflateSymbols.DistanceExtraBits[code]);
                }

                writer.Write(literalCodes[DeflateSymbols.EndOfBlock], literalLengths[DeflateSymbols.EndOfBlock]);
            }

            _writer = writer;
        }

        /// <summary>Stored blocks hold at most 65,535 bytes each and start byte-aligned after their 3 header bits.</summary>
        private static long StoredBits(long bitPosition, int length)
        {
            long position = bitPosition;
            do
            {
                int chunk = Math.Min(length, MaxStoredLength);
                position += 3;
                position += ((8 - (position & 7)) & 7) + 32 + (8L * chunk);
                length -= chunk;
            }
            while (length > 0);

            return position - bitPosition;
        }

        private void WriteStored(int start, int length, uint finalBit)
        {
            do
            {
                int chunk = Math.Min(length, MaxStoredLength);
                length -= chunk;
                _writer.Write(length == 0 ? finalBit : 0u, 3);
                _writer.AlignToByte();
                _writer.Write((uint)chunk | ((uint)(~chunk & 0xFFFF) << 16), 32);
                _writer.WriteBytes(_input + start, chunk);
                start += chunk;
            }
            while (length > 0);
        }

        private static HuffmanCode CreateFixed(byte[] lengths)
        {
            var code = new HuffmanCode(lengths.Length, 15);
            code.SetLengths(lengths);
            return code;
        }

        /// <summary>
        /// The match finder's tables, pinned for one block: chains of positions by 4-byte prefix (head, prev) and
        /// the last position of every 3-byte prefix.
        /// </summary>
        private readonly struct MatchTables
        {
            public readonly byte* Input;
            public readonly int* Head;
            public readonly int* Head3;
            public readonly int* Prev;

            public MatchTables(byte* input, int* head, int* head3, int* prev)
            {
                Input = input;
                Head = head;
                Head3 = head3;
                Prev = prev;
            }

            /// <summary>
            /// Indexes <paramref name="pos"/> (at least 4 bytes before the end); returns the previous position on
            /// its chain and, in <paramref name="candidate3"/>, the previous position with the same 3 bytes.
            /// </summary>
            [MethodImpl(MethodImplOptions.AggressiveInlining)]
            public int Index(int pos, out uint word, out int candidate3)
            {
                word = ByteMatching.Read32(Input + pos);
                uint hash = Hash4(word);
                uint hash3 = Hash3(word);
                int candidate = Head[hash];
                candidate3 = Head3[hash3];
                Prev[pos] = candidate;
                Head[hash] = pos;
                Head3[hash3] = pos;
                return candidate;
            }

            /// <summary>Indexes a position inside a match, where no search is made.</summary>
            [MethodImpl(MethodImplOptions.AggressiveInlining)]
            public void Insert(int pos) => Index(pos, out _, out _);
        }

        /// <summary>The current block's symbols and their frequencies, pinned for one block.</summary>
        private readonly struct SymbolSink
        {
            private readonly ushort* _values;
            private readonly ushort* _distances;
            private readonly int* _literalFrequencies;
            private readonly int* _distanceFrequencies;

            public SymbolSink(ushort* values, ushort* distances, int* literalFrequencies, int* distanceFrequencies)
            {
                _values = values;
                _distances = distances;
                _literalFrequencies = literalFrequencies;
                _distanceFrequencies = distanceFrequencies;
            }

            [MethodImpl(MethodImplOptions.AggressiveInlining)]
            public void AddLiteral(int index, byte literal)
            {
                _values[index] = literal;
                _distances[index] = 0;
                _literalFrequencies[literal]++;
            }

            [MethodImpl(MethodImplOptions.AggressiveInlining)]
            public void AddMatch(int index, int length, int distance)
            {
                _values[index] = (ushort)length;
                _distances[index] = (ushort)distance;
                _literalFrequencies[257 + DeflateSymbols.LengthIndex[length]]++;
                _distanceFrequencies[DeflateSymbols.DistanceCode(distance)]++;
            }
        }
    }
}
