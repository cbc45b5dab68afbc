using System;
using System.Collections.Generic;

namespace GolemImage.Tree
{
    /// <summary>
    /// The metadata of one filesystem entry as it arrives from a tar stream (or any other source): a normalised
    /// relative path of raw bytes ("" is the root), its type and attributes. File content travels separately.
    /// </summary>
    public sealed class TreeEntry
    {
        public TreeEntry(byte[] path, TreeEntryType type)
        {
            Path = path ?? throw new ArgumentNullException(nameof(path));
            Type = type;
        }

        public byte[] Path { get; }

        /// <summary>The path as shown in messages; defaults to a lossy UTF-8 decoding of <see cref="Path"/>.</summary>
        public string? DisplayPath { get; set; }

        public TreeEntryType Type { get; }

        /// <summary>Symlink target verbatim, or the hard-link target path (normalised like <see cref="Path"/>).</summary>
        public byte[]? LinkTarget { get; set; }

        /// <summary>Permission bits including setuid/setgid/sticky (&amp; 07777).</summary>
        public int Mode { get; set; }

        public long Uid { get; set; }

        public long Gid { get; set; }

        /// <summary>Unix seconds; any value (the writer clamps to what squashfs can hold).</summary>
        public long ModificationTime { get; set; }

        public int DeviceMajor { get; set; }

        public int DeviceMinor { get; set; }

        public IReadOnlyList<TreeXattr> Xattrs { get; set; } = Array.Empty<TreeXattr>();

        /// <summary>Where the entry came from (tar header offset), for messages; -1 when unknown.</summary>
        public long SourceOffset { get; set; } = -1;

        internal string Display => DisplayPath ?? ByteNames.ToDisplay(Path);
    }
}
