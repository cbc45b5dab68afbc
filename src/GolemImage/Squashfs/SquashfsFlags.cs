using System;

namespace GolemImage.Squashfs
{
    /// <summary>The superblock flags (u16 at offset 24). The kernel looks only at <see cref="CompressorOptions"/>; unsquashfs reports the rest.</summary>
    [Flags]
    public enum SquashfsFlags : ushort
    {
        None = 0,
        UncompressedInodes = 0x0001,
        UncompressedData = 0x0002,

        /// <summary>Unused since squashfs 4.0 (was "check").</summary>
        Check = 0x0004,
        UncompressedFragments = 0x0008,
        NoFragments = 0x0010,

        /// <summary>Tail ends of files are always packed into fragments.</summary>
        AlwaysFragments = 0x0020,
        Deduplicated = 0x0040,

        /// <summary>An export (NFS lookup) table is present.</summary>
        Exportable = 0x0080,
        UncompressedXattrs = 0x0100,
        NoXattrs = 0x0200,

        /// <summary>A compressor options metadata block follows the superblock at byte 96.</summary>
        CompressorOptions = 0x0400,

        /// <summary>squashfs-tools only.</summary>
        UncompressedIds = 0x0800,
    }
}
