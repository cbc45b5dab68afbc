using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using GolemImage.Compression;
using GolemImage.Squashfs;
using GolemImage.Tree;
using Xunit;

namespace GolemImage.Tests.Squashfs
{
    /// <summary>
    /// How <see cref="DirectoryWriter"/> cuts a listing into header runs, read back from the stored (uncompressed)
    /// directory table: the limits a reader relies on (256 entries, one inode block, 16-bit number deltas, a run's
    /// entries staying in its header's table block) and the index an extended directory inode carries.
    /// </summary>
    [Trait(Requires.Key, Requires.Portable)]
    public class DirectoryWriterTests
    {
        [Fact]
        public void A_run_holds_at_most_256_entries_and_each_later_run_gets_an_index_entry()
        {
            var fixture = new Fixture(Enumerable.Range(0, 600).Select(i => $"f{i:D4}"));
            DirectoryListing listing = fixture.WriteListing();

            List<Run> runs = fixture.ReadRuns();
            Assert.Equal(new[] { 256, 256, 88 }, runs.Select(r => r.Names.Count));
            Assert.Equal(600, listing.EntryCount);
            Assert.Equal(fixture.Names, runs.SelectMany(r => r.Names));
            Assert.Equal(runs.Sum(r => 12 + r.Names.Sum(n => 8 + n.Length)), listing.Size);

            // An entry per run after the first: its offset in the listing, its table block and its first name.
            Assert.Equal(new uint[] { (uint)runs[1].Position, (uint)runs[2].Position }, listing.Index.Select(e => e.Index));
            Assert.All(listing.Index, e => Assert.Equal(0u, e.Start));
            Assert.Equal(new[] { "f0256", "f0512" }, listing.Index.Select(e => Encoding.UTF8.GetString(fixture.Tree.Name(e.Slot).ToArray())));
        }

        [Fact]
        public void A_new_inode_block_starts_a_new_run_with_that_block_and_the_offsets_within_it()
        {
            var fixture = new Fixture(Enumerable.Range(0, 20).Select(i => $"f{i:D2}"));
            for (int i = 0; i < 20; i++)
            {
                long block = i < 10 ? 0 : 5000;
                fixture.References[fixture.Nodes[i]] = (block << 16) | (uint)(i * 32);
            }

            fixture.WriteListing();

            List<Run> runs = fixture.ReadRuns();
            Assert.Equal(new[] { 10, 10 }, runs.Select(r => r.Names.Count));
            Assert.Equal(new uint[] { 0, 5000 }, runs.Select(r => r.InodeBlock));
            Assert.Equal(Enumerable.Range(0, 20).Select(i => (ushort)(i * 32)), runs.SelectMany(r => r.Offsets));
        }

        [Fact]
        public void An_inode_number_beyond_a_16_bit_delta_starts_a_new_run()
        {
            var fixture = new Fixture(Enumerable.Range(0, 6).Select(i => $"f{i}"));
            uint[] numbers = { 100, 101, 100 + 32767, 100 + 32768, 100 + 32769, 100 };
            for (int i = 0; i < numbers.Length; i++)
            {
                fixture.Numbers[fixture.Nodes[i]] = numbers[i];
            }

            fixture.WriteListing();

            List<Run> runs = fixture.ReadRuns();
            Assert.Equal(new[] { 3, 3 }, runs.Select(r => r.Names.Count));
            Assert.Equal(new uint[] { 100, 100 + 32768 }, runs.Select(r => r.BaseNumber));
            Assert.Equal(new short[] { 0, 1, short.MaxValue, 0, 1, short.MinValue }, runs.SelectMany(r => r.Deltas));
        }

        [Fact]
        public void Entries_after_a_runs_first_stay_in_the_table_block_its_header_starts_in()
        {
            // 200-byte names, 208-byte entries: 12 + 39 x 208 = 8124 bytes fill the first 8 KiB block; the next header starts there,
            // so its run takes one entry (which crosses into block 1) and the run after starts in block 1.
            string pad = new string('L', 197);
            var fixture = new Fixture(Enumerable.Range(0, 120).Select(i => $"{i:D3}{pad}"));
            DirectoryListing listing = fixture.WriteListing();

            List<Run> runs = fixture.ReadRuns();
            Assert.Equal(new[] { 39, 1, 38 }, runs.Take(3).Select(r => r.Names.Count));
            Assert.Equal(new long[] { 8124, 8344 }, runs.Skip(1).Take(2).Select(r => r.Position));

            // The index names the compressed start of the header's block: 0, then block 1 after block 0's 2-byte header.
            Assert.Equal(new uint[] { 0, 8194 }, listing.Index.Take(2).Select(e => e.Start));
            foreach (Run run in runs.Where(r => r.Names.Count > 1))
            {
                long end = run.Position + 12 + run.Names.Sum(n => 8 + n.Length);
                Assert.Equal(run.Position / MetadataWriter.BlockSize, (end - 1) / MetadataWriter.BlockSize);
            }
        }

        private sealed class Run
        {
            public long Position { get; set; }

            public uint InodeBlock { get; set; }

            public uint BaseNumber { get; set; }

            public List<string> Names { get; } = new List<string>();

            public List<ushort> Offsets { get; } = new List<ushort>();

            public List<short> Deltas { get; } = new List<short>();
        }

        /// <summary>A directory "d" of empty files with the given names, numbered, their inodes all in block 0.</summary>
        private sealed class Fixture
        {
            private readonly MetadataWriter _table = new MetadataWriter(new CompressionSettings(CompressionAlgorithm.Gzip, uncompressed: true).CreateMetadataCompressor(131072));
            private readonly int _directory;

            public Fixture(IEnumerable<string> names)
            {
                Names = names.ToList();
                Tree = new FileTree(0);
                foreach (string name in Names)
                {
                    Tree.Add(new TreeEntry(Encoding.UTF8.GetBytes("d/" + name), TreeEntryType.RegularFile) { Mode = 0x1A4 });
                }

                var numbering = new InodeNumbering(Tree);
                numbering.Number(FileTree.Root);
                Numbers = numbering.Numbers;
                _directory = Tree.Slot(Tree.FindSlot(FileTree.Root, Encoding.UTF8.GetBytes("d"))).Node;
                for (int slot = Tree.Node(_directory).Link; slot != TreeNode.None; slot = Tree.Slot(slot).NextSibling)
                {
                    Nodes.Add(Tree.Slot(slot).Node);
                }

                References = new long[Tree.NodeCount];
            }

            public FileTree Tree { get; }

            public List<string> Names { get; }

            /// <summary>The files' nodes in name (listing) order.</summary>
            public List<int> Nodes { get; } = new List<int>();

            public uint[] Numbers { get; }

            public long[] References { get; }

            public DirectoryListing WriteListing()
            {
                var writer = new DirectoryWriter(Tree, Numbers, References, _table);
                DirectoryListing listing = writer.Write(_directory);
                writer.Flush();
                return listing;
            }

            public List<Run> ReadRuns()
            {
                byte[] listing = Unstore(_table);
                var runs = new List<Run>();
                int position = 0;
                while (position < listing.Length)
                {
                    var run = new Run
                    {
                        Position = position,
                        InodeBlock = BinaryPrimitives.ReadUInt32LittleEndian(listing.AsSpan(position + 4)),
                        BaseNumber = BinaryPrimitives.ReadUInt32LittleEndian(listing.AsSpan(position + 8)),
                    };
                    int count = (int)BinaryPrimitives.ReadUInt32LittleEndian(listing.AsSpan(position)) + 1;
                    position += 12;
                    for (int i = 0; i < count; i++)
                    {
                        run.Offsets.Add(BinaryPrimitives.ReadUInt16LittleEndian(listing.AsSpan(position)));
                        run.Deltas.Add(BinaryPrimitives.ReadInt16LittleEndian(listing.AsSpan(position + 2)));
                        Assert.Equal((ushort)SquashfsInodeType.BasicFile, BinaryPrimitives.ReadUInt16LittleEndian(listing.AsSpan(position + 4)));
                        int nameLength = BinaryPrimitives.ReadUInt16LittleEndian(listing.AsSpan(position + 6)) + 1;
                        run.Names.Add(Encoding.UTF8.GetString(listing, position + 8, nameLength));
                        position += 8 + nameLength;
                    }

                    runs.Add(run);
                }

                return runs;
            }

            /// <summary>The table's bytes without the 2-byte headers of its stored blocks.</summary>
            private static byte[] Unstore(MetadataWriter table)
            {
                var compressed = new MemoryStream();
                table.CopyTo(compressed);
                byte[] bytes = compressed.ToArray();
                var plain = new MemoryStream();
                int position = 0;
                while (position < bytes.Length)
                {
                    ushort header = BinaryPrimitives.ReadUInt16LittleEndian(bytes.AsSpan(position));
                    Assert.NotEqual(0, header & SquashfsFormat.MetadataUncompressed);
                    int length = header & 0x7FFF;
                    plain.Write(bytes, position + 2, length);
                    position += 2 + length;
                }

                return plain.ToArray();
            }
        }
    }
}
