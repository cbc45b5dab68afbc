using System;
using System.Collections.Generic;
using GolemImage.Tree;

namespace GolemImage.Squashfs
{
    /// <summary>
    /// Inode numbers in post-order, root last: exactly the order <see cref="SquashfsTableWriter"/> writes the inodes
    /// in, so that a directory's entries can store their numbers as small deltas. Each directory's children are
    /// relinked in name order on the way (the order the listing needs), and a node reached under a second name gets
    /// its link count here.
    /// </summary>
    internal sealed class InodeNumbering
    {
        private readonly FileTree _tree;
        private readonly Comparison<int> _nameOrder;

        // Only hard-linked nodes need a count beside the records: a dictionary, not an array per node.
        private readonly Dictionary<int, uint> _linkCounts = new Dictionary<int, uint>();

        public InodeNumbering(FileTree tree)
        {
            _tree = tree;
            _nameOrder = (a, b) => tree.Name(a).SequenceCompareTo(tree.Name(b));

            // By node, kept out of the tree's records, which are at their largest while the duplicate indexes still live.
            Numbers = new uint[tree.NodeCount];
        }

        /// <summary>Inode number by node; 0 for a node no directory reaches.</summary>
        public uint[] Numbers { get; }

        public uint Count { get; private set; }

        public uint LinkCount(int node) => _linkCounts.TryGetValue(node, out uint links) ? links : 1;

        /// <summary>Numbers <paramref name="directory"/> and everything under it.</summary>
        public void Number(int directory)
        {
            SortChildren(directory);
            for (int slot = _tree.Node(directory).Link; slot != TreeNode.None; slot = _tree.Slot(slot).NextSibling)
            {
                int child = _tree.Slot(slot).Node;
                ref TreeNode node = ref _tree.Node(child);
                if (node.Type == TreeEntryType.Directory)
                {
                    Number(child);
                }
                else
                {
                    if (node.Type == TreeEntryType.HardLink)
                    {
                        throw new InvalidOperationException("Unresolved hard link in the tree.");
                    }

                    if (Numbers[child] == 0)
                    {
                        Numbers[child] = ++Count;
                    }
                    else
                    {
                        _linkCounts[child] = _linkCounts.TryGetValue(child, out uint links) ? links + 1 : 2;
                    }
                }
            }

            Numbers[directory] = ++Count;
        }

        private void SortChildren(int directory)
        {
            int count = 0;
            for (int slot = _tree.Node(directory).Link; slot != TreeNode.None; slot = _tree.Slot(slot).NextSibling)
            {
                count++;
            }

            if (count == 0)
            {
                return;
            }

            var children = new int[count];
            int c = 0;
            for (int slot = _tree.Node(directory).Link; slot != TreeNode.None; slot = _tree.Slot(slot).NextSibling)
            {
                children[c++] = slot;
            }

            Array.Sort(children, _nameOrder);
            _tree.Node(directory).Link = children[0];
            for (int i = 0; i < count; i++)
            {
                _tree.Slot(children[i]).NextSibling = i + 1 < count ? children[i + 1] : TreeNode.None;
            }
        }
    }
}
