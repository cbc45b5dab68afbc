using System.Collections.Generic;

namespace GolemImage.Squashfs
{
    /// <summary>What a directory inode says about the listing <see cref="DirectoryWriter"/> wrote for it.</summary>
    internal readonly struct DirectoryListing
    {
        public DirectoryListing(long reference, long size, int entryCount, List<DirectoryIndexEntry> index)
        {
            Reference = reference;
            Size = size;
            EntryCount = entryCount;
            Index = index;
        }

        /// <summary>The 48/16 directory-table reference of the listing's first header.</summary>
        public long Reference { get; }

        /// <summary>The listing's uncompressed length in bytes.</summary>
        public long Size { get; }

        public int EntryCount { get; }

        /// <summary>An index entry per header run after the first; the writer reuses the list for the next listing.</summary>
        public List<DirectoryIndexEntry> Index { get; }
    }
}
