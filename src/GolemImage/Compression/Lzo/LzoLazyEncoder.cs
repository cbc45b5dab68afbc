using System;
using System.Runtime.CompilerServices;

namespace GolemImage.Compression.Lzo
{
    /// <summary>
    /// The default LZO1X encoder (CompressionLevel.Optimal): hash chains over 4-byte prefixes searched to a
    /// bounded depth, a nearest-occurrence table for 3-byte matches (the 2-byte M2 and M1' forms), and lazy
    /// matching that defers a match by one byte whenever the next position saves more. Choices are made on
    /// exact byte costs of the LZO1X codes, so a shorter match at a cheaper distance can win.
    /// </summary>
    internal sealed unsafe class LzoLazyEncoder
    {
        private const int Hash4Bits = 15;
        private const int Hash3Bits = 14;

        private readonly int _maxChain;
        private readonly int _niceLength;
        private readonly int _skipLength;
        private readonly LzoMatchTables _tables = LzoMatchTables.ForChains(Hash4Bits, Hash3Bits);

        /// <param name="maxChain">Most chain entries one search visits.</param>
        /// <param name="niceLength">A match this long ends a search and is not deferred.</param>
        /// <param name="skipLength">Inside a match this long only its first and last positions go into the tables.</param>
        public LzoLazyEncoder(int maxChain, int niceLength, int skipLength)
        {
            _skipLength = skipLength;
            _maxChain = maxChain;
            _niceLength = niceLength;
        }

        [MethodImpl(ByteMatching.AggressiveOptimization)]
        public int Encode(byte* input, int length, byte* output)
        {
            byte* op = output;
            byte* inputEnd = input + length;
            int literalStart = 0;

            if (length >= 8)
            {
                _tables.Reset(length);
                fixed (int* head4 = _tables.Head4)
                fixed (int* head3 = _tables.Head3)
                fixed (int* chain = _tables.Links)
                {
                    var finder = new Finder(input, length, head4, head3, chain, _tables.Base, _maxChain, _niceLength);
                    int pos = 1;
                    finder.InsertUpTo(1);
                    int lastSearch = length - 4;
                    while (pos <= lastSearch)
                    {
                        int literals = pos - literalStart;
                        int state = literals >= 4 ? 4 : literals;
                        finder.InsertUpTo(pos);
                        int matchLength = finder.Find(pos, state, out int distance, out int saving);
                        if (matchLength == 0)
                        {
                            // Long literal runs (compressed or random data) are searched ever more sparsely.
                            finder.InsertUpTo(pos + 1);
                            pos += 1 + (literals >> 6);
                            finder.SkipTo(pos);
                            continue;
                        }

                        while (matchLength < _niceLength && pos + 1 <= lastSearch)
                        {
                            int nextLiterals = literals + 1;
                            int nextState = nextLiterals >= 4 ? 4 : nextLiterals;
                            finder.InsertUpTo(pos + 1);
                            int nextLength = finder.Find(pos + 1, nextState, out int nextDistance, out int nextSaving);
                            if (nextSaving <= saving)
                            {
                                break;
                            }

                            pos++;
                            literals = nextLiterals;
                            state = nextState;
                            matchLength = nextLength;
                            distance = nextDistance;
                            saving = nextSaving;
                        }

                        // After a skip the repeat may have started earlier than where it was found.
                        while (pos > literalStart && pos > distance && input[pos - 1] == input[pos - 1 - distance])
                        {
                            pos--;
                            matchLength++;
                            literals--;
                        }

                        state = literals >= 4 ? 4 : literals;
                        op = LzoEncoding.EmitLiterals(op, output, input + literalStart, literals, inputEnd);
                        op = LzoEncoding.EmitMatch(op, matchLength, distance, state);
                        // The positions inside a long match are left out of the tables (all but the first and last
                        // four). Measured per 128 KiB block against inserting them all: on a text tree (Python's
                        // stdlib, C++ and clang headers) 13 % less time and 2.7 % less output, as the copied
                        // positions no longer crowd older, different candidates out of the 8 chain entries searched;
                        // on the Large tree 0.08 % more output, on the Small tree no change.
                        if (matchLength >= _skipLength)
                        {
                            finder.InsertUpTo(pos + 4);
                            finder.SkipTo(pos + matchLength - 4);
                        }

                        pos += matchLength;
                        literalStart = pos;
                    }
                }
            }

            op = LzoEncoding.EmitLiterals(op, output, input + literalStart, length - literalStart, inputEnd);
            op = LzoEncoding.EmitEnd(op);
            return (int)(op - output);
        }

        /// <summary>Hash-chain match finder over one block; positions are inserted in increasing order.</summary>
        private struct Finder
        {
            private readonly byte* _input;
            private readonly byte* _end;
            private readonly int _length;
            private readonly int* _head4;
            private readonly int* _head3;
            private readonly int* _chain;
            private readonly int _base;
            private readonly int _maxChain;
            private readonly int _niceLength;
            private int _inserted;

            public Finder(byte* input, int length, int* head4, int* head3, int* chain, int tableBase, int maxChain, int niceLength)
            {
                _base = tableBase;
                _input = input;
                _end = input + length;
                _length = length;
                _head4 = head4;
                _head3 = head3;
                _chain = chain;
                _maxChain = maxChain;
                _niceLength = niceLength;
                _inserted = 0;
            }

            [MethodImpl(MethodImplOptions.AggressiveInlining)]
            public void InsertUpTo(int position)
            {
                // Positions below length - 3 have four readable bytes: one load serves both hashes.
                int limit = Math.Min(position, _length - 3);
                int p = _inserted;
                while (p < limit)
                {
                    uint value = ByteMatching.Read32(_input + p);
                    _head3[LzoMatchTables.Hash3(value, Hash3Bits)] = _base + p;
                    uint h4 = LzoMatchTables.Hash4(value, Hash4Bits);
                    _chain[p] = _head4[h4] - _base;
                    _head4[h4] = _base + p;
                    p++;
                }

                // Positions of the last three bytes are never inserted, but count as passed.
                _inserted = Math.Max(p, position);
            }

            [MethodImpl(MethodImplOptions.AggressiveInlining)]
            public void SkipTo(int position)
            {
                if (_inserted < position)
                {
                    _inserted = position;
                }
            }

            /// <summary>The match at <paramref name="position"/> saving the most output bytes, or 0.</summary>
            [MethodImpl(MethodImplOptions.AggressiveInlining)]
            public int Find(int position, int state, out int bestDistance, out int bestSaving)
            {
                byte* ip = _input + position;
                int bestLength = 0;
                bestDistance = 0;
                bestSaving = 0;

                uint current = ByteMatching.Read32(ip);
                uint h4 = LzoMatchTables.Hash4(current, Hash4Bits);
                int candidate = _head4[h4] - _base;
                int depth = _maxChain;
                int remaining = _length - position;
                while (depth-- > 0)
                {
                    int distance = position - candidate;
                    if (distance > LzoEncoding.MaxDistance)
                    {
                        break;
                    }

                    byte* c = _input + candidate;
                    if ((bestLength >= remaining || c[bestLength] == ip[bestLength]) && ByteMatching.Read32(c) == current)
                    {
                        int length = 4 + ByteMatching.MatchLength(ip + 4, c + 4, _end);
                        int saving = length - LzoEncoding.MatchCost(length, distance, state);
                        if (saving > bestSaving)
                        {
                            bestLength = length;
                            bestDistance = distance;
                            bestSaving = saving;
                            if (length >= _niceLength)
                            {
                                break;
                            }
                        }
                    }

                    candidate = _chain[candidate];
                }

                // A repeat of 4+ bytes at the 3-byte table's candidate is also on the 4-byte chain, where it comes before
                // anything older; what only the table adds is a 3-byte match (M2/M1'), which saves at most one byte.
                // So the probe matters only when the chain found nothing (3 % faster, 0.25 % larger on the bench tree).
                if (bestSaving <= 0)
                {
                    uint h3 = LzoMatchTables.Hash3(current, Hash3Bits);
                    // An entry of an earlier block (or none) lies beyond the window: the distance test rejects it.
                    int candidate3 = _head3[h3] - _base;
                    int distance = position - candidate3;
                    int shortLimit = state == 4 ? LzoEncoding.M1LongMaxDistance : LzoEncoding.M2MaxDistance;
                    byte* c = _input + candidate3;
                    if (distance <= shortLimit && c[0] == ip[0] && c[1] == ip[1] && c[2] == ip[2])
                    {
                        int length = 3 + ByteMatching.MatchLength(ip + 3, c + 3, _end);
                        int saving = length - LzoEncoding.MatchCost(length, distance, state);
                        if (saving > 0)
                        {
                            bestLength = length;
                            bestDistance = distance;
                            bestSaving = saving;
                        }
                    }
                }

                return bestLength;
            }
        }
    }
}
