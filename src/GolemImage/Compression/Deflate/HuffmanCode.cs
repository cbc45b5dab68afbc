using System;

namespace GolemImage.Compression.Deflate
{
    /// <summary>
    /// A length-limited canonical Huffman code as deflate transmits it (RFC 1951 §3.2.2): code lengths per symbol,
    /// and the codes themselves bit-reversed, because deflate sends Huffman codes most significant bit first inside
    /// an otherwise least-significant-bit-first stream. One instance is rebuilt for every deflate block.
    /// </summary>
    internal sealed class HuffmanCode
    {
        private readonly int _maxBits;
        private readonly long[] _sortedLeaves;
        private readonly int[] _weights;
        private readonly int[] _parents;
        private readonly int[] _lengthCounts;

        public HuffmanCode(int symbolCount, int maxBits)
        {
            _maxBits = maxBits;
            Lengths = new byte[symbolCount];
            Codes = new ushort[symbolCount];
            _sortedLeaves = new long[symbolCount];
            _weights = new int[2 * symbolCount];
            _parents = new int[2 * symbolCount];
            _lengthCounts = new int[maxBits + 1];
        }

        public byte[] Lengths { get; }

        /// <summary>Bit-reversed canonical codes, ready for an LSB-first bit writer.</summary>
        public ushort[] Codes { get; }

        /// <summary>
        /// Optimal code lengths (no longer than the limit) for <paramref name="frequencies"/>. At least two symbols
        /// always get a code, even unused ones: inflate (zlib's, so the kernel's) accepts an incomplete code only in
        /// the form of a single one-bit code, and a two-symbol code is complete.
        /// </summary>
        public void Build(int[] frequencies)
        {
            int symbolCount = Lengths.Length;
            Array.Clear(Lengths, 0, symbolCount);
            int leafCount = 0;
            for (int symbol = 0; symbol < symbolCount; symbol++)
            {
                if (frequencies[symbol] != 0)
                {
                    _sortedLeaves[leafCount++] = ((long)frequencies[symbol] << 16) | (uint)symbol;
                }
            }

            for (int symbol = 0; leafCount < 2; symbol++)
            {
                if (frequencies[symbol] == 0)
                {
                    _sortedLeaves[leafCount++] = symbol;
                }
            }

            // Ascending by frequency, ties by symbol: the same lengths on every run and runtime.
            Array.Sort(_sortedLeaves, 0, leafCount);

            // Two-queue Huffman construction: leaves in sorted order, inner nodes in creation order (their weights
            // never decrease), so the two lightest nodes are always at one of the two queue heads.
            for (int i = 0; i < leafCount; i++)
            {
                _weights[i] = (int)(_sortedLeaves[i] >> 16);
            }

            int nextLeaf = 0, nextInner = leafCount, created = leafCount;
            for (int merge = 0; merge < leafCount - 1; merge++)
            {
                int first = nextLeaf < leafCount && (nextInner == created || _weights[nextLeaf] <= _weights[nextInner]) ? nextLeaf++ : nextInner++;
                int second = nextLeaf < leafCount && (nextInner == created || _weights[nextLeaf] <= _weights[nextInner]) ? nextLeaf++ : nextInner++;
                _weights[created] = _weights[first] + _weights[second];
                _parents[first] = created;
                _parents[second] = created;
                created++;
            }

            // Depths, root first (a parent is always created after its children). _weights is reused for them.
            int root = created - 1;
            _weights[root] = 0;
            Array.Clear(_lengthCounts, 0, _lengthCounts.Length);
            for (int node = root - 1; node >= 0; node--)
            {
                _weights[node] = _weights[_parents[node]] + 1;
                if (node < leafCount)
                {
                    _lengthCounts[Math.Min(_weights[node], _maxBits)]++;
                }
            }

            LimitLengths();

            // The lightest leaves take the longest codes.
            int leaf = 0;
            for (int length = _maxBits; length >= 1; length--)
            {
                for (int count = _lengthCounts[length]; count > 0; count--)
                {
                    Lengths[(int)(_sortedLeaves[leaf++] & 0xFFFF)] = (byte)length;
                }
            }

            AssignCodes();
        }

        /// <summary>Takes fixed code lengths (deflate's static code) and derives the codes.</summary>
        public void SetLengths(ReadOnlySpan<byte> lengths)
        {
            lengths.CopyTo(Lengths);
            AssignCodes();
        }

        /// <summary>Bits needed for the given symbol counts with this code.</summary>
        public long Cost(int[] frequencies, int count)
        {
            long bits = 0;
            for (int symbol = 0; symbol < count; symbol++)
            {
                bits += (long)frequencies[symbol] * Lengths[symbol];
            }

            return bits;
        }

        /// <summary>
        /// Deeper leaves were clamped to the limit, which over-fills the code space (Kraft sum above 1). Each step
        /// removes one code at the limit and splits the deepest shorter code into two one level down: the number of
        /// codes stays, the Kraft sum drops by exactly one unit of 2^-limit.
        /// </summary>
        private void LimitLengths()
        {
            long kraft = 0;
            for (int length = 1; length <= _maxBits; length++)
            {
                kraft += (long)_lengthCounts[length] << (_maxBits - length);
            }

            for (long excess = kraft - (1L << _maxBits); excess > 0; excess--)
            {
                _lengthCounts[_maxBits]--;
                for (int length = _maxBits - 1; length > 0; length--)
                {
                    if (_lengthCounts[length] != 0)
                    {
                        _lengthCounts[length]--;
                        _lengthCounts[length + 1] += 2;
                        break;
                    }
                }
            }
        }

        private void AssignCodes()
        {
            Span<int> nextCode = stackalloc int[16];
            Span<int> counts = stackalloc int[16];
            foreach (byte length in Lengths)
            {
                counts[length]++;
            }

            counts[0] = 0;
            int code = 0;
            for (int length = 1; length < 16; length++)
            {
                code = (code + counts[length - 1]) << 1;
                nextCode[length] = code;
            }

            for (int symbol = 0; symbol < Lengths.Length; symbol++)
            {
                int length = Lengths[symbol];
                if (length != 0)
                {
                    Codes[symbol] = Reverse(nextCode[length]++, length);
                }
            }
        }

        private static ushort Reverse(int code, int length)
        {
            int reversed = 0;
            for (int i = 0; i < length; i++)
            {
                reversed = (reversed << 1) | (code & 1);
                code >>= 1;
            }

            return (ushort)reversed;
        }
    }
}
