using System;
using System.Collections.Generic;

namespace GolemImage.Tree
{
    /// <summary>
    /// Every entry name of the tree in one store of 64 KiB chunks, addressed by a 32-bit reference (chunk, offset): a
    /// name costs its bytes, not an array object. Names are at most 255 bytes and never cross a chunk.
    /// </summary>
    internal sealed class NameArena
    {
        private const int ChunkBits = 16;
        private const int ChunkSize = 1 << ChunkBits;

        private readonly List<byte[]> _chunks = new List<byte[]>();
        private int _fill = ChunkSize;

        public uint Add(ReadOnlySpan<byte> name)
        {
            if (_fill + name.Length > ChunkSize)
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
            name.CopyTo(_chunks[_chunks.Count - 1].AsSpan(_fill));
            _fill += name.Length;
            return reference;
        }

        public ReadOnlySpan<byte> Get(uint reference, int length) =>
            _chunks[(int)(reference >> ChunkBits)].AsSpan((int)(reference & (ChunkSize - 1)), length);
    }
}
