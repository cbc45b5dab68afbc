using System;

namespace GolemImage.Squashfs
{
    /// <summary>
    /// Where a regular file's content lives in the image: a handle on the file's record in a
    /// <see cref="FileDataStore"/> (a million files are a million records, not objects). The reading thread sets the
    /// size and fragment; the block writer sets the start and the block size words (in order), and for a duplicate
    /// candidate also the rest (a copy of the original's location, or its own short last block after a hash
    /// collision). Read only after the block processor has finished. Duplicates the reading thread confirms itself
    /// share the original's record.
    /// </summary>
    internal readonly struct SquashfsFileData
    {
        public const uint NoFragment = SquashfsFormat.NoIndex;

        /// <summary>Set in a block size word when the block is stored raw; the low 24 bits are the stored size.</summary>
        public const uint UncompressedBit = SquashfsFormat.DataUncompressed;

        public const uint StoredSizeMask = 0x00FFFFFF;

        private readonly FileDataStore _store;

        internal SquashfsFileData(FileDataStore store, int index)
        {
            _store = store;
            Index = index;
        }

        /// <summary>The record's index in its store.</summary>
        public int Index { get; }

        public long Size
        {
            get => _store.At(Index).Size;
            set => _store.At(Index).Size = value;
        }

        public long StartBlock
        {
            get => _store.StartBlock(Index);
            set => _store.SetStartBlock(Index, value);
        }

        /// <summary>The block size words, in order.</summary>
        public ReadOnlySpan<uint> BlockSizes => _store.Words(Index);

        public int BlockCount => _store.BlockCount(Index);

        public uint FragmentIndex
        {
            get => _store.At(Index).FragmentIndex;
            set => _store.At(Index).FragmentIndex = value;
        }

        public uint FragmentOffset
        {
            get => _store.At(Index).FragmentOffset;
            set => _store.At(Index).FragmentOffset = value;
        }

        public void AddBlock(uint sizeWord) => _store.AddWord(Index, sizeWord);

        /// <summary>Points this file at <paramref name="original"/>'s block list (shared until either adds a block).</summary>
        public void UseBlocksOf(SquashfsFileData original) => _store.ShareWords(Index, original.Index);
    }
}
