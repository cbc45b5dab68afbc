using System.Collections.Generic;
using GolemImage.Squashfs;

namespace GolemImage.Tree
{
    /// <summary>
    /// One inode of the in-memory tree. Several directory entries may point at the same node (hard links); a
    /// directory node owns its children by name. Fields set during serialisation live here too, to keep memory at
    /// one object per inode. What only directories, links, devices and xattrs need lives in a second object that
    /// most nodes (regular files) never allocate: at a million entries every field of this class costs megabytes.
    /// </summary>
    internal sealed class TreeNode
    {
        private Rare? _rare;

        public TreeNode(TreeEntryType type)
        {
            Type = type;
            if (type == TreeEntryType.Directory)
            {
                RareFields.Children = new Dictionary<byte[], TreeNode>(ByteNames.EqualityComparer);
            }
        }

        public TreeEntryType Type { get; }

        public int Mode { get; set; }

        public uint Uid { get; set; }

        public uint Gid { get; set; }

        public uint ModificationTime { get; set; }

        /// <summary>Xattrs sorted by full name, or null.</summary>
        public List<TreeXattr>? Xattrs
        {
            get => _rare?.Xattrs;
            set
            {
                if (value != null || _rare != null)
                {
                    RareFields.Xattrs = value;
                }
            }
        }

        public byte[]? SymlinkTarget
        {
            get => _rare?.SymlinkTarget;
            set => RareFields.SymlinkTarget = value;
        }

        public uint DeviceNumber
        {
            get => _rare?.DeviceNumber ?? 0;
            set => RareFields.DeviceNumber = value;
        }

        public SquashfsFileData? Data { get; set; }

        /// <summary>A directory's children by name; null for other nodes, and for a directory once its tables are written.</summary>
        public Dictionary<byte[], TreeNode>? Children => _rare?.Children;

        /// <summary>For a hard-link placeholder: the target path, and the link's own path for messages.</summary>
        public byte[]? HardLinkTarget
        {
            get => _rare?.HardLinkTarget;
            set => RareFields.HardLinkTarget = value;
        }

        public string? HardLinkDisplay
        {
            get => _rare?.HardLinkDisplay;
            set => RareFields.HardLinkDisplay = value;
        }

        /// <summary>Whether the directory was named in the input (false: created implicitly for a child).</summary>
        public bool Explicit { get; set; }

        // Serialisation state.
        public uint InodeNumber { get; set; }

        public uint LinkCount { get; set; }

        public long InodeReference { get; set; } = -1;

        /// <summary>Only directories have one.</summary>
        public uint ParentInodeNumber
        {
            get => _rare?.ParentInodeNumber ?? 0;
            set => RareFields.ParentInodeNumber = value;
        }

        /// <summary>
        /// A directory's children in squashfs order. Setting it drops <see cref="Children"/>: the table writer needs
        /// only the sorted list, and the dictionary is the larger of the two.
        /// </summary>
        public List<KeyValuePair<byte[], TreeNode>>? SortedChildren
        {
            get => _rare?.SortedChildren;
            set
            {
                RareFields.SortedChildren = value;
                RareFields.Children = null;
            }
        }

        private Rare RareFields => _rare ??= new Rare();

        private sealed class Rare
        {
            public List<TreeXattr>? Xattrs;
            public byte[]? SymlinkTarget;
            public uint DeviceNumber;
            public Dictionary<byte[], TreeNode>? Children;
            public byte[]? HardLinkTarget;
            public string? HardLinkDisplay;
            public uint ParentInodeNumber;
            public List<KeyValuePair<byte[], TreeNode>>? SortedChildren;
        }
    }
}
