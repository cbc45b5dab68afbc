using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.IO;
using GolemImage.Tree;

namespace GolemImage.Squashfs
{
    /// <summary>
    /// The directory table: each directory's listing as runs of entries under a header. A run holds at most 256
    /// entries whose inodes share one inode-table block and whose numbers are within a signed 16-bit delta of the
    /// run's first, and the entries after its first end in the directory-table block its header starts in (which
    /// makes the index, which names that block, exact). The table waits in memory: it follows the inode table, which
    /// is still being written.
    /// </summary>
    internal sealed class DirectoryWriter
    {
        private const int MaxEntriesPerHeader = SquashfsFormat.MaxEntriesPerDirectoryHeader;

        private readonly FileTree _tree;
        private readonly uint[] _numbers;
        private readonly long[] _references;
        private readonly MetadataWriter _table;
        private readonly List<DirectoryIndexEntry> _index = new List<DirectoryIndexEntry>();
        private readonly byte[] _small = new byte[12];
        private int[] _children = new int[256];

        /// <param name="numbers">Inode number by node (<see cref="InodeNumbering.Numbers"/>).</param>
        /// <param name="references">Inode-table reference by node; every child's inode is written before its listing.</param>
        public DirectoryWriter(FileTree tree, uint[] numbers, long[] references, MetadataWriter table)
        {
            _tree = tree;
            _numbers = numbers;
            _references = references;
            _table = table;
        }

        /// <summary>Writes the listing of <paramref name="directory"/>'s children, in their linked (name) order.</summary>
        public DirectoryListing Write(int directory)
        {
            // The listing works on the children by position; the buffer is shared by every listing.
            int count = 0;
            for (int slot = _tree.Node(directory).Link; slot != TreeNode.None; slot = _tree.Slot(slot).NextSibling)
            {
                if (count == _children.Length)
                {
                    Array.Resize(ref _children, _children.Length * 2);
                }

                _children[count++] = slot;
            }

            int[] children = _children;
            long listingReference = _table.Reference;
            long listingStart = _table.UncompressedPosition;
            _index.Clear();
            int i = 0;
            while (i < count)
            {
                long headerPosition = _table.UncompressedPosition;
                long headerReference = _table.Reference;
                int first = _tree.Slot(children[i]).Node;
                long inodeBlock = _references[first] >> 16;
                uint baseNumber = _numbers[first];
                long size = 12;
                int j = i;
                while (j < count && j - i < MaxEntriesPerHeader)
                {
                    int node = _tree.Slot(children[j]).Node;
                    long delta = (long)_numbers[node] - baseNumber;
                    int entrySize = 8 + _tree.Name(children[j]).Length;
                    if ((_references[node] >> 16) != inodeBlock || delta < short.MinValue || delta > short.MaxValue)
                    {
                        break;
                    }

                    if (j > i && (headerPosition + size + entrySize - 1) / MetadataWriter.BlockSize != headerPosition / MetadataWriter.BlockSize)
                    {
                        break;
                    }

                    size += entrySize;
                    j++;
                }

                if (i > 0)
                {
                    _index.Add(new DirectoryIndexEntry((uint)(headerPosition - listingStart), (uint)(headerReference >> 16), children[i]));
                }

                WriteRun(children, i, j, inodeBlock, baseNumber);
                i = j;
            }

            return new DirectoryListing(listingReference, _table.UncompressedPosition - listingStart, count, _index);
        }

        /// <summary>Ends the table; call once, after the last listing.</summary>
        public void Flush() => _table.Flush();

        public void CopyTo(Stream output) => _table.CopyTo(output);

        private static SquashfsInodeType BasicType(TreeEntryType type)
        {
            switch (type)
            {
                case TreeEntryType.Directory: return SquashfsInodeType.BasicDirectory;
                case TreeEntryType.RegularFile: return SquashfsInodeType.BasicFile;
                case TreeEntryType.SymbolicLink: return SquashfsInodeType.BasicSymlink;
                case TreeEntryType.BlockDevice: return SquashfsInodeType.BasicBlockDevice;
                case TreeEntryType.CharacterDevice: return SquashfsInodeType.BasicCharacterDevice;
                case TreeEntryType.Fifo: return SquashfsInodeType.BasicFifo;
                default: throw new InvalidOperationException($"No squashfs type for {type}.");
            }
        }

        private void WriteRun(int[] children, int start, int end, long inodeBlock, uint baseNumber)
        {
            Span<byte> header = _small.AsSpan(0, 12);
            BinaryPrimitives.WriteUInt32LittleEndian(header, (uint)(end - start - 1));
            BinaryPrimitives.WriteUInt32LittleEndian(header.Slice(4), (uint)inodeBlock);
            BinaryPrimitives.WriteUInt32LittleEndian(header.Slice(8), baseNumber);
            _table.Write(header);
            for (int k = start; k < end; k++)
            {
                int node = _tree.Slot(children[k]).Node;
                ReadOnlySpan<byte> name = _tree.Name(children[k]);
                Span<byte> entry = _small.AsSpan(0, 8);

                // The type is always the basic one: readers learn the extended type from the inode itself.
                BinaryPrimitives.WriteUInt16LittleEndian(entry, (ushort)(_references[node] & 0xFFFF));
                BinaryPrimitives.WriteInt16LittleEndian(entry.Slice(2), (short)((long)_numbers[node] - baseNumber));
                BinaryPrimitives.WriteUInt16LittleEndian(entry.Slice(4), (ushort)BasicType(_tree.Node(node).Type));
                BinaryPrimitives.WriteUInt16LittleEndian(entry.Slice(6), (ushort)(name.Length - 1));
                _table.Write(entry);
                _table.Write(name);
            }
        }
    }
}
