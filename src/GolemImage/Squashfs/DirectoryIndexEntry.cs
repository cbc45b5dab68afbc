namespace GolemImage.Squashfs
{
    /// <summary>
    /// One entry of an extended directory inode's index: where a header run of the listing starts, so that a lookup
    /// can skip to the right directory-table block instead of scanning the listing from its start.
    /// </summary>
    internal readonly struct DirectoryIndexEntry
    {
        public DirectoryIndexEntry(uint index, uint start, int slot)
        {
            Index = index;
            Start = start;
            Slot = slot;
        }

        /// <summary>The run's byte offset in the listing.</summary>
        public uint Index { get; }

        /// <summary>The directory-table block (its offset from the table start) holding the run's header.</summary>
        public uint Start { get; }

        /// <summary>The slot whose name the index entry carries (the run's first name).</summary>
        public int Slot { get; }
    }
}
