namespace GolemImage.Squashfs
{
    /// <summary>
    /// The squashfs 4.0 numbers the writer and the readers share (squashfs-format.md §1); the superblock's own live in
    /// <see cref="SquashfsSuperblock"/>.
    /// </summary>
    public static class SquashfsFormat
    {
        /// <summary>Uncompressed size of every metadata block but a table's last; also the most one may hold.</summary>
        public const int MetadataBlockSize = 8192;

        /// <summary>Bit of a metadata block's u16 header: the payload is stored raw. The low 15 bits are its length.</summary>
        public const ushort MetadataUncompressed = 0x8000;

        /// <summary>Mask of the payload length in a metadata block header.</summary>
        public const ushort MetadataLengthMask = 0x7FFF;

        /// <summary>Bit of a data or fragment block's u32 size word: the block is stored raw.</summary>
        public const uint DataUncompressed = 0x01000000;

        /// <summary>The fragment index of a file whose tail is not in a fragment; also the "no xattrs" index.</summary>
        public const uint NoIndex = 0xFFFFFFFF;

        /// <summary>The most entries one directory header may cover (kernel and unsquashfs reject more).</summary>
        public const int MaxEntriesPerDirectoryHeader = 256;

        /// <summary>What the extended inode type adds to the basic one.</summary>
        public const int ExtendedTypeOffset = 7;
    }
}
