using System;
using System.Runtime.InteropServices;
using System.Threading;
using GolemImage.Tree;

namespace GolemImage.Squashfs
{
    /// <summary>
    /// Every regular file's <see cref="SquashfsFileData"/> as a record in chunks, plus all block size words in one
    /// array: no object per file. Records are added on the reading thread and filled in by it and by the block
    /// writer's thread; a record's index reaches the writer through the block processor's queue, after its chunk
    /// exists, and the chunk directory is published with a release write, so the writer never sees a chunk missing.
    /// What only files with data blocks have (start, block words) is a second record, made and used on the writer's
    /// thread alone and read after it has finished: most files of a large tree fit in a fragment.
    /// </summary>
    internal sealed class FileDataStore
    {
        private const int ChunkBits = 12;
        private const int ChunkSize = 1 << ChunkBits;
        private const int ChunkMask = ChunkSize - 1;

        private Record[][] _chunks = new Record[4][];
        private readonly RecordList<BlockRecord> _blockRecords = new RecordList<BlockRecord>();
        private int _count;
        private uint[] _words = new uint[1024];
        private int _wordCount;

        public int Count => _count;

        /// <summary>A new file: size 0, no blocks, no fragment.</summary>
        public SquashfsFileData Create()
        {
            int index = _count;
            int chunk = index >> ChunkBits;
            Record[][] chunks = _chunks;
            if (chunk == chunks.Length)
            {
                var grown = new Record[chunks.Length * 2][];
                Array.Copy(chunks, grown, chunks.Length);
                chunks = grown;
            }

            if (chunks[chunk] == null)
            {
                chunks[chunk] = new Record[ChunkSize];
            }

            Volatile.Write(ref _chunks, chunks);
            chunks[chunk][index & ChunkMask] = new Record { FragmentIndex = SquashfsFileData.NoFragment };
            _count = index + 1;
            return new SquashfsFileData(this, index);
        }

        public SquashfsFileData Get(int index) => new SquashfsFileData(this, index);

        internal ref Record At(int index) => ref Volatile.Read(ref _chunks)[index >> ChunkBits][index & ChunkMask];

        internal ReadOnlySpan<uint> Words(int index)
        {
            int blocks = At(index).Blocks;
            if (blocks == 0)
            {
                return ReadOnlySpan<uint>.Empty;
            }

            ref BlockRecord record = ref _blockRecords[blocks - 1];
            return _words.AsSpan(record.FirstWord, record.BlockCount);
        }

        internal int BlockCount(int index)
        {
            int blocks = At(index).Blocks;
            return blocks == 0 ? 0 : _blockRecords[blocks - 1].BlockCount;
        }

        internal long StartBlock(int index)
        {
            int blocks = At(index).Blocks;
            return blocks == 0 ? 0 : _blockRecords[blocks - 1].StartBlock;
        }

        internal void SetStartBlock(int index, long start)
        {
            if (start != 0 || At(index).Blocks != 0)
            {
                Blocks(index).StartBlock = start;
            }
        }

        /// <summary>Appends a word to the file's list; a list that is not the last in the array (shared, or another file's came after) moves to the end first.</summary>
        internal void AddWord(int index, uint word)
        {
            ref BlockRecord record = ref Blocks(index);
            if (record.FirstWord + record.BlockCount != _wordCount || record.BlockCount == 0)
            {
                EnsureWords(record.BlockCount + 1);
                _words.AsSpan(record.FirstWord, record.BlockCount).CopyTo(_words.AsSpan(_wordCount));
                record.FirstWord = _wordCount;
                _wordCount += record.BlockCount;
            }
            else
            {
                EnsureWords(1);
            }

            _words[_wordCount++] = word;
            record.BlockCount++;
        }

        /// <summary>Points the file at <paramref name="original"/>'s list (shared until either adds a word).</summary>
        internal void ShareWords(int index, int original)
        {
            if (BlockCount(index) == 0 && BlockCount(original) == 0)
            {
                return;
            }

            ref BlockRecord record = ref Blocks(index);
            ref BlockRecord from = ref Blocks(original);
            if (record.BlockCount > 0 && record.FirstWord + record.BlockCount == _wordCount && record.FirstWord != from.FirstWord)
            {
                // The file's own list was the last one: give its words back.
                _wordCount = record.FirstWord;
            }

            record.FirstWord = from.FirstWord;
            record.BlockCount = from.BlockCount;
        }

        private ref BlockRecord Blocks(int index)
        {
            ref Record record = ref At(index);
            if (record.Blocks == 0)
            {
                record.Blocks = _blockRecords.Add(default) + 1;
            }

            return ref _blockRecords[record.Blocks - 1];
        }

        private void EnsureWords(int more)
        {
            if (_wordCount + more > _words.Length)
            {
                Array.Resize(ref _words, Math.Max(_wordCount + more, _words.Length * 2));
            }
        }

        // Packed to 4 bytes: 20 bytes a file instead of 24 (4 MB at a million files), and a chunk of 4,096 records
        // stays under the large object heap's 85,000 bytes. Size is written on the reading thread before the record's
        // index is handed to the writer, so no access to it needs to be atomic.
        [StructLayout(LayoutKind.Sequential, Pack = 4)]
        internal struct Record
        {
            public long Size;
            public uint FragmentIndex;
            public uint FragmentOffset;

            /// <summary>The file's <see cref="BlockRecord"/> + 1; 0 while it has none.</summary>
            public int Blocks;
        }

        private struct BlockRecord
        {
            public long StartBlock;
            public int FirstWord;
            public int BlockCount;
        }
    }
}
