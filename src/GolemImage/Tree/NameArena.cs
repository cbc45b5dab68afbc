using System;
using System.Collections.Generic;

namespace GolemImage.Tree
{
    /// <summary>
    /// Every entry name of the tree in one store of 64 KiB chunks, addressed by a 32-bit reference (chunk, offset): a
    /// name costs its bytes and a length byte before them, not an array object. Names are 1 to 255 bytes and never
    /// cross a chunk.
    /// </summary>
    internal sealed class NameArena
    {
        private const int ChunkBits = 16;
        private const int ChunkSize = 1 << ChunkBits;

        private readonly List<byte[]> _chunks = new List<byte[]>();
        private int _fill = ChunkSize;

        public uint Add(ReadOnlySpan<byte> name)
        {
            if (_fill + 1 + name.Length > ChunkSize)
            {
                if (_chunks.Count == 1 << (32 - ChunkBits))
                {
                    // 4 GiB of names: the records of that many entries would not fit in a process either.
                    throw new InvalidOperationException("The entry names of the tree exceed 4 GiB.");
                }

                _chunks.Add(new byte[ChunkSize]);
                _fill = 0;
            }

            uint reference = ((uint)(_chunks.Count - 1) << ChunkBits) | (uint)_fill;
            byte[] chunk = _chunks[_chunks.Count - 1];
            chunk[_fill] = (byte)name.Length;
            name.CopyTo(chunk.AsSpan(_fill + 1));
            _fill += 1 + name.Length;
            return reference;
        }

        public ReadOnlySpan<byte> Get(uint reference)
        {
            byte[] chunk = _chunks[(int)(reference >> ChunkBits)];
            int offset = (int)(reference & (ChunkSize - 1));
            return chunk.AsSpan(offset + 1, chunk[offset]);
        }
    }
}
