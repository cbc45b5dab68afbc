using System;

namespace GolemImage.Compression.Xz
{
    /// <summary>
    /// Finds, for each position of one block, the nearest earlier occurrence of every match length (strictly
    /// increasing lengths, each at the smallest distance found): hashed 2-byte and 3-byte heads for the short
    /// ones, then either a binary search tree per 4-byte hash bucket (newest position at the root, walk depth
    /// bounded: every candidate on the walk is a closer or longer match, so few steps find much) or, for the fast
    /// level, a plain hash chain (a skipped position costs only its hash insert).
    /// The whole block is the window, so no position ever wraps. Table entries hold the position plus a per-block
    /// base: entries of earlier blocks are below the base and read as empty, so the tables are never cleared
    /// between blocks. Every position must be passed to <see cref="Find"/> or <see cref="Skip"/> once, in order.
    /// </summary>
    internal sealed unsafe class LzmaMatchFinder
    {
        private const int Hash2Bits = 10;
        private const int Hash3Bits = 16;
        private const int Hash4Bits = 16;
        private const uint Multiplier = 2654435761u;

        private readonly uint[] _hash2 = new uint[1 << Hash2Bits];
        private readonly uint[] _hash3 = new uint[1 << Hash3Bits];
        private readonly uint[] _hash4 = new uint[1 << Hash4Bits];
        private uint[] _son = Array.Empty<uint>();
        private uint _base;
        private int _previousLength;

        private readonly bool _chain;

        public LzmaMatchFinder(int niceLength, int depth, bool chain)
        {
            NiceLength = niceLength;
            Depth = depth;
            _chain = chain;
        }

        public int NiceLength { get; }

        public int Depth { get; }

        /// <summary>Starts a block of <paramref name="length"/> bytes.</summary>
        public void Reset(int length)
        {
            if (_son.Length < 2 * length)
            {
                _son = new uint[2 * length];
            }

            if (_base == 0 || (ulong)_base + (ulong)_previousLength + (ulong)length + 2 >= uint.MaxValue)
            {
                Array.Clear(_hash2, 0, _hash2.Length);
                Array.Clear(_hash3, 0, _hash3.Length);
                Array.Clear(_hash4, 0, _hash4.Length);
                _base = 1;
            }
            else
            {
                _base += (uint)_previousLength + 1;
            }

            _previousLength = length;
        }

        /// <summary>
        /// Writes (length, distance - 1) pairs with increasing lengths up to min(nice length, bytes left) into
        /// <paramref name="pairs"/> and returns how many pairs.
        /// </summary>
        public int Find(byte* data, int length, int position, int* pairs)
        {
            int available = length - position;
            if (available < 4)
            {
                return 0;
            }

            int limit = Math.Min(NiceLength, available);
            byte* current = data + position;
            uint value = *(uint*)current;
            uint h2 = ((value & 0xFFFF) * Multiplier) >> (32 - Hash2Bits);
            uint h3 = ((value & 0xFFFFFF) * Multiplier) >> (32 - Hash3Bits);
            uint h4 = (value * Multiplier) >> (32 - Hash4Bits);
            fixed (uint* hash2 = _hash2)
            fixed (uint* hash3 = _hash3)
            fixed (uint* hash4 = _hash4)
            fixed (uint* son = _son)
            {
                uint self = _base + (uint)position;
                uint candidate2 = hash2[h2];
                uint candidate3 = hash3[h3];
                uint head = hash4[h4];
                hash2[h2] = self;
                hash3[h3] = self;
                hash4[h4] = self;
                int count = 0;
                int best = 1;
                if (candidate2 >= _base && *(ushort*)(current - (self - candidate2)) == (ushort)value)
                {
                    int distance = (int)(self - candidate2);
                    int len = 2 + CommonLength(current + 2, current + 2 - distance, limit - 2);
                    best = len;
                    pairs[0] = len;
                    pairs[1] = distance - 1;
                    count = 1;
                }

                if (candidate3 >= _base && candidate3 != candidate2)
                {
                    int distance = (int)(self - candidate3);
                    byte* match = current - distance;
                    if (match[0] == current[0] && match[1] == current[1] && match[2] == current[2])
                    {
                        int len = 3 + CommonLength(current + 3, match + 3, limit - 3);
                        if (len > best)
                        {
                            best = len;
                            pairs[2 * count] = len;
                            pairs[(2 * count) + 1] = distance - 1;
                            count++;
                        }
                    }
                }

                if (_chain)
                {
                    son[position] = head;
                    return best >= limit ? count : WalkChain(data, son, position, head, limit, best, count, pairs);
                }

                if (best >= limit)
                {
                    Insert(data, son, position, head, limit);
                    return count;
                }

                uint* left = son + (2 * position);
                uint* right = left + 1;
                int leftLength = 0;
                int rightLength = 0;
                uint node = head;
                uint baseValue = _base;
                int depth = Depth;
                while (true)
                {
                    if (node < baseValue || depth-- == 0)
                    {
                        *left = 0;
                        *right = 0;
                        return count;
                    }

                    int nodePosition = (int)(node - baseValue);
                    byte* match = data + nodePosition;
                    int len = Math.Min(leftLength, rightLength);
                    if (match[len] == current[len])
                    {
                        len += 1 + CommonLength(match + len + 1, current + len + 1, limit - len - 1);

                        if (len > best)
                        {
                            best = len;
                            pairs[2 * count] = len;
                            pairs[(2 * count) + 1] = position - nodePosition - 1;
                            count++;
                            if (len >= limit)
                            {
                                *left = son[2 * nodePosition];
                                *right = son[(2 * nodePosition) + 1];
                                return count;
                            }
                        }
                    }

                    if (match[len] < current[len])
                    {
                        *left = node;
                        left = son + (2 * nodePosition) + 1;
                        node = *left;
                        leftLength = len;
                    }
                    else
                    {
                        *right = node;
                        right = son + (2 * nodePosition);
                        node = *right;
                        rightLength = len;
                    }
                }
            }
        }

        /// <summary>Adds <paramref name="position"/> to the tables without reporting matches.</summary>
        public void Skip(byte* data, int length, int position)
        {
            int available = length - position;
            if (available < 4)
            {
                return;
            }

            int limit = Math.Min(NiceLength, available);
            uint value = *(uint*)(data + position);
            uint h3 = ((value & 0xFFFFFF) * Multiplier) >> (32 - Hash3Bits);
            uint h4 = (value * Multiplier) >> (32 - Hash4Bits);
            uint self = _base + (uint)position;
            _hash2[((value & 0xFFFF) * Multiplier) >> (32 - Hash2Bits)] = self;
            _hash3[h3] = self;
            uint head = _hash4[h4];
            _hash4[h4] = self;
            if (_chain)
            {
                _son[position] = head;
                return;
            }

            fixed (uint* son = _son)
            {
                Insert(data, son, position, head, limit);
            }
        }

        private int WalkChain(byte* data, uint* chain, int position, uint node, int limit, int best, int count, int* pairs)
        {
            byte* current = data + position;
            uint baseValue = _base;
            int depth = Depth;
            while (node >= baseValue && depth-- != 0)
            {
                int nodePosition = (int)(node - baseValue);
                byte* match = data + nodePosition;
                if (match[best] == current[best] && *(ushort*)match == *(ushort*)current)
                {
                    int len = CommonLength(current, match, limit);
                    if (len > best)
                    {
                        best = len;
                        pairs[2 * count] = len;
                        pairs[(2 * count) + 1] = position - nodePosition - 1;
                        count++;
                        if (len >= limit)
                        {
                            break;
                        }
                    }
                }

                node = chain[nodePosition];
            }

            return count;
        }

        private void Insert(byte* data, uint* son, int position, uint node, int limit)
        {
            byte* current = data + position;
            uint* left = son + (2 * position);
            uint* right = left + 1;
            int leftLength = 0;
            int rightLength = 0;
            uint baseValue = _base;
            int depth = Depth;
            while (true)
            {
                if (node < baseValue || depth-- == 0)
                {
                    *left = 0;
                    *right = 0;
                    return;
                }

                int nodePosition = (int)(node - baseValue);
                byte* match = data + nodePosition;
                int len = Math.Min(leftLength, rightLength);
                if (match[len] == current[len])
                {
                    len += 1 + CommonLength(match + len + 1, current + len + 1, limit - len - 1);

                    if (len >= limit)
                    {
                        *left = son[2 * nodePosition];
                        *right = son[(2 * nodePosition) + 1];
                        return;
                    }
                }

                if (match[len] < current[len])
                {
                    *left = node;
                    left = son + (2 * nodePosition) + 1;
                    node = *left;
                    leftLength = len;
                }
                else
                {
                    *right = node;
                    right = son + (2 * nodePosition);
                    node = *right;
                    rightLength = len;
                }
            }
        }

        /// <summary>How many bytes of <paramref name="a"/> and <paramref name="b"/> agree, at most <paramref name="limit"/>.</summary>
        public static int CommonLength(byte* a, byte* b, int limit)
        {
            int len = 0;
            while (len + 8 <= limit)
            {
                ulong x = *(ulong*)(a + len) ^ *(ulong*)(b + len);
                if (x != 0)
                {
                    return len + (TrailingZeroCount(x) >> 3);
                }

                len += 8;
            }

            while (len < limit && a[len] == b[len])
            {
                len++;
            }

            return len;
        }

        private static int TrailingZeroCount(ulong x)
        {
#if NET8_0_OR_GREATER
            return System.Numerics.BitOperations.TrailingZeroCount(x);
#else
            int n = 0;
            while ((x & 0xFF) == 0)
            {
                x >>= 8;
                n += 8;
            }

            while ((x & 1) == 0)
            {
                x >>= 1;
                n++;
            }

            return n;
#endif
        }
    }
}
