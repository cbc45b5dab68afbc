using System;
using System.Runtime.CompilerServices;

namespace GolemImage.Compression.Lzo
{
    /// <summary>
    /// The LZO1X-1 class encoder (CompressionLevel.Fastest): one 4-byte hash probe per position, no chains,
    /// and a skip-ahead that grows with the length of the current literal run so incompressible data costs
    /// almost nothing. Written from the stream format and the algorithm outline in squashfs-format.md §3.2.
    /// </summary>
    internal sealed unsafe class LzoFastEncoder
    {
        private const int HashBits = 14;

        // The low 16 bits of the last position with each hash (32 KiB, so the table stays in L1). The distance is
        // recovered modulo 65536, which is exact for every distance LZO can encode (< 49152); a stale or wrapped
        // entry only yields a wrong candidate, which the byte comparison rejects. Reused between blocks.
        private readonly LzoMatchTables _tables = LzoMatchTables.ForFastest(HashBits);

        /// <summary>Encodes <paramref name="length"/> bytes; <paramref name="output"/> has room for MaxEncodedLength.</summary>
        [MethodImpl(ByteMatching.AggressiveOptimization)]
        public int Encode(byte* input, int length, byte* output)
        {
            byte* op = output;
            byte* inputEnd = input + length;
            byte* literalStart = input;

            if (length >= 8)
            {
                _tables.Reset(length);
                fixed (ushort* table = _tables.Head16)
                {
                    byte* ip = input + 1;
                    byte* searchEnd = inputEnd - 4;
                    while (ip <= searchEnd)
                    {
                        uint current = ByteMatching.Read32(ip);
                        uint hash = LzoMatchTables.Hash4(current, HashBits);
                        uint position = (uint)(ip - input);
                        uint distance = (ushort)(position - table[hash]);
                        table[hash] = (ushort)position;
                        // The candidate never lies before the block: the table holds this block's positions only (it
                        // is cleared per block), so the distance is at most the position, and after the 16-bit wrap
                        // it is below 65536 <= position. Distance 0 (an entry exactly 65536 back) is refused here.
                        if (distance - 1 >= LzoEncoding.MaxDistance || ByteMatching.Read32(ip - distance) != current)
                        {
                            ip += 1 + ((ip - literalStart) >> 5);
                            continue;
                        }

                        // Skipping ahead may have jumped past the real start of the repeat.
                        byte* candidate = ip - distance;
                        while (ip > literalStart && candidate > input && ip[-1] == candidate[-1])
                        {
                            ip--;
                            candidate--;
                        }

                        int literalCount = (int)(ip - literalStart);
                        op = LzoEncoding.EmitLiterals(op, output, literalStart, literalCount, inputEnd);
                        int state = literalCount >= 4 ? 4 : literalCount;
                        int matchLength = 4 + ByteMatching.MatchLength(ip + 4, candidate + 4, inputEnd);
                        op = LzoEncoding.EmitMatch(op, matchLength, (int)(ip - candidate), state);
                        ip += matchLength;
                        literalStart = ip;
                    }
                }
            }

            op = LzoEncoding.EmitLiterals(op, output, literalStart, (int)(inputEnd - literalStart), inputEnd);
            op = LzoEncoding.EmitEnd(op);
            return (int)(op - output);
        }
    }
}
