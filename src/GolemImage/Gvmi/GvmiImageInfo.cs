using GolemImage.Squashfs;

namespace GolemImage.Gvmi
{
    /// <summary>What a .gvmi file says about itself: its trailer, its superblock, its size and (if asked for) its hash.</summary>
    public sealed class GvmiImageInfo
    {
        public GvmiImageInfo(string path, long size, SquashfsSuperblock superblock, GvmiTrailerInfo trailer, string? hash)
        {
            Path = path;
            Size = size;
            Superblock = superblock;
            Trailer = trailer;
            Hash = hash;
        }

        public string Path { get; }

        public long Size { get; }

        public SquashfsSuperblock Superblock { get; }

        public GvmiTrailerInfo Trailer { get; }

        /// <summary>SHA3-224 of the whole file, lowercase hex; null when not computed.</summary>
        public string? Hash { get; }
    }
}
