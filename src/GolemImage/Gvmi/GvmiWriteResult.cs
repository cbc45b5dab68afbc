using GolemImage.Squashfs;

namespace GolemImage.Gvmi
{
    /// <summary>The .gvmi file <see cref="GvmiImageWriter"/> produced.</summary>
    public sealed class GvmiWriteResult
    {
        public GvmiWriteResult(string path, long fileSize, SquashfsWriteResult squashfs)
        {
            Path = path;
            FileSize = fileSize;
            Squashfs = squashfs;
        }

        public string Path { get; }

        /// <summary>The whole file: squashfs, padding and trailer.</summary>
        public long FileSize { get; }

        /// <summary>The squashfs superblock's bytes_used (without padding).</summary>
        public long BytesUsed => Squashfs.BytesUsed;

        /// <summary>Where the trailer starts (the padded squashfs length).</summary>
        public long SquashfsSize => Squashfs.ImageSize;

        public uint InodeCount => Squashfs.InodeCount;

        public SquashfsWriteResult Squashfs { get; }
    }
}
