using System;
using System.Buffers.Binary;
using GolemImage.Tree;

namespace GolemImage.Squashfs
{
    /// <summary>
    /// The inode table, written straight to the output as it is built (it follows the data, and at a million entries
    /// it is the largest table). Each inode takes the basic form unless a field needs the extended one (xattrs, a
    /// link count, a sparse or large file, a big directory); the reference of each inode is kept by node for the
    /// directory entries that point at it.
    /// </summary>
    internal sealed class InodeWriter
    {
        private readonly FileTree _tree;
        private readonly FileDataStore _files;
        private readonly int _blockSize;
        private readonly InodeNumbering _numbering;
        private readonly uint[] _numbers;
        private readonly IdTable _ids;
        private readonly XattrTable _xattrs;
        private readonly MetadataWriter _table;
        private readonly byte[] _small = new byte[12];
        private byte[] _scratch = new byte[256];

        public InodeWriter(FileTree tree, FileDataStore files, int blockSize, InodeNumbering numbering, IdTable ids, XattrTable xattrs, MetadataWriter table)
        {
            _tree = tree;
            _files = files;
            _blockSize = blockSize;
            _numbering = numbering;
            _numbers = numbering.Numbers;
            _ids = ids;
            _xattrs = xattrs;
            _table = table;

            // By node, kept out of the tree's records like the numbers; -1 until the node's inode is written.
            References = new long[tree.NodeCount];
            References.AsSpan().Fill(-1);
        }

        /// <summary>The 48/16 inode-table reference by node, -1 for a node whose inode is not written yet.</summary>
        public long[] References { get; }

        /// <summary>Ends the table; call once, after the last inode.</summary>
        public void Flush() => _table.Flush();

        /// <summary>Writes the inode of a node that is not a directory.</summary>
        public void Write(int node)
        {
            uint xattr = _xattrs.IdOf(_tree.Extra(node)?.Xattrs);
            bool hasXattr = xattr != XattrTable.None;
            TreeEntryType nodeType = _tree.Node(node).Type;
            uint linkCount = _numbering.LinkCount(node);
            switch (nodeType)
            {
                case TreeEntryType.RegularFile:
                    WriteFile(node, xattr);
                    return;
                case TreeEntryType.SymbolicLink:
                {
                    byte[] target = _tree.Extra(node)!.SymlinkTarget!;
                    int length = 24 + target.Length + (hasXattr ? 4 : 0);
                    Span<byte> inode = Scratch(length);
                    WriteHeader(inode, hasXattr ? SquashfsInodeType.ExtendedSymlink : SquashfsInodeType.BasicSymlink, node);
                    BinaryPrimitives.WriteUInt32LittleEndian(inode.Slice(16), linkCount);
                    BinaryPrimitives.WriteUInt32LittleEndian(inode.Slice(20), (uint)target.Length);
                    target.CopyTo(inode.Slice(24));
                    if (hasXattr)
                    {
                        BinaryPrimitives.WriteUInt32LittleEndian(inode.Slice(24 + target.Length), xattr);
                    }

                    Emit(node, inode);
                    return;
                }

                case TreeEntryType.BlockDevice:
                case TreeEntryType.CharacterDevice:
                {
                    SquashfsInodeType type = nodeType == TreeEntryType.BlockDevice
                        ? (hasXattr ? SquashfsInodeType.ExtendedBlockDevice : SquashfsInodeType.BasicBlockDevice)
                        : (hasXattr ? SquashfsInodeType.ExtendedCharacterDevice : SquashfsInodeType.BasicCharacterDevice);
                    Span<byte> inode = Scratch(hasXattr ? 28 : 24);
                    WriteHeader(inode, type, node);
                    BinaryPrimitives.WriteUInt32LittleEndian(inode.Slice(16), linkCount);
                    BinaryPrimitives.WriteUInt32LittleEndian(inode.Slice(20), _tree.Extra(node)!.DeviceNumber);
                    if (hasXattr)
                    {
                        BinaryPrimitives.WriteUInt32LittleEndian(inode.Slice(24), xattr);
                    }

                    Emit(node, inode);
                    return;
                }

                case TreeEntryType.Fifo:
                {
                    Span<byte> inode = Scratch(hasXattr ? 24 : 20);
                    WriteHeader(inode, hasXattr ? SquashfsInodeType.ExtendedFifo : SquashfsInodeType.BasicFifo, node);
                    BinaryPrimitives.WriteUInt32LittleEndian(inode.Slice(16), linkCount);
                    if (hasXattr)
                    {
                        BinaryPrimitives.WriteUInt32LittleEndian(inode.Slice(20), xattr);
                    }

                    Emit(node, inode);
                    return;
                }

                default:
                    throw new InvalidOperationException($"Unexpected {nodeType} inode.");
            }
        }

        /// <summary>Writes a directory's inode, after its listing (whose place and index it records).</summary>
        public void WriteDirectory(int directory, uint linkCount, uint parentInodeNumber, DirectoryListing listing)
        {
            uint xattr = _xattrs.IdOf(_tree.Extra(directory)?.Xattrs);

            // The listing size the kernel expects counts 3 more bytes: the "." and ".." entries it makes up.
            long fileSize = listing.Size + 3;
            bool extended = xattr != XattrTable.None || fileSize > ushort.MaxValue || listing.EntryCount >= SquashfsFormat.MaxEntriesPerDirectoryHeader;
            long listingReference = listing.Reference;
            References[directory] = _table.Reference;
            if (!extended)
            {
                Span<byte> inode = stackalloc byte[32];
                WriteHeader(inode, SquashfsInodeType.BasicDirectory, directory);
                BinaryPrimitives.WriteUInt32LittleEndian(inode.Slice(16), (uint)(listingReference >> 16));
                BinaryPrimitives.WriteUInt32LittleEndian(inode.Slice(20), linkCount);
                BinaryPrimitives.WriteUInt16LittleEndian(inode.Slice(24), (ushort)fileSize);
                BinaryPrimitives.WriteUInt16LittleEndian(inode.Slice(26), (ushort)(listingReference & 0xFFFF));
                BinaryPrimitives.WriteUInt32LittleEndian(inode.Slice(28), parentInodeNumber);
                _table.Write(inode);
                return;
            }

            if (fileSize > uint.MaxValue)
            {
                throw new GolemImageException(ErrorIds.DirectoryTooLarge, GolemErrorCategory.InvalidData, "A directory listing exceeds 4 GiB.");
            }

            var index = listing.Index;
            int indexCount = Math.Min(index.Count, ushort.MaxValue);
            Span<byte> ext = stackalloc byte[40];
            WriteHeader(ext, SquashfsInodeType.ExtendedDirectory, directory);
            BinaryPrimitives.WriteUInt32LittleEndian(ext.Slice(16), linkCount);
            BinaryPrimitives.WriteUInt32LittleEndian(ext.Slice(20), (uint)fileSize);
            BinaryPrimitives.WriteUInt32LittleEndian(ext.Slice(24), (uint)(listingReference >> 16));
            BinaryPrimitives.WriteUInt32LittleEndian(ext.Slice(28), parentInodeNumber);
            BinaryPrimitives.WriteUInt16LittleEndian(ext.Slice(32), (ushort)indexCount);
            BinaryPrimitives.WriteUInt16LittleEndian(ext.Slice(34), (ushort)(listingReference & 0xFFFF));
            BinaryPrimitives.WriteUInt32LittleEndian(ext.Slice(36), xattr);
            _table.Write(ext);
            for (int i = 0; i < indexCount; i++)
            {
                ReadOnlySpan<byte> name = _tree.Name(index[i].Slot);
                Span<byte> entry = _small.AsSpan(0, 12);
                BinaryPrimitives.WriteUInt32LittleEndian(entry, index[i].Index);
                BinaryPrimitives.WriteUInt32LittleEndian(entry.Slice(4), index[i].Start);
                BinaryPrimitives.WriteUInt32LittleEndian(entry.Slice(8), (uint)(name.Length - 1));
                _table.Write(entry);
                _table.Write(name);
            }
        }

        private void WriteFile(int node, uint xattr)
        {
            int index = _tree.FileData(node);
            SquashfsFileData data = index == TreeNode.None ? _files.Create() : _files.Get(index);
            uint linkCount = _numbering.LinkCount(node);
            int blockSize = _blockSize;
            ReadOnlySpan<uint> blocks = data.BlockSizes;
            // A file without a fragment stores a partial tail as a short last block (only after a hash collision).
            long expectedBlocks = (data.Size / blockSize) + (data.FragmentIndex == SquashfsFileData.NoFragment && data.Size % blockSize != 0 ? 1 : 0);
            if (blocks.Length != expectedBlocks)
            {
                throw new InvalidOperationException($"File of {data.Size} bytes has {blocks.Length} blocks.");
            }

            long sparse = 0;
            foreach (uint word in blocks)
            {
                if (word == 0)
                {
                    sparse += blockSize;
                }
            }

            // The kernel derives i_blocks from size - sparse - 1; mksquashfs caps likewise.
            sparse = Math.Min(sparse, Math.Max(0, data.Size - 1));
            uint fragment = data.FragmentIndex;
            uint fragmentOffset = fragment == SquashfsFileData.NoFragment ? 0 : data.FragmentOffset;
            bool extended = linkCount > 1 || data.Size > uint.MaxValue || data.StartBlock > uint.MaxValue || sparse > 0 || xattr != XattrTable.None;
            int headerLength = extended ? 56 : 32;
            Span<byte> inode = Scratch(headerLength + (blocks.Length * 4));
            if (extended)
            {
                WriteHeader(inode, SquashfsInodeType.ExtendedFile, node);
                BinaryPrimitives.WriteInt64LittleEndian(inode.Slice(16), data.StartBlock);
                BinaryPrimitives.WriteInt64LittleEndian(inode.Slice(24), data.Size);
                BinaryPrimitives.WriteInt64LittleEndian(inode.Slice(32), sparse);
                BinaryPrimitives.WriteUInt32LittleEndian(inode.Slice(40), linkCount);
                BinaryPrimitives.WriteUInt32LittleEndian(inode.Slice(44), fragment);
                BinaryPrimitives.WriteUInt32LittleEndian(inode.Slice(48), fragmentOffset);
                BinaryPrimitives.WriteUInt32LittleEndian(inode.Slice(52), xattr);
            }
            else
            {
                WriteHeader(inode, SquashfsInodeType.BasicFile, node);
                BinaryPrimitives.WriteUInt32LittleEndian(inode.Slice(16), (uint)data.StartBlock);
                BinaryPrimitives.WriteUInt32LittleEndian(inode.Slice(20), fragment);
                BinaryPrimitives.WriteUInt32LittleEndian(inode.Slice(24), fragmentOffset);
                BinaryPrimitives.WriteUInt32LittleEndian(inode.Slice(28), (uint)data.Size);
            }

            for (int i = 0; i < blocks.Length; i++)
            {
                BinaryPrimitives.WriteUInt32LittleEndian(inode.Slice(headerLength + (i * 4)), blocks[i]);
            }

            Emit(node, inode);
        }

        private void Emit(int node, ReadOnlySpan<byte> inode)
        {
            References[node] = _table.Reference;
            _table.Write(inode);
        }

        private Span<byte> Scratch(int length)
        {
            if (_scratch.Length < length)
            {
                _scratch = new byte[Math.Max(length, _scratch.Length * 2)];
            }

            return _scratch.AsSpan(0, length);
        }

        /// <summary>The 16 bytes every inode starts with; registers the owner ids in the id table in first-use order.</summary>
        private void WriteHeader(Span<byte> inode, SquashfsInodeType type, int nodeIndex)
        {
            ref TreeNode node = ref _tree.Node(nodeIndex);
            BinaryPrimitives.WriteUInt16LittleEndian(inode, (ushort)type);
            BinaryPrimitives.WriteUInt16LittleEndian(inode.Slice(2), (ushort)(node.Mode & 0xFFF));
            BinaryPrimitives.WriteUInt16LittleEndian(inode.Slice(4), _ids.IndexOf(node.Uid));
            BinaryPrimitives.WriteUInt16LittleEndian(inode.Slice(6), _ids.IndexOf(node.Gid));
            BinaryPrimitives.WriteUInt32LittleEndian(inode.Slice(8), node.ModificationTime);
            BinaryPrimitives.WriteUInt32LittleEndian(inode.Slice(12), _numbers[nodeIndex]);
        }
    }
}
