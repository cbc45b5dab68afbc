using System;
using System.Runtime.CompilerServices;

namespace GolemImage.Compression.Lzo
{
    /// <summary>
    /// The SmallestSize LZO1X encoder: a shortest-path parse over the whole block. Every position gets the
    /// cheapest known way to arrive there (a match ending there, 1..3 literals riding in a match's spare bits,
    /// or a literal run of four or more), priced with the exact byte costs of the LZO1X codes including the
    /// state-dependent M1 (2-byte match after 1..3 literals) and M1' (3-byte match at 2049..3072 after a run)
    /// forms. Match candidates come from binary search trees over 4-byte hash buckets (one walk per position
    /// yields the nearest distance for every length, see <see cref="FindCandidates"/>), a nearest 3-byte table
    /// and an exact 2-byte table. Matches of at least skipLength are taken whole, without weighing or indexing
    /// the positions they cover, which bounds the work on repetitive data.
    /// </summary>
    internal sealed unsafe class LzoOptimalEncoder
    {
        private const int Hash4Bits = 16;
        private const int Hash3Bits = 16;
        private const int NoPosition = LzoMatchTables.NoPosition;
        private const int Infinite = int.MaxValue / 2;
        private readonly int _maxDepth;
        private readonly int _niceLength;
        private readonly int _skipLength;

        // The links are binary search trees over the 4-byte hash buckets: per position its smaller and larger child.
        private readonly LzoMatchTables _tables = LzoMatchTables.ForTrees(Hash4Bits, Hash3Bits);

        // Per position: cheapest arrival by a match, and by a literal run of >= 4 bytes.
        private int[] _matchCost = Array.Empty<int>();
        private int[] _matchStart = Array.Empty<int>();
        // The chosen match's distance << 3 | the decoder state before it (0, 1..3 literals, 4 = after a run).
        private int[] _matchLink = Array.Empty<int>();
        private int[] _runCost = Array.Empty<int>();
        private int[] _runStart = Array.Empty<int>();

        private int[] _ends = Array.Empty<int>();
        private readonly int[] _candidateLength;
        private readonly int[] _candidateDistance;

        /// <param name="maxDepth">Most tree nodes one search visits.</param>
        /// <param name="niceLength">A match this long ends a search (its full length is still measured).</param>
        /// <param name="skipLength">A match this long is taken whole: the positions it covers are not searched.</param>
        public LzoOptimalEncoder(int maxDepth, int niceLength, int skipLength)
        {
            _maxDepth = maxDepth;
            _niceLength = niceLength;
            _skipLength = skipLength;
            _candidateLength = new int[maxDepth + 2];
            _candidateDistance = new int[maxDepth + 2];
        }

        public int Encode(byte* input, int length, byte* output)
        {
            if (length < 8)
            {
                byte* end = LzoEncoding.EmitLiterals(output, output, input, length, input + length);
                return (int)(LzoEncoding.EmitEnd(end) - output);
            }

            EnsureCapacity(length);
            _tables.Reset(length);
            int tableBase = _tables.Base;
            fixed (int* head4 = _tables.Head4)
            fixed (int* head3 = _tables.Head3)
            fixed (int* head2 = _tables.Head2)
            fixed (int* tree = _tables.Links)
            fixed (int* matchCost = _matchCost)
            fixed (int* matchStart = _matchStart)
            fixed (int* matchLink = _matchLink)
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
                    // (Costs of unreachable nodes stay near Infinite; the sums cannot overflow.)
                    if (j >= 5)
                    {
                        int fresh = matchCost[j - 4] + 5;
                        int start = runStart[j - 1];
                        int extended = matchCost[start] + LiteralCost(start, j - start);
                        if (extended < fresh)
                        {
                            runCost[j] = extended;
                            runStart[j] = start;
                        }
                        else
                        {
                            runCost[j] = fresh;
                            runStart[j] = j - 4;
                        }
                    }
                    else if (j == 4)
                    {
                        runCost[4] = matchCost[0] + LiteralCost(0, 4);
                        runStart[4] = 0;
                    }

                    if (j >= length - 3)
                    {
                        continue;
                    }

                    byte* ip = input + j;
                    if (j == 0)
                    {
                        head2[ip[0] | (ip[1] << 8)] = tableBase;
                        FindCandidates(0, ip, inputEnd, length, head4, head3, tree, tableBase, candidateLength, candidateDistance, _maxDepth, _niceLength);
                        continue;
                    }

                    // Inside a long match taken whole: only the short tables learn these positions. Leaving them
                    // out of the trees costs little (the match's source is there) and saves most of the time
                    // that repetitive data would take.
                    if (j < skipUntil)
                    {
                        InsertShort(tableBase + j, ip, head3, head2);
                        continue;
                    }

                    // Cheapest way to stand at j in each decoder state (0, 1..3 literals, 4 = after a run).
                    int state0 = matchCost[j];
                    int shortBest;
                    int shortKind;
                    if (j > 3)
                    {
                        shortBest = matchCost[j - 1] + 1;
                        shortKind = 1;
                        int two = matchCost[j - 2] + 2;
                        if (two < shortBest)
                        {
                            shortBest = two;
                            shortKind = 2;
                        }

                        int three = matchCost[j - 3] + 3;
                        if (three < shortBest)
                        {
                            shortBest = three;
                            shortKind = 3;
                        }
                    }
                    else
                    {
                        shortBest = Infinite;
                        shortKind = 0;
                        for (int t = 1; t <= j; t++)
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
                    int* slot2 = head2 + (ip[0] | (ip[1] << 8));
                    int candidate2 = *slot2 - tableBase;
                    *slot2 = tableBase + j;
                    if ((uint)(j - candidate2) <= LzoEncoding.M1MaxDistance && shortBest < Infinite)
                    {
                        Relax(matchCost, matchStart, matchLink, j + 2, shortBest + 2, j, ((j - candidate2) << 3) | shortKind);
                    }

                    int count = FindCandidates(j, ip, inputEnd, length, head4, head3, tree, tableBase, candidateLength, candidateDistance, _maxDepth, _niceLength);
                    if (count == 0 || baseCost >= Infinite)
                    {
                        continue;
                    }

                    int longest = candidateLength[count - 1];
                    if (longest >= _skipLength)
                    {
                        int distance = candidateDistance[count - 1];
                        Relax(matchCost, matchStart, matchLink, j + longest, baseCost + LzoEncoding.MatchCost(longest, distance, 0), j, (distance << 3) | baseKind);
                        skipUntil = j + longest;
                        continue;
                    }

                    // Match costs are constant over ranges of lengths (by distance class), so relax range by range.
                    // A 3-byte match at 2049..3072 right after a run has the 2-byte M1' form.
                    int from = 3;
                    if (state4 + 2 < baseCost + 3)
                    {
                        int distance = candidateDistance[0];
                        if (distance >= LzoEncoding.M1LongMinDistance && distance <= LzoEncoding.M1LongMaxDistance)
                        {
                            Relax(matchCost, matchStart, matchLink, j + 3, state4 + 2, j, (distance << 3) | 4);
                            from = 4;
                        }
                    }

                    for (int k = 0; k < count; k++)
                    {
                        int to = candidateLength[k];
                        int distance = candidateDistance[k];
                        int link = (distance << 3) | baseKind;
                        int longFrom;
                        if (distance <= LzoEncoding.M2MaxDistance)
                        {
                            longFrom = 34;
                            RelaxRange(matchCost, matchStart, matchLink, j, from, to < 8 ? to : 8, baseCost + 2, link);
                            RelaxRange(matchCost, matchStart, matchLink, j, from > 9 ? from : 9, to < 33 ? to : 33, baseCost + 3, link);
                        }
                        else
                        {
                            int shortMax = distance <= LzoEncoding.M3MaxDistance ? 33 : 9;
                            longFrom = shortMax + 1;
                            RelaxRange(matchCost, matchStart, matchLink, j, from, to < shortMax ? to : shortMax, baseCost + 3, link);
                        }

                        for (int first = from > longFrom ? from : longFrom; first <= to;)
                        {
                            int last = longFrom + ((first - longFrom) / 255 * 255) + 254;
                            RelaxRange(matchCost, matchStart, matchLink, j, first, to < last ? to : last, baseCost + 4 + ((first - longFrom) / 255), link);
                            first = last + 1;
                        }

                        from = to + 1;
                    }
                }

                return Emit(input, length, output, matchCost, matchStart, matchLink, runCost, runStart);
            }
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static void Relax(int* matchCost, int* matchStart, int* matchLink, int end, int cost, int start, int link)
        {
            if (cost < matchCost[end])
            {
                matchCost[end] = cost;
                matchStart[end] = start;
                matchLink[end] = link;
            }
        }

        /// <summary>Relaxes the ends of matches from <paramref name="start"/> of lengths first..last, all costing <paramref name="cost"/>.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static void RelaxRange(int* matchCost, int* matchStart, int* matchLink, int start, int first, int last, int cost, int link)
        {
            for (int end = start + first; end <= start + last; end++)
            {
                if (cost < matchCost[end])
                {
                    matchCost[end] = cost;
                    matchStart[end] = start;
                    matchLink[end] = link;
                }
            }
        }

        /// <summary>Output bytes for <paramref name="count"/> literals following the node at <paramref name="from"/> (0 = stream start).</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
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

        /// <summary>Enters <paramref name="stored"/> (position plus the tables' base) into the short tables.</summary>
        private static void InsertShort(int stored, byte* ip, int* head3, int* head2)
        {
            head2[ip[0] | (ip[1] << 8)] = stored;
            head3[LzoMatchTables.Hash3(ByteMatching.Read24(ip), Hash3Bits)] = stored;
        }

        /// <summary>
        /// Matches at <paramref name="position"/> as (length, distance) pairs with strictly increasing length,
        /// each the nearest distance reaching that length; inserts the position into its tree. Returns the count.
        /// </summary>
        /// <remarks>
        /// Each 4-byte hash bucket holds a binary search tree of the positions in the window, ordered by the
        /// bytes that follow them and heap-ordered by age (the newest is the root). Searching for the current
        /// position visits, newest first, every position that is its nearest neighbour in byte order among the
        /// positions at least as new, so the first visited position with a common prefix of L bytes is the
        /// nearest one with L bytes: one walk yields the nearest distance for every length. The walk re-links
        /// the visited positions as the new root's subtrees. A match of niceLength bytes ends it (the matched
        /// position's subtrees are adopted), and so does a walk depth of maxDepth.
        /// </remarks>
        private static int FindCandidates(int position, byte* ip, byte* inputEnd, int length, int* head4, int* head3, int* tree, int tableBase, int* lengths, int* distances, int maxDepth, int niceLength)
        {
            int count = 0;
            int bestLength = 2;

            int* slot3 = head3 + LzoMatchTables.Hash3(ByteMatching.Read24(ip), Hash3Bits);
            int candidate3 = *slot3 - tableBase;
            *slot3 = tableBase + position;
            if ((uint)(position - candidate3) <= LzoEncoding.M1LongMaxDistance)
            {
                byte* c = ip - (position - candidate3);
                if (c[0] == ip[0] && c[1] == ip[1] && c[2] == ip[2])
                {
                    int matchLength = 3 + ByteMatching.MatchLength(ip + 3, c + 3, inputEnd);
                    lengths[count] = matchLength;
                    distances[count] = position - candidate3;
                    count++;
                    bestLength = matchLength;
                }
            }

            int remaining = length - position;
            int limit = remaining < niceLength ? remaining : niceLength;
            uint h4 = LzoMatchTables.Hash4(ByteMatching.Read32(ip), Hash4Bits);
            int node = head4[h4] - tableBase;
            head4[h4] = tableBase + position;
            int* smallerSlot = tree + (2 * position);
            int* largerSlot = smallerSlot + 1;
            int smallerLength = 0;
            int largerLength = 0;
            int depth = maxDepth;
            while (true)
            {
                int distance = position - node;
                if ((uint)distance > LzoEncoding.MaxDistance || depth-- == 0)
                {
                    *smallerSlot = NoPosition;
                    *largerSlot = NoPosition;
                    break;
                }

                byte* c = ip - distance;
                int* children = tree + (2 * node);
                int matchLength = smallerLength < largerLength ? smallerLength : largerLength;
                matchLength += ByteMatching.MatchLength(ip + matchLength, c + matchLength, ip + limit);
                if (matchLength > bestLength)
                {
                    // The 3-byte table's candidate may be nearer but shorter; keep lengths increasing.
                    if (count > 0 && distances[count - 1] > distance)
                    {
                        count--;
                    }

                    int fullLength = matchLength;
                    if (matchLength == limit && limit < remaining)
                    {
                        fullLength += ByteMatching.MatchLength(ip + limit, c + limit, inputEnd);
                    }

                    lengths[count] = fullLength;
                    distances[count] = distance;
                    count++;
                    bestLength = fullLength;
                }

                if (matchLength == limit)
                {
                    *smallerSlot = children[0];
                    *largerSlot = children[1];
                    break;
                }

                if (c[matchLength] < ip[matchLength])
                {
                    *smallerSlot = node;
                    smallerSlot = children + 1;
                    node = *smallerSlot;
                    smallerLength = matchLength;
                }
                else
                {
                    *largerSlot = node;
                    largerSlot = children;
                    node = *largerSlot;
                    largerLength = matchLength;
                }
            }

            return count;
        }

        private int Emit(byte* input, int length, byte* output, int* matchCost, int* matchStart, int* matchLink, int* runCost, int* runStart)
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
                node = PreviousNode(node, matchStart, matchLink, runStart);
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
                node = PreviousNode(node, matchStart, matchLink, runStart);
            }

            byte* op = output;
            int literalStart = 0;
            for (int m = 0; m < matches; m++)
            {
                int end = ends[m];
                int start = matchStart[end];
                int literals = start - literalStart;
                op = LzoEncoding.EmitLiterals(op, output, input + literalStart, literals, input + length);
                op = LzoEncoding.EmitMatch(op, end - start, matchLink[end] >> 3, literals >= 4 ? 4 : literals);
                literalStart = end;
            }

            op = LzoEncoding.EmitLiterals(op, output, input + literalStart, length - literalStart, input + length);
            op = LzoEncoding.EmitEnd(op);
            return (int)(op - output);
        }

        private static int PreviousNode(int node, int* matchStart, int* matchLink, int* runStart)
        {
            int start = matchStart[node];
            int kind = matchLink[node] & 7;
            return kind == 4 ? runStart[start] : start - kind;
        }

        private void EnsureCapacity(int length)
        {
            if (_matchCost.Length < length + 1)
            {
                int size = Math.Max(length + 1, 4096);
                _matchCost = new int[size];
                _matchStart = new int[size];
                _matchLink = new int[size];
                _runCost = new int[size];
                _runStart = new int[size];
            }
        }
    }
}
