using System.Collections.Generic;
using GolemImage.Squashfs;

namespace GolemImage.Tree
{
    /// <summary>
    /// One inode of the in-memory tree. Several directory entries may point at the same node (hard links); a
    /// directory node owns its children by name. Fields set during serialisation live here too, to keep memory at
    /// one object per inode.
    /// </summary>
    internal sealed class TreeNode
    {
        public TreeNode(TreeEntryType type)
        {
            Type = type;
            if (type == TreeEntryType.Directory)
            {
                Children = new Dictionary<byte[], TreeNode>(ByteNames.EqualityComparer);
            }
        }

        public TreeEntryType Type { get; }

        public int Mode { get; set; }

        public uint Uid { get; set; }

        public uint Gid { get; set; }

        public uint ModificationTime { get; set; }

        /// <summary>Xattrs sorted by full name, or null.</summary>
        public List<TreeXattr>? Xattrs { get; set; }

        public byte[]? SymlinkTarget { get; set; }

        public uint DeviceNumber { get; set; }

        public SquashfsFileData? Data { get; set; }

        public Dictionary<byte[], TreeNode>? Children { get; }

        /// <summary>For a hard-link placeholder: the target path, and the link's own path for messages.</summary>
        public byte[]? HardLinkTarget { get; set; }

        public string? HardLinkDisplay { get; set; }

        /// <summary>Whether the directory was named in the input (false: created implicitly for a child).</summary>
        public bool Explicit { get; set; }

        // Serialisation state.
        public uint InodeNumber { get; set; }

        public uint LinkCount { get; set; }

        public long InodeReference { get; set; } = -1;

        public uint ParentInodeNumber { get; set; }

        public List<KeyValuePair<byte[], TreeNode>>? SortedChildren { get; set; }
    }
}
