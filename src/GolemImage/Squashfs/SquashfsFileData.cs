using System.Collections.Generic;

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

        public long Size { get; set; }

        public long StartBlock { get; set; }

        public List<uint> BlockSizes { get; } = new List<uint>();

        public uint FragmentIndex { get; set; } = NoFragment;

        public uint FragmentOffset { get; set; }

        /// <summary>Bytes not stored because they were in all-zero blocks.</summary>
        public long SparseBytes { get; set; }
    }
}
