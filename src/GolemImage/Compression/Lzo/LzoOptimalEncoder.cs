using System;

namespace GolemImage.Compression.Lzo
{
    /// <summary>
    /// The SmallestSize LZO1X encoder: a shortest-path parse over the whole block. Every position gets the
    /// cheapest known way to arrive there (a match ending there, 1..3 literals riding in a match's spare bits,
    /// or a literal run of four or more), priced with the exact byte costs of the LZO1X codes including the
    /// state-dependent M1 (2-byte match after 1..3 literals) and M1' (3-byte match at 2049..3072 after a run)
    /// forms. Match candidates come from deep hash chains (for each length the nearest distance), a nearest
    /// 3-byte table and an exact 2-byte table. Matches of at least NiceLength are taken without weighing the
    /// positions they cover, which bounds the work on highly repetitive data.
    /// </summary>
    internal sealed unsafe class LzoOptimalEncoder
    {
        private const int Hash4Bits = 16;
        private const int Hash3Bits = 14;
        private const int NoPosition = -1;
        private const int Infinite = int.MaxValue / 2;
        private readonly int _maxChain;
        private readonly int _niceLength;

        private readonly int[] _head4 = new int[1 << Hash4Bits];
        private readonly int[] _head3 = new int[1 << Hash3Bits];
        private readonly int[] _head2 = new int[1 << 16];
        private int[] _chain = Array.Empty<int>();

        // Per position: cheapest arrival by a match, and by a literal run of >= 4 bytes.
        private int[] _matchCost = Array.Empty<int>();
        private int[] _matchStart = Array.Empty<int>();
        private int[] _matchDistance = Array.Empty<int>();
        private byte[] _matchSource = Array.Empty<byte>();
        private int[] _runCost = Array.Empty<int>();
        private int[] _runStart = Array.Empty<int>();

        private int[] _ends = Array.Empty<int>();
        private readonly int[] _candidateLength;
        private readonly int[] _candidateDistance;

        public LzoOptimalEncoder(int maxChain, int niceLength)
        {
            _maxChain = maxChain;
            _niceLength = niceLength;
            _candidateLength = new int[maxChain + 2];
            _candidateDistance = new int[maxChain + 2];
        }

        public int Encode(byte* input, int length, byte* output)
        {
            if (length < 8)
            {
                byte* end = LzoEncoding.EmitLiterals(output, output, input, length);
                return (int)(LzoEncoding.EmitEnd(end) - output);
            }

            EnsureCapacity(length);
            Fill(_head4, NoPosition);
            Fill(_head3, NoPosition);
            Fill(_head2, NoPosition);

            fixed (int* head4 = _head4)
            fixed (int* head3 = _head3)
            fixed (int* head2 = _head2)
            fixed (int* chain = _chain)
            fixed (int* matchCost = _matchCost)
            fixed (int* matchStart = _matchStart)
            fixed (int* matchDistance = _matchDistance)
            fixed (byte* matchSource = _matchSource)
            fixed (int* runCost = _runCost)
            fixed (int* runStart = _runStart)
            fixed (int* candidateLength = _candidateLength)
            fixed (int* candidateDistance = _candidateDistance)
            {
                for (int i = 0; i <= length; i++)
                {
                    matchCost[i] = Infinite;
                    runCost[i] = Infinite;
                }

                matchCost[0] = 0;
                byte* inputEnd = input + length;
                int skipUntil = 0;

                for (int j = 0; j <= length; j++)
                {
                    // Literal runs of >= 4 ending at j: start one at j - 4, or keep the run that ended at j - 1.
                    if (j >= 4)
                    {
                        int best = Infinite;
                        int bestStart = 0;
                        if (matchCost[j - 4] < Infinite)
                        {
                            best = matchCost[j - 4] + LiteralCost(j - 4, 4);
                            bestStart = j - 4;
                        }

                        if (runCost[j - 1] < Infinite)
                        {
                            int start = runStart[j - 1];
                            int extended = matchCost[start] + LiteralCost(start, j - start);
                            if (extended < best)
                            {
                                best = extended;
                                bestStart = start;
                            }
                        }

                        runCost[j] = best;
                        runStart[j] = bestStart;
                    }

                    if (j >= length - 3)
                    {
                        continue;
                    }

                    byte* ip = input + j;
                    if (j < skipUntil || j == 0)
                    {
                        Insert(j, ip, length, head4, head3, head2, chain);
                        continue;
                    }

                    // Cheapest way to stand at j in each decoder state (0, 1..3 literals, 4 = after a run).
                    int state0 = matchCost[j];
                    int shortBest = Infinite;
                    int shortKind = 0;
                    for (int t = 1; t <= 3 && t <= j; t++)
                    {
                        if (matchCost[j - t] < Infinite)
                        {
                            int c = matchCost[j - t] + LiteralCost(j - t, t);
                            if (c < shortBest)
                            {
                                shortBest = c;
                                shortKind = t;
                            }
                        }
                    }

                    int state4 = runCost[j];
                    int baseCost = state0;
                    int baseKind = 0;
                    if (shortBest < baseCost)
                    {
                        baseCost = shortBest;
                        baseKind = shortKind;
                    }

                    if (state4 < baseCost)
                    {
                        baseCost = state4;
                        baseKind = 4;
                    }

                    // M1: a 2-byte match, only after 1..3 literals.
                    int candidate2 = head2[ip[0] | (ip[1] << 8)];
                    if (candidate2 != NoPosition && shortBest < Infinite && j - candidate2 <= LzoEncoding.M1MaxDistance)
                    {
                        Relax(matchCost, matchStart, matchDistance, matchSource, j + 2, shortBest + 2, j, j - candidate2, shortKind);
                    }

                    int count = FindCandidates(j, ip, inputEnd, length, head4, head3, chain, candidateLength, candidateDistance, _maxChain, _niceLength);
                    Insert(j, ip, length, head4, head3, head2, chain);
                    if (count == 0 || baseCost >= Infinite)
                    {
                        continue;
                    }

                    int longest = candidateLength[count - 1];
                    if (longest >= _niceLength)
                    {
                        int distance = candidateDistance[count - 1];
                        Relax(matchCost, matchStart, matchDistance, matchSource, j + longest, baseCost + LzoEncoding.MatchCost(longest, distance, 0), j, distance, baseKind);
                        skipUntil = j + longest;
                        continue;
                    }

                    int k = 0;
                    for (int matchLength = 3; matchLength <= longest; matchLength++)
                    {
                        while (candidateLength[k] < matchLength)
                        {
                            k++;
                        }

                        int distance = candidateDistance[k];
                        int cost = baseCost + LzoEncoding.MatchCost(matchLength, distance, 0);
                        int kind = baseKind;
                        if (matchLength == 3 && state4 < Infinite && distance >= LzoEncoding.M1LongMinDistance && distance <= LzoEncoding.M1LongMaxDistance && state4 + 2 < cost)
                        {
                            cost = state4 + 2;
                            kind = 4;
                        }

                        Relax(matchCost, matchStart, matchDistance, matchSource, j + matchLength, cost, j, distance, kind);
                    }
                }

                return Emit(input, length, output, matchCost, matchStart, matchDistance, matchSource, runCost, runStart);
            }
        }

        private static void Relax(int* matchCost, int* matchStart, int* matchDistance, byte* matchSource, int end, int cost, int start, int distance, int kind)
        {
            if (cost < matchCost[end])
            {
                matchCost[end] = cost;
                matchStart[end] = start;
                matchDistance[end] = distance;
                matchSource[end] = (byte)kind;
            }
        }

        /// <summary>Output bytes for <paramref name="count"/> literals following the node at <paramref name="from"/> (0 = stream start).</summary>
        private static int LiteralCost(int from, int count)
        {
            if (from == 0 && count <= 238)
            {
                return count + 1;
            }

            if (count <= 3)
            {
                return count;
            }

            if (count <= 18)
            {
                return count + 1;
            }

            return count + 2 + ((count - 19) / 255);
        }

        private static void Insert(int position, byte* ip, int length, int* head4, int* head3, int* head2, int* chain)
        {
            head2[ip[0] | (ip[1] << 8)] = position;
            uint h3 = (LzoEncoding.Read24(ip) * 0x1E35A7BDu) >> (32 - Hash3Bits);
            head3[h3] = position;
            if (position + 4 <= length)
            {
                uint h4 = (LzoEncoding.Read32(ip) * 0x1824429Du) >> (32 - Hash4Bits);
                chain[position] = head4[h4];
                head4[h4] = position;
            }
        }

        /// <summary>
        /// Matches at <paramref name="position"/> as (length, distance) pairs with strictly increasing length,
        /// each the nearest distance reaching that length. Returns the count.
        /// </summary>
        private static int FindCandidates(int position, byte* ip, byte* inputEnd, int length, int* head4, int* head3, int* chain, int* lengths, int* distances, int maxChain, int niceLength)
        {
            int count = 0;
            int bestLength = 2;

            uint h3 = (LzoEncoding.Read24(ip) * 0x1E35A7BDu) >> (32 - Hash3Bits);
            int candidate3 = head3[h3];
            if (candidate3 != NoPosition && position - candidate3 <= LzoEncoding.M1LongMaxDistance)
            {
                byte* c = ip - (position - candidate3);
                if (c[0] == ip[0] && c[1] == ip[1] && c[2] == ip[2])
                {
                    int matchLength = 3 + LzoEncoding.MatchLength(ip + 3, c + 3, inputEnd);
                    lengths[count] = matchLength;
                    distances[count] = position - candidate3;
                    count++;
                    bestLength = matchLength;
                }
            }

            if (position + 4 > length)
            {
                return count;
            }

            uint current = LzoEncoding.Read32(ip);
            uint h4 = (current * 0x1824429Du) >> (32 - Hash4Bits);
            int candidate = head4[h4];
            int depth = maxChain;
            int remaining = length - position;
            while (candidate != NoPosition && depth-- > 0)
            {
                int distance = position - candidate;
                if (distance > LzoEncoding.MaxDistance)
                {
                    break;
                }

                byte* c = ip - distance;
                if ((bestLength >= remaining || c[bestLength] == ip[bestLength]) && LzoEncoding.Read32(c) == current)
                {
                    int matchLength = 4 + LzoEncoding.MatchLength(ip + 4, c + 4, inputEnd);
                    if (matchLength > bestLength)
                    {
                        // The 3-byte table's candidate may be nearer but shorter; keep lengths increasing.
                        if (count > 0 && distances[count - 1] > distance)
                        {
                            count--;
                        }

                        lengths[count] = matchLength;
                        distances[count] = distance;
                        count++;
                        bestLength = matchLength;
                        if (matchLength >= niceLength)
                        {
                            break;
                        }
                    }
                }

                candidate = chain[candidate];
            }

            return count;
        }

        private int Emit(byte* input, int length, byte* output, int* matchCost, int* matchStart, int* matchDistance, byte* matchSource, int* runCost, int* runStart)
        {
            // Cheapest way to end: after a match, with 1..3 trailing literals, or with a run of >= 4.
            int bestEnd = matchCost[length];
            int endNode = length;
            for (int t = 1; t <= 3; t++)
            {
                if (matchCost[length - t] < Infinite && matchCost[length - t] + LiteralCost(length - t, t) < bestEnd)
                {
                    bestEnd = matchCost[length - t] + LiteralCost(length - t, t);
                    endNode = length - t;
                }
            }

            if (runCost[length] < bestEnd)
            {
                endNode = runStart[length];
            }

            // Walk back from the end to find the chosen matches, then emit them in order.
            int matches = 0;
            for (int node = endNode; node > 0;)
            {
                matches++;
                node = PreviousNode(node, matchStart, matchSource, runStart);
            }

            if (_ends.Length < matches)
            {
                _ends = new int[Math.Max(matches, 1024)];
            }

            int[] ends = _ends;
            int index = matches;
            for (int node = endNode; node > 0;)
            {
                ends[--index] = node;
                node = PreviousNode(node, matchStart, matchSource, runStart);
            }

            byte* op = output;
            int literalStart = 0;
            for (int m = 0; m < matches; m++)
            {
                int end = ends[m];
                int start = matchStart[end];
                int literals = start - literalStart;
                op = LzoEncoding.EmitLiterals(op, output, input + literalStart, literals);
                op = LzoEncoding.EmitMatch(op, end - start, matchDistance[end], literals >= 4 ? 4 : literals);
                literalStart = end;
            }

            op = LzoEncoding.EmitLiterals(op, output, input + literalStart, length - literalStart);
            op = LzoEncoding.EmitEnd(op);
            return (int)(op - output);
        }

        private static int PreviousNode(int node, int* matchStart, byte* matchSource, int* runStart)
        {
            int start = matchStart[node];
            int kind = matchSource[node];
            return kind == 4 ? runStart[start] : start - kind;
        }

        private void EnsureCapacity(int length)
        {
            if (_chain.Length < length + 1)
            {
                int size = Math.Max(length + 1, 4096);
                _chain = new int[size];
                _matchCost = new int[size];
                _matchStart = new int[size];
                _matchDistance = new int[size];
                _matchSource = new byte[size];
                _runCost = new int[size];
                _runStart = new int[size];
            }
        }

        private static void Fill(int[] array, int value)
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
