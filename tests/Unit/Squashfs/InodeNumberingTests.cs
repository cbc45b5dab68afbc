using System.Collections.Generic;
using System.Text;
using GolemImage.Squashfs;
using GolemImage.Tree;
using Xunit;

namespace GolemImage.Tests.Squashfs
{
    /// <summary>
    /// Inode numbers in the order the table writer writes the inodes: post-order over name-sorted children, root
    /// last, one number per hard-linked node with its link count.
    /// </summary>
    [Trait(Requires.Key, Requires.Portable)]
    public class InodeNumberingTests
    {
        [Fact]
        public void Numbers_follow_post_order_over_sorted_names_with_the_root_last()
        {
            var tree = new FileTree(0);
            // Added in neither name order nor its reverse, so the order the tree links them in is never name order.
            foreach (string path in new[] { "b/y", "c", "a", "b/z", "b/sub/x" })
            {
                tree.Add(new TreeEntry(Encoding.UTF8.GetBytes(path), TreeEntryType.RegularFile) { Mode = 0x1A4 });
            }

            var numbering = new InodeNumbering(tree);
            numbering.Number(FileTree.Root);

            var order = new Dictionary<string, uint>
            {
                ["a"] = 1, ["b/sub/x"] = 2, ["b/sub"] = 3, ["b/y"] = 4, ["b/z"] = 5, ["b"] = 6, ["c"] = 7,
            };
            foreach (KeyValuePair<string, uint> expected in order)
            {
                Assert.Equal(expected.Value, numbering.Numbers[Node(tree, expected.Key)]);
            }

            Assert.Equal(8u, numbering.Numbers[FileTree.Root]);
            Assert.Equal(8u, numbering.Count);
            Assert.Equal(new[] { "sub", "y", "z" }, Children(tree, Node(tree, "b")));
        }

        [Fact]
        public void A_hard_linked_file_gets_one_number_and_a_link_count_per_name()
        {
            var tree = new FileTree(0);
            tree.Add(new TreeEntry(Encoding.UTF8.GetBytes("d/target"), TreeEntryType.RegularFile) { Mode = 0x1A4 });
            tree.Add(new TreeEntry(Encoding.UTF8.GetBytes("a-link"), TreeEntryType.HardLink) { LinkTarget = Encoding.UTF8.GetBytes("d/target") });
            tree.Add(new TreeEntry(Encoding.UTF8.GetBytes("z-link"), TreeEntryType.HardLink) { LinkTarget = Encoding.UTF8.GetBytes("d/target") });
            tree.Add(new TreeEntry(Encoding.UTF8.GetBytes("single"), TreeEntryType.RegularFile) { Mode = 0x1A4 });
            tree.ResolveHardLinks();

            var numbering = new InodeNumbering(tree);
            numbering.Number(FileTree.Root);

            int target = Node(tree, "d/target");
            Assert.Equal(target, Node(tree, "a-link"));
            Assert.Equal(1u, numbering.Numbers[target]);
            Assert.Equal(3u, numbering.LinkCount(target));
            Assert.Equal(1u, numbering.LinkCount(Node(tree, "single")));
            Assert.Equal(new uint[] { 2, 3, 4 }, new[] { numbering.Numbers[Node(tree, "d")], numbering.Numbers[Node(tree, "single")], numbering.Numbers[FileTree.Root] });
            Assert.Equal(4u, numbering.Count);
        }

        private static int Node(FileTree tree, string path)
        {
            int node = FileTree.Root;
            foreach (string part in path.Split('/'))
            {
                node = tree.Slot(tree.FindSlot(node, Encoding.UTF8.GetBytes(part))).Node;
            }

            return node;
        }

        private static List<string> Children(FileTree tree, int directory)
        {
            var names = new List<string>();
            for (int slot = tree.Node(directory).Link; slot != TreeNode.None; slot = tree.Slot(slot).NextSibling)
            {
                names.Add(Encoding.UTF8.GetString(tree.Name(slot).ToArray()));
            }

            return names;
        }
    }
}
