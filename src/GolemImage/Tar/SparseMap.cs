using System;

namespace GolemImage.Tar
{
    /// <summary>
    /// The data regions of a sparse file: (offset, length) pairs in file order. The archive stores only these
    /// regions, back to back; everything between them reads as zeros.
    /// </summary>
    internal sealed class SparseMap
    {
        /// <summary>Bound on regions so that a hostile chain of old-GNU extension headers cannot exhaust memory.</summary>
        public const int MaxRegions = 1 << 20;

        private long[] _offsets = new long[8];
        private long[] _lengths = new long[8];

        public int Count { get; private set; }

        public long Offset(int index) => _offsets[index];

        public long End(int index) => _offsets[index] + _lengths[index];

        /// <summary>Adds a region; false when there are already <see cref="MaxRegions"/>.</summary>
        public bool Add(long offset, long length)
        {
            if (Count == MaxRegions)
            {
                return false;
            }

            if (Count == _offsets.Length)
            {
                Array.Resize(ref _offsets, Count * 2);
                Array.Resize(ref _lengths, Count * 2);
            }

            _offsets[Count] = offset;
            _lengths[Count] = length;
            Count++;
            return true;
        }

        /// <summary>
        /// Checks that the regions are in order, do not overlap, lie inside the logical size, and together account
        /// for exactly the stored data; returns a problem description or null.
        /// </summary>
        public string? Validate(long logicalSize, long storedSize)
        {
            long previousEnd = 0;
            long total = 0;
            for (var i = 0; i < Count; i++)
            {
                var offset = _offsets[i];
                var length = _lengths[i];
                if (offset < 0 || length < 0 || offset > logicalSize || length > logicalSize - offset)
                {
                    return $"sparse region {i} (offset {offset}, length {length}) lies outside the file's size of {logicalSize} bytes";
                }

                if (offset < previousEnd)
                {
                    return $"sparse region {i} (offset {offset}) overlaps or precedes the region before it (ending at {previousEnd})";
                }

                previousEnd = offset + length;
                total += length;
            }

            if (total != storedSize)
            {
                return $"the sparse map describes {total} data bytes but the archive stores {storedSize}";
            }

            return null;
        }
    }
}
