namespace GolemImage.Squashfs
{
    /// <summary>What <see cref="SquashfsWriter.FinishAsync"/> wrote.</summary>
    public sealed class SquashfsWriteResult
    {
        /// <summary>The superblock's bytes_used: the filesystem without the 4 KiB padding.</summary>
        public long BytesUsed { get; internal set; }

        /// <summary>The image length including the padding to a multiple of 4096.</summary>
        public long ImageSize { get; internal set; }

        public uint InodeCount { get; internal set; }

        public uint FragmentCount { get; internal set; }

        public int IdCount { get; internal set; }

        public int XattrIdCount { get; internal set; }

        public long EntriesAdded { get; internal set; }

        public long FilesAdded { get; internal set; }

        public long DataBytesRead { get; internal set; }

        /// <summary>Files stored once already: byte-identical to an earlier file, they share its data.</summary>
        public long DuplicateFiles { get; internal set; }

        /// <summary>Files that differ from every earlier file but whose full blocks equal an earlier file's: they share those blocks.</summary>
        public long SharedBlockRuns { get; internal set; }

        /// <summary>Files with an earlier file's size and XxHash128 but different bytes (each stored separately, with a warning).</summary>
        public long ContentHashCollisions { get; internal set; }
    }
}
