namespace GolemImage.Tree
{
    /// <summary>
    /// One inode of the in-memory tree, a record in <see cref="FileTree"/>'s node list (no object per entry: at a
    /// million entries every field here costs megabytes). Several slots may name the same node (hard links). What only
    /// directories, links, devices and xattrs need lives in a <see cref="TreeNodeExtra"/> that regular files never have;
    /// inode numbers and references live in the table writer.
    /// </summary>
    internal struct TreeNode
    {
        public const int None = -1;

        // The three small fields first, in the 4 bytes before the first uint: 24 bytes a node, not 28 (4 MB at a
        // million entries). Sequential layout follows declaration order, so this order is the record's size.
        private byte _type;

        /// <summary>Whether the directory was named in the input (false: created implicitly for a child).</summary>
        public bool Explicit;

        private ushort _mode;

        public TreeEntryType Type
        {
            get => (TreeEntryType)_type;
            set => _type = (byte)value;
        }

        /// <summary>Permission bits including setuid/setgid/sticky (&amp; 07777).</summary>
        public int Mode
        {
            get => _mode;
            set => _mode = (ushort)value;
        }

        public uint Uid;

        public uint Gid;

        public uint ModificationTime;

        /// <summary>A directory's first child slot (see <see cref="TreeSlot.NextSibling"/>); a regular file's data index; else <see cref="None"/>.</summary>
        public int Link;

        /// <summary>Index of the node's <see cref="TreeNodeExtra"/>, or <see cref="None"/>.</summary>
        public int Extra;
    }
}
