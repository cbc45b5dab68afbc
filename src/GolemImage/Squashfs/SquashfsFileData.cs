using System;

namespace GolemImage.Squashfs
{
    /// <summary>
    /// Where a regular file's content lives in the image. The reading thread sets the size and fragment; the block
    /// writer sets the start and the block size words (in order), and for a duplicate candidate also the rest (a copy
    /// of the original's location, or its own short last block after a hash collision). Read only after the block
    /// processor has finished. Duplicates the reading thread confirms itself share the original's instance.
    /// </summary>
    internal sealed class SquashfsFileData
    {
        public const uint NoFragment = SquashfsFormat.NoIndex;

        /// <summary>Set in a block size word when the block is stored raw; the low 24 bits are the stored size.</summary>
        public const uint UncompressedBit = SquashfsFormat.DataUncompressed;

        public const uint StoredSizeMask = 0x00FFFFFF;

        // A plain array, empty (shared, no allocation) for the many files that fit in a fragment: one object per file.
        private uint[] _blocks = Array.Empty<uint>();
        private bool _blocksShared;

        public long Size { get; set; }

        public long StartBlock { get; set; }

        /// <summary>The block size words, in order.</summary>
        public ReadOnlySpan<uint> BlockSizes => _blocks.AsSpan(0, BlockCount);

        public int BlockCount { get; private set; }

        public uint FragmentIndex { get; set; } = NoFragment;

        public uint FragmentOffset { get; set; }

        /// <summary>Bytes not stored because they were in all-zero blocks.</summary>
        public long SparseBytes { get; set; }

        public void AddBlock(uint sizeWord)
        {
            if (BlockCount == _blocks.Length || _blocksShared)
            {
                var grown = new uint[Math.Max(4, BlockCount * 2)];
                _blocks.AsSpan(0, BlockCount).CopyTo(grown);
                _blocks = grown;
                _blocksShared = false;
            }

            _blocks[BlockCount++] = sizeWord;
        }

        /// <summary>Points this file at <paramref name="original"/>'s block list (shared until either adds a block).</summary>
        public void UseBlocksOf(SquashfsFileData original)
        {
            _blocks = original._blocks;
            BlockCount = original.BlockCount;
            _blocksShared = true;
            original._blocksShared = true;
        }
    }
}
