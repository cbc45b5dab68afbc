using System;
using System.Runtime.CompilerServices;

namespace GolemImage.Compression.Lzo
{
    /// <summary>
    /// The match-finding memory of all three LZO encoders, with its hashes and its per-block reset defined once:
    /// a head table of 4-byte hashes (16-bit positions for Fastest, whose table must stay in L1; full positions
    /// otherwise), a nearest-3-byte table, an exact 2-byte table and a per-position link array (Optimal's hash
    /// chains, SmallestSize's binary trees). Each level takes the parts it searches; the memory is kept between
    /// blocks and belongs to one encoder instance, so to one thread at a time.
    /// </summary>
    internal sealed class LzoMatchTables
    {
        /// <summary>Far enough in the past that every distance test rejects it like a position out of the window.</summary>
        public const int NoPosition = int.MinValue / 2;

        // Bases stay below this, so that base + position and position - (NoPosition - base) never overflow.
        private const int BaseLimit = 1 << 29;

        private readonly int _linksPerPosition;
        private int _nextBase = int.MaxValue;

        private LzoMatchTables(int head16Bits, int head4Bits, int head3Bits, bool exact2, int linksPerPosition)
        {
            Head16 = head16Bits > 0 ? new ushort[1 << head16Bits] : Array.Empty<ushort>();
            Head4 = head4Bits > 0 ? new int[1 << head4Bits] : Array.Empty<int>();
            Head3 = head3Bits > 0 ? new int[1 << head3Bits] : Array.Empty<int>();
            Head2 = exact2 ? new int[1 << 16] : Array.Empty<int>();
            _linksPerPosition = linksPerPosition;
        }

        /// <summary>Fastest: the low 16 bits of the last position with each 4-byte hash (zero after a reset).</summary>
        public ushort[] Head16 { get; }

        /// <summary>
        /// What the current block adds to the positions it stores in <see cref="Head4"/>, <see cref="Head3"/> and
        /// <see cref="Head2"/> (and subtracts from what it reads there). Each block's base lies more than the LZO
        /// window above the previous block's positions, so an entry left by an earlier block reads as a position
        /// more than <see cref="LzoEncoding.MaxDistance"/> before this block's start, which every distance test
        /// rejects: the heads need not be emptied per block. Emptying them (192 KiB for Optimal, 768 KiB for
        /// SmallestSize) cost more than the search on the many small blocks of a tree of small files.
        /// </summary>
        public int Base { get; private set; }

        /// <summary>The last position with each 4-byte hash (plus <see cref="Base"/>), or <see cref="NoPosition"/>.</summary>
        public int[] Head4 { get; }

        /// <summary>The last position with each 3-byte hash (plus <see cref="Base"/>), or <see cref="NoPosition"/>.</summary>
        public int[] Head3 { get; }

        /// <summary>The last position with each 2-byte value (plus <see cref="Base"/>), or <see cref="NoPosition"/>.</summary>
        public int[] Head2 { get; }

        /// <summary>Per-position links of the current block; not cleared (each position's are written before they are read).</summary>
        public int[] Links { get; private set; } = Array.Empty<int>();

        public static LzoMatchTables ForFastest(int hashBits) => new LzoMatchTables(hashBits, 0, 0, false, 0);

        public static LzoMatchTables ForChains(int hash4Bits, int hash3Bits) => new LzoMatchTables(0, hash4Bits, hash3Bits, false, 1);

        public static LzoMatchTables ForTrees(int hash4Bits, int hash3Bits) => new LzoMatchTables(0, hash4Bits, hash3Bits, true, 2);

        /// <summary>Starts a block of <paramref name="length"/> bytes: moves <see cref="Base"/> past the last block (or empties the heads) and makes room for its links.</summary>
        public void Reset(int length)
        {
            Array.Clear(Head16, 0, Head16.Length);
            if (_nextBase > BaseLimit - length)
            {
                ByteMatching.Fill(Head4, NoPosition);
                ByteMatching.Fill(Head3, NoPosition);
                ByteMatching.Fill(Head2, NoPosition);
                _nextBase = 0;
            }

            Base = _nextBase;
            _nextBase += length + LzoEncoding.MaxDistance + 1;
            if (Links.Length < _linksPerPosition * length)
            {
                Links = new int[_linksPerPosition * Math.Max(length, 4096)];
            }
        }

        /// <summary>Hash of the 4 bytes in <paramref name="value"/> to <paramref name="bits"/> bits (a constant at every call).</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static uint Hash4(uint value, int bits) => (value * 0x1824429Du) >> (32 - bits);

        /// <summary>Hash of the low 3 bytes of <paramref name="value"/> to <paramref name="bits"/> bits.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static uint Hash3(uint value, int bits) => ((value & 0xFFFFFFu) * 0x1E35A7BDu) >> (32 - bits);
    }
}
