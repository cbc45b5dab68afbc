namespace GolemImage.Tree
{
    /// <summary>
    /// One name in a directory: a record in <see cref="FileTree"/>'s slot list pointing at the node it names. A later
    /// entry with the same path points the slot at a new node; a slot is never removed.
    /// </summary>
    internal struct TreeSlot
    {
        /// <summary>The directory node the name is in.</summary>
        public int Parent;

        /// <summary>The name in the tree's <see cref="NameArena"/> (which keeps its length).</summary>
        public uint Name;

        public int Node;

        /// <summary>The next slot of the same directory, or <see cref="TreeNode.None"/>; in name order once the tables are numbered.</summary>
        public int NextSibling;

        /// <summary>The next slot in the same bucket of the tree's (parent, name) hash.</summary>
        public int NextInBucket;
    }
}
