namespace GolemImage.Squashfs
{
    /// <summary>One fragment-table entry: where the fragment block starts and its size word (bit 24 = stored raw).</summary>
    internal readonly struct FragmentLocation
    {
        public FragmentLocation(long start, uint sizeWord)
        {
            Start = start;
            SizeWord = sizeWord;
        }

        public long Start { get; }

        public uint SizeWord { get; }
    }
}
