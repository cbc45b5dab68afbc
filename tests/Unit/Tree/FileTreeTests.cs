using System;
using System.Collections.Generic;
using System.Linq;
using System.Text;
using GolemImage.Tree;
using Xunit;

namespace GolemImage.Tests.Tree
{
    [Trait(Requires.Key, Requires.Portable)]
    public class FileTreeTests
    {
        private static TreeEntry Entry(string path, TreeEntryType type, int mode = 0x1A4, long mtime = 1000, string? link = null) =>
            new TreeEntry(Encoding.UTF8.GetBytes(path), type) { Mode = mode, ModificationTime = mtime, LinkTarget = link == null ? null : Encoding.UTF8.GetBytes(link) };

        private static int Child(FileTree tree, int directory, string name)
        {
            int slot = tree.FindSlot(directory, Encoding.UTF8.GetBytes(name));
            Assert.NotEqual(TreeNode.None, slot);
            return tree.Slot(slot).Node;
        }

        private static List<string> Names(FileTree tree, int directory)
        {
            var names = new List<string>();
            for (int slot = tree.Node(directory).Link; slot != TreeNode.None; slot = tree.Slot(slot).NextSibling)
            {
                names.Add(Encoding.UTF8.GetString(tree.Name(slot).ToArray()));
            }

            names.Sort(StringComparer.Ordinal);
            return names;
        }

        [Fact]
        public void Parents_are_created_implicitly_with_defaults()
        {
            var tree = new FileTree(defaultModificationTime: 777);
            tree.Add(Entry("a/b/c", TreeEntryType.RegularFile));
            TreeNode a = tree.Node(Child(tree, FileTree.Root, "a"));
            Assert.Equal(TreeEntryType.Directory, a.Type);
            Assert.Equal(0x1ED, a.Mode);
            Assert.Equal(777u, a.ModificationTime);
            Assert.False(a.Explicit);
            Assert.Equal(TreeEntryType.RegularFile, tree.Node(Child(tree, Child(tree, Child(tree, FileTree.Root, "a"), "b"), "c")).Type);
        }

        [Fact]
        public void Directory_after_its_children_fills_in_metadata_and_keeps_them()
        {
            var tree = new FileTree(0);
            tree.Add(Entry("d/f", TreeEntryType.RegularFile));
            tree.Add(Entry("d", TreeEntryType.Directory, mode: 0x3C0 /* 01700 */, mtime: 42));
            TreeNode d = tree.Node(Child(tree, FileTree.Root, "d"));
            Assert.Equal(0x3C0, d.Mode);
            Assert.Equal(42u, d.ModificationTime);
            Assert.True(d.Explicit);
            Assert.Equal(new[] { "f" }, Names(tree, Child(tree, FileTree.Root, "d")));
        }

        [Fact]
        public void Later_duplicate_wins()
        {
            var tree = new FileTree(0);
            tree.Add(Entry("x", TreeEntryType.RegularFile, mode: 0x1FF));
            tree.Add(Entry("x", TreeEntryType.SymbolicLink, link: "target"));
            int x = Child(tree, FileTree.Root, "x");
            Assert.Equal(TreeEntryType.SymbolicLink, tree.Node(x).Type);
            Assert.Equal("target", Encoding.UTF8.GetString(tree.Extra(x)!.SymlinkTarget!));
            Assert.Equal(new[] { "x" }, Names(tree, FileTree.Root));
        }

        [Fact]
        public void A_directory_replaced_by_a_file_and_made_again_does_not_get_its_old_children_back()
        {
            var tree = new FileTree(0);
            tree.Add(Entry("d/old", TreeEntryType.RegularFile));
            tree.Add(Entry("d", TreeEntryType.RegularFile));
            tree.Add(Entry("d/new", TreeEntryType.RegularFile));
            int d = Child(tree, FileTree.Root, "d");
            Assert.Equal(TreeEntryType.Directory, tree.Node(d).Type);
            Assert.Equal(new[] { "new" }, Names(tree, d));
            Assert.Equal(TreeNode.None, tree.FindSlot(d, Encoding.UTF8.GetBytes("old")));
        }

        [Fact]
        public void Lookups_find_every_name_after_the_hash_grows()
        {
            // Well past the first table size, across directories whose names are the same.
            var tree = new FileTree(0);
            for (int i = 0; i < 3000; i++)
            {
                tree.Add(Entry($"d{i % 3}/f{i / 3}", TreeEntryType.RegularFile, mode: i));
            }

            for (int i = 0; i < 3000; i++)
            {
                Assert.Equal(i, tree.Node(Child(tree, Child(tree, FileTree.Root, $"d{i % 3}"), $"f{i / 3}")).Mode);
            }

            Assert.Equal(1000, Names(tree, Child(tree, FileTree.Root, "d1")).Count);
        }

        [Fact]
        public void Times_are_clamped_to_unsigned_32_bits()
        {
            var tree = new FileTree(0);
            Assert.Equal(0u, tree.Node(tree.Add(Entry("old", TreeEntryType.RegularFile, mtime: -315619200))).ModificationTime);
            Assert.Equal(uint.MaxValue, tree.Node(tree.Add(Entry("far", TreeEntryType.RegularFile, mtime: 7258118400))).ModificationTime);
        }

        [Fact]
        public void Overlong_names_and_symlink_targets_are_refused_clearly()
        {
            var tree = new FileTree(0);
            tree.Add(Entry(new string('n', 255), TreeEntryType.RegularFile));
            GolemImageException name = Assert.Throws<GolemImageException>(() => tree.Add(Entry("dir/" + new string('n', 256), TreeEntryType.RegularFile)));
            Assert.Equal("NameTooLong", name.ErrorId);
            Assert.Contains("256 bytes", name.Message);

            tree.Add(Entry("ok", TreeEntryType.SymbolicLink, link: new string('t', 4096)));
            GolemImageException link = Assert.Throws<GolemImageException>(() => tree.Add(Entry("long", TreeEntryType.SymbolicLink, link: new string('t', 4097))));
            Assert.Equal("SymlinkTargetTooLong", link.ErrorId);
            Assert.Contains("'long'", link.Message);
        }

        [Fact]
        public void Hard_links_resolve_against_the_final_tree_including_chains_and_special_files()
        {
            var tree = new FileTree(0);
            tree.Add(Entry("link-before-target", TreeEntryType.HardLink, link: "fifo"));
            tree.Add(Entry("fifo", TreeEntryType.Fifo));
            tree.Add(Entry("chain", TreeEntryType.HardLink, link: "link-before-target"));
            tree.ResolveHardLinks();
            int fifo = Child(tree, FileTree.Root, "fifo");
            Assert.Equal(fifo, Child(tree, FileTree.Root, "link-before-target"));
            Assert.Equal(fifo, Child(tree, FileTree.Root, "chain"));
        }

        [Fact]
        public void Hard_link_errors_name_both_paths()
        {
            var missing = new FileTree(0);
            missing.Add(Entry("a/link", TreeEntryType.HardLink, link: "a/nothing"));
            GolemImageException e1 = Assert.Throws<GolemImageException>(() => missing.ResolveHardLinks());
            Assert.Equal("HardLinkTargetMissing", e1.ErrorId);
            Assert.Contains("a/link", e1.Message);
            Assert.Contains("a/nothing", e1.Message);

            var directory = new FileTree(0);
            directory.Add(Entry("d", TreeEntryType.Directory));
            directory.Add(Entry("l", TreeEntryType.HardLink, link: "d"));
            Assert.Equal("HardLinkToDirectory", Assert.Throws<GolemImageException>(() => directory.ResolveHardLinks()).ErrorId);

            var loop = new FileTree(0);
            loop.Add(Entry("x", TreeEntryType.HardLink, link: "y"));
            loop.Add(Entry("y", TreeEntryType.HardLink, link: "x"));
            Assert.Equal("HardLinkLoop", Assert.Throws<GolemImageException>(() => loop.ResolveHardLinks()).ErrorId);
        }

        [Fact]
        public void Names_sort_by_unsigned_utf8_bytes_not_utf16()
        {
            // U+FFFD (EF BF BD) sorts before U+1F600 (F0 9F 98 80) in UTF-8, after it in UTF-16 (FFFD > D83D).
            var names = new List<byte[]> { Encoding.UTF8.GetBytes("\U0001F600"), Encoding.UTF8.GetBytes("\uFFFD"), Encoding.UTF8.GetBytes("Z"), Encoding.UTF8.GetBytes("a") };
            names.Sort(ByteNames.OrdinalComparer);
            Assert.Equal(new[] { "Z", "a", "\uFFFD", "\U0001F600" }, names.Select(n => Encoding.UTF8.GetString(n)).ToArray());
        }

        [Fact]
        public void Device_numbers_use_the_linux_encoding()
        {
            var tree = new FileTree(0);
            int node = tree.Add(new TreeEntry(Encoding.UTF8.GetBytes("dev"), TreeEntryType.CharacterDevice) { DeviceMajor = 240, DeviceMinor = 300000 });
            uint rdev = tree.Extra(node)!.DeviceNumber;
            Assert.Equal(240u, (rdev & 0xFFF00) >> 8);
            Assert.Equal(300000u, (rdev & 0xFF) | ((rdev >> 12) & 0xFFF00));
            Assert.Equal("InvalidDeviceNumber", Assert.Throws<GolemImageException>(() => tree.Add(new TreeEntry(Encoding.UTF8.GetBytes("bad"), TreeEntryType.BlockDevice) { DeviceMajor = 4096 })).ErrorId);
        }
    }
}
