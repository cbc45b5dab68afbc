using System;

namespace GolemImage.Tree
{
    /// <summary>
    /// A growing list of records kept in fixed-size chunks: growing never copies what is there (no doubling peak at a
    /// million records) and a <c>ref</c> to a record stays valid while more are added.
    /// </summary>
    internal sealed class RecordList<T>
    {
        private const int ChunkBits = 12;
        private const int ChunkSize = 1 << ChunkBits;
        private const int ChunkMask = ChunkSize - 1;

        private T[][] _chunks = new T[4][];

        public int Count { get; private set; }

        public ref T this[int index] => ref _chunks[index >> ChunkBits][index & ChunkMask];

        public int Add(T item)
        {
            int index = Count;
            int chunk = index >> ChunkBits;
            if (chunk == _chunks.Length)
            {
                Array.Resize(ref _chunks, _chunks.Length * 2);
            }

            if (_chunks[chunk] == null)
            {
                _chunks[chunk] = new T[ChunkSize];
            }

            _chunks[chunk][index & ChunkMask] = item;
            Count = index + 1;
            return index;
        }
    }
}
