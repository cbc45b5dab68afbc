namespace GolemImage.Compression.Xz
{
    /// <summary>
    /// What the squashfs xz options block records about an <see cref="XzBlockCompressor"/>: the dictionary size
    /// the kernel must preallocate (every stream's dictionary is at most this) and the filters bitmap as mksquashfs
    /// writes it (<see cref="X86Filter"/> when data blocks may use the x86 BCJ filter).
    /// </summary>
    public sealed class XzOptions
    {
        /// <summary>The filters-bitmap bit for the x86 BCJ filter (mksquashfs -Xbcj x86).</summary>
        public const uint X86Filter = 0x1;

        public XzOptions(int dictionarySize, uint filters)
        {
            DictionarySize = dictionarySize;
            Filters = filters;
        }

        public int DictionarySize { get; }

        public uint Filters { get; }

        public bool UsesX86Filter => (Filters & X86Filter) != 0;
    }
}
