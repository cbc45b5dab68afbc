using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.IO;
using System.Text;
using GolemImage.Compression;
using GolemImage.Reporting;
using GolemImage.Tree;

namespace GolemImage.Squashfs
{
    /// <summary>
    /// The end of the image: numbers the inodes (post-order, root last), writes the inode and directory tables
    /// together, then the fragment, id and xattr tables in the order and adjacency the kernel checks, the padding, and
    /// the superblock.
    /// </summary>
    internal sealed class SquashfsTableWriter
    {
        private const uint NoXattr = SquashfsFormat.NoIndex;
        private const int MaxEntriesPerHeader = SquashfsFormat.MaxEntriesPerDirectoryHeader;

        private static readonly (string Prefix, ushort Type)[] XattrPrefixes =
        {
            ("user.", 0),
            ("trusted.", 1),
            ("security.", 2),
        };

        private readonly SquashfsWriterOptions _options;
        private readonly IEngineReporter _reporter;
        private readonly HashSet<string> _skippedXattrNames;
        private readonly CompressionSettings _compression;
        private readonly IBlockCompressor _compressor;
        private MetadataWriter _inodes = null!;
        private readonly MetadataWriter _directories;
        private readonly MetadataWriter _xattrValues;
        private readonly Dictionary<uint, ushort> _idIndex = new Dictionary<uint, ushort>();
        private readonly List<uint> _ids = new List<uint>();
        private readonly Dictionary<byte[], uint> _xattrSets = new Dictionary<byte[], uint>(ByteNames.EqualityComparer);
        private readonly List<XattrIdRecord> _xattrIds = new List<XattrIdRecord>();
        private readonly byte[] _small = new byte[16];
        private readonly Dictionary<int, uint> _linkCounts = new Dictionary<int, uint>();
        private readonly List<DirectoryIndexEntry> _index = new List<DirectoryIndexEntry>();
        private readonly FileTree _tree;
        private readonly FileDataStore _files;
        private readonly Comparison<int> _nameOrder;

        // Inode numbers and metadata references by node, only needed here: kept out of the tree's records, which
        // are at their largest while the duplicate indexes still live.
        private readonly uint[] _numbers;
        private readonly long[] _references;
        private byte[] _scratch = new byte[256];
        private int[] _children = new int[256];
        private uint _inodeCount;

        public SquashfsTableWriter(FileTree tree, FileDataStore files, SquashfsWriterOptions options, IEngineReporter reporter, HashSet<string> skippedXattrNames)
        {
            _tree = tree;
            _files = files;
            _numbers = new uint[tree.NodeCount];
            _references = new long[tree.NodeCount];
            _references.AsSpan().Fill(-1);
            _nameOrder = (a, b) => tree.Name(a).SequenceCompareTo(tree.Name(b));
            _options = options;
            _reporter = reporter;
            _skippedXattrNames = skippedXattrNames;
            _compression = options.Compression;
            _compressor = _compression.CreateMetadataCompressor(options.BlockSize);
            _directories = new MetadataWriter(_compressor);
            _xattrValues = new MetadataWriter(_compressor);
        }

        public void Write(Stream output, long dataEnd, IReadOnlyList<FragmentLocation> fragments, bool everyTailInFragment, bool hasOptionsBlock, SquashfsWriteResult result)
        {
            _tree.ReleaseLookup();

            // The inode table goes right after the data, so it is written there as it is built (at a million entries
            // it is the largest table); the directory table, which follows it, waits in memory.
            output.Position = dataEnd;
            _inodes = new MetadataWriter(_compressor, output);
            Number(FileTree.Root);
            WriteDirectory(FileTree.Root, _inodeCount + 1);
            _inodes.Flush();
            _directories.Flush();
            _xattrValues.Flush();

            long inodeTableStart = dataEnd;
            long directoryTableStart = output.Position;
            _directories.CopyTo(output);

            long fragmentTableStart = output.Position;
            if (fragments.Count > 0)
            {
                var records = new byte[fragments.Count * 16];
                for (int i = 0; i < fragments.Count; i++)
                {
                    BinaryPrimitives.WriteInt64LittleEndian(records.AsSpan(i * 16), fragments[i].Start);
                    BinaryPrimitives.WriteUInt32LittleEndian(records.AsSpan((i * 16) + 8), fragments[i].SizeWord);
                }

                fragmentTableStart = WriteLookupTable(output, records);
            }

            if (_ids.Count == 0)
            {
                IdIndexOf(0);
            }

            var idRecords = new byte[_ids.Count * 4];
            for (int i = 0; i < _ids.Count; i++)
            {
                BinaryPrimitives.WriteUInt32LittleEndian(idRecords.AsSpan(i * 4), _ids[i]);
            }

            long idTableStart = WriteLookupTable(output, idRecords);

            long xattrIdTableStart = -1;
            if (_xattrIds.Count > 0)
            {
                long kvStart = output.Position;
                _xattrValues.CopyTo(output);
                var records = new byte[_xattrIds.Count * 16];
                for (int i = 0; i < _xattrIds.Count; i++)
                {
                    BinaryPrimitives.WriteInt64LittleEndian(records.AsSpan(i * 16), _xattrIds[i].Reference);
                    BinaryPrimitives.WriteUInt32LittleEndian(records.AsSpan((i * 16) + 8), _xattrIds[i].Count);
                    BinaryPrimitives.WriteUInt32LittleEndian(records.AsSpan((i * 16) + 12), _xattrIds[i].Size);
                }

                var metadata = new MetadataWriter(_compressor);
                metadata.Write(records);
                metadata.Flush();
                long blocksStart = output.Position;
                metadata.CopyTo(output);
                xattrIdTableStart = output.Position;
                var header = new byte[16 + (metadata.BlockOffsets.Count * 8)];
                BinaryPrimitives.WriteInt64LittleEndian(header, kvStart);
                BinaryPrimitives.WriteUInt32LittleEndian(header.AsSpan(8), (uint)_xattrIds.Count);
                for (int i = 0; i < metadata.BlockOffsets.Count; i++)
                {
                    BinaryPrimitives.WriteInt64LittleEndian(header.AsSpan(16 + (i * 8)), blocksStart + metadata.BlockOffsets[i]);
                }

                output.Write(header, 0, header.Length);
            }

            long bytesUsed = output.Position;
            long imageSize = (bytesUsed + 4095) & ~4095L;
            if (imageSize > bytesUsed)
            {
                output.Write(new byte[imageSize - bytesUsed], 0, (int)(imageSize - bytesUsed));
            }

            if (output.Length > imageSize)
            {
                // Data rolled back for a duplicate at the very end may have left bytes beyond the image.
                output.SetLength(imageSize);
            }

            // "Tail ends always packed into fragments", unless a hash collision stored one as a short last block.
            SquashfsFlags flags = everyTailInFragment ? SquashfsFlags.AlwaysFragments : SquashfsFlags.None;
            if (_compression.Uncompressed)
            {
                flags |= SquashfsFlags.UncompressedInodes | SquashfsFlags.UncompressedData | SquashfsFlags.UncompressedFragments | SquashfsFlags.UncompressedXattrs | SquashfsFlags.UncompressedIds;
            }

            if (fragments.Count == 0)
            {
                flags |= SquashfsFlags.NoFragments;
            }

            if (_options.Deduplicate)
            {
                flags |= SquashfsFlags.Deduplicated;
            }

            if (_xattrIds.Count == 0)
            {
                flags |= SquashfsFlags.NoXattrs;
            }

            if (hasOptionsBlock)
            {
                flags |= SquashfsFlags.CompressorOptions;
            }

            var superblock = new byte[SquashfsSuperblock.Size];
            new SquashfsSuperblock
            {
                InodeCount = _inodeCount,
                ModificationTime = FileTree.ClampTime(_options.MkfsTime),
                BlockSize = (uint)_options.BlockSize,
                FragmentCount = (uint)fragments.Count,
                CompressionId = _compression.SuperblockId,
                BlockLog = (ushort)Log2(_options.BlockSize),
                Flags = flags,
                IdCount = (ushort)_ids.Count,
                RootInode = (ulong)_references[FileTree.Root],
                BytesUsed = (ulong)bytesUsed,
                IdTableStart = (ulong)idTableStart,
                XattrIdTableStart = xattrIdTableStart < 0 ? SquashfsSuperblock.NoTable : (ulong)xattrIdTableStart,
                InodeTableStart = (ulong)inodeTableStart,
                DirectoryTableStart = (ulong)directoryTableStart,
                FragmentTableStart = (ulong)fragmentTableStart,
            }.Write(superblock);
            output.Position = 0;
            output.Write(superblock, 0, superblock.Length);
            output.Flush();
            output.Position = imageSize;

            result.BytesUsed = bytesUsed;
            result.ImageSize = imageSize;
            result.InodeCount = _inodeCount;
            result.FragmentCount = (uint)fragments.Count;
            result.IdCount = _ids.Count;
            result.XattrIdCount = _xattrIds.Count;
            (_compressor as IDisposable)?.Dispose();
        }

        private static int Log2(int value)
        {
            int log = 0;
            while ((1 << log) < value)
            {
                log++;
            }

            return log;
        }

        /// <summary>Writes records as metadata blocks followed by the u64 index of their positions; returns the index position.</summary>
        private long WriteLookupTable(Stream output, byte[] records)
        {
            var metadata = new MetadataWriter(_compressor);
            metadata.Write(records);
            metadata.Flush();
            long blocksStart = output.Position;
            metadata.CopyTo(output);
            long indexStart = output.Position;
            var index = new byte[metadata.BlockOffsets.Count * 8];
            for (int i = 0; i < metadata.BlockOffsets.Count; i++)
            {
                BinaryPrimitives.WriteInt64LittleEndian(index.AsSpan(i * 8), blocksStart + metadata.BlockOffsets[i]);
            }

            output.Write(index, 0, index.Length);
            return indexStart;
        }

        /// <summary>
        /// Post-order numbering in exactly the order <see cref="WriteDirectory"/> writes the inodes; each directory's
        /// children are relinked in name order on the way (the order the listing needs).
        /// </summary>
        private void Number(int directory)
        {
            int count = 0;
            for (int slot = _tree.Node(directory).Link; slot != TreeNode.None; slot = _tree.Slot(slot).NextSibling)
            {
                count++;
            }

            if (count > 0)
            {
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

                    if (_numbers[child] == 0)
                    {
                        _numbers[child] = ++_inodeCount;
                    }
                    else
                    {
                        // A second name for the same inode: only hard-linked nodes need a count beside the records.
                        _linkCounts[child] = _linkCounts.TryGetValue(child, out uint links) ? links + 1 : 2;
                    }
                }
            }

            _numbers[directory] = ++_inodeCount;
        }

        private uint LinkCount(int node) => _linkCounts.TryGetValue(node, out uint links) ? links : 1;

        private void WriteDirectory(int directory, uint parentInodeNumber)
        {
            uint directoryNumber = _numbers[directory];
            uint subdirectories = 0;
            for (int slot = _tree.Node(directory).Link; slot != TreeNode.None; slot = _tree.Slot(slot).NextSibling)
            {
                int child = _tree.Slot(slot).Node;
                ref TreeNode node = ref _tree.Node(child);
                if (node.Type == TreeEntryType.Directory)
                {
                    WriteDirectory(child, directoryNumber);
                    subdirectories++;
                }
                else if (_references[child] < 0)
                {
                    WriteInode(child);
                }
            }

            // The listing works on the children by position; the buffer is shared (the recursion above is done).
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
            long listingReference = _directories.Reference;
            long listingStart = _directories.UncompressedPosition;
            _index.Clear();
            int i = 0;
            while (i < count)
            {
                long headerPosition = _directories.UncompressedPosition;
                long headerReference = _directories.Reference;
                int first = _tree.Slot(children[i]).Node;
                long inodeBlock = _references[first] >> 16;
                uint baseNumber = _numbers[first];
                long size = 12;
                int j = i;
                while (j < count && j - i < MaxEntriesPerHeader)
                {
                    ref TreeSlot slot = ref _tree.Slot(children[j]);
                    int node = slot.Node;
                    long delta = (long)_numbers[node] - baseNumber;
                    int entrySize = 8 + _tree.Name(children[j]).Length;
                    if ((_references[node] >> 16) != inodeBlock || delta < short.MinValue || delta > short.MaxValue)
                    {
                        break;
                    }

                    // Keep a run inside one directory-table block, which also makes the index exact.
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

                Span<byte> header = _small.AsSpan(0, 12);
                BinaryPrimitives.WriteUInt32LittleEndian(header, (uint)(j - i - 1));
                BinaryPrimitives.WriteUInt32LittleEndian(header.Slice(4), (uint)inodeBlock);
                BinaryPrimitives.WriteUInt32LittleEndian(header.Slice(8), baseNumber);
                _directories.Write(header);
                for (int k = i; k < j; k++)
                {
                    int node = _tree.Slot(children[k]).Node;
                    ReadOnlySpan<byte> name = _tree.Name(children[k]);
                    Span<byte> entry = _small.AsSpan(0, 8);
                    BinaryPrimitives.WriteUInt16LittleEndian(entry, (ushort)(_references[node] & 0xFFFF));
                    BinaryPrimitives.WriteInt16LittleEndian(entry.Slice(2), (short)((long)_numbers[node] - baseNumber));
                    BinaryPrimitives.WriteUInt16LittleEndian(entry.Slice(4), (ushort)BasicType(_tree.Node(node).Type));
                    BinaryPrimitives.WriteUInt16LittleEndian(entry.Slice(6), (ushort)(name.Length - 1));
                    _directories.Write(entry);
                    _directories.Write(name);
                }

                i = j;
            }

            long listingSize = _directories.UncompressedPosition - listingStart;
            WriteDirectoryInode(directory, 2 + subdirectories, parentInodeNumber, listingReference, listingSize, count, _index);
        }

        private void WriteDirectoryInode(int directory, uint linkCount, uint parentInodeNumber, long listingReference, long listingSize, int entryCount, List<DirectoryIndexEntry> index)
        {
            uint xattr = XattrIndexOf(directory);
            long fileSize = listingSize + 3;
            bool extended = xattr != NoXattr || fileSize > ushort.MaxValue || entryCount >= MaxEntriesPerHeader;
            _references[directory] = _inodes.Reference;
            if (!extended)
            {
                Span<byte> inode = stackalloc byte[32];
                WriteHeader(inode, SquashfsInodeType.BasicDirectory, directory);
                BinaryPrimitives.WriteUInt32LittleEndian(inode.Slice(16), (uint)(listingReference >> 16));
                BinaryPrimitives.WriteUInt32LittleEndian(inode.Slice(20), linkCount);
                BinaryPrimitives.WriteUInt16LittleEndian(inode.Slice(24), (ushort)fileSize);
                BinaryPrimitives.WriteUInt16LittleEndian(inode.Slice(26), (ushort)(listingReference & 0xFFFF));
                BinaryPrimitives.WriteUInt32LittleEndian(inode.Slice(28), parentInodeNumber);
                _inodes.Write(inode);
                return;
            }

            if (fileSize > uint.MaxValue)
            {
                throw new GolemImageException(ErrorIds.DirectoryTooLarge, GolemErrorCategory.InvalidData, "A directory listing exceeds 4 GiB.");
            }

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
            _inodes.Write(ext);
            for (int i = 0; i < indexCount; i++)
            {
                ReadOnlySpan<byte> name = _tree.Name(index[i].Slot);
                Span<byte> entry = _small.AsSpan(0, 12);
                BinaryPrimitives.WriteUInt32LittleEndian(entry, index[i].Index);
                BinaryPrimitives.WriteUInt32LittleEndian(entry.Slice(4), index[i].Start);
                BinaryPrimitives.WriteUInt32LittleEndian(entry.Slice(8), (uint)(name.Length - 1));
                _inodes.Write(entry);
                _inodes.Write(name);
            }
        }

        private void WriteInode(int node)
        {
            uint xattr = XattrIndexOf(node);
            bool hasXattr = xattr != NoXattr;
            TreeEntryType nodeType = _tree.Node(node).Type;
            uint linkCount = LinkCount(node);
            switch (nodeType)
            {
                case TreeEntryType.RegularFile:
                    WriteFileInode(node, xattr);
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

        private void WriteFileInode(int node, uint xattr)
        {
            int index = _tree.FileData(node);
            SquashfsFileData data = index == TreeNode.None ? _files.Create() : _files.Get(index);
            uint linkCount = LinkCount(node);
            int blockSize = _options.BlockSize;
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
            bool extended = linkCount > 1 || data.Size > uint.MaxValue || data.StartBlock > uint.MaxValue || sparse > 0 || xattr != NoXattr;
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
            _references[node] = _inodes.Reference;
            _inodes.Write(inode);
        }

        private Span<byte> Scratch(int length)
        {
            if (_scratch.Length < length)
            {
                _scratch = new byte[Math.Max(length, _scratch.Length * 2)];
            }

            return _scratch.AsSpan(0, length);
        }

        private void WriteHeader(Span<byte> inode, SquashfsInodeType type, int nodeIndex)
        {
            ref TreeNode node = ref _tree.Node(nodeIndex);
            BinaryPrimitives.WriteUInt16LittleEndian(inode, (ushort)type);
            BinaryPrimitives.WriteUInt16LittleEndian(inode.Slice(2), (ushort)(node.Mode & 0xFFF));
            BinaryPrimitives.WriteUInt16LittleEndian(inode.Slice(4), IdIndexOf(node.Uid));
            BinaryPrimitives.WriteUInt16LittleEndian(inode.Slice(6), IdIndexOf(node.Gid));
            BinaryPrimitives.WriteUInt32LittleEndian(inode.Slice(8), node.ModificationTime);
            BinaryPrimitives.WriteUInt32LittleEndian(inode.Slice(12), _numbers[nodeIndex]);
        }

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

        private ushort IdIndexOf(uint id)
        {
            if (_idIndex.TryGetValue(id, out ushort index))
            {
                return index;
            }

            if (_ids.Count >= ushort.MaxValue)
            {
                throw new GolemImageException(ErrorIds.TooManyOwners, GolemErrorCategory.InvalidData,
                    $"The image uses more than {ushort.MaxValue} distinct uid/gid values; squashfs cannot store them.");
            }

            index = (ushort)_ids.Count;
            _ids.Add(id);
            _idIndex.Add(id, index);
            return index;
        }

        private uint XattrIndexOf(int node)
        {
            List<TreeXattr>? xattrs = _tree.Extra(node)?.Xattrs;
            if (xattrs == null)
            {
                return NoXattr;
            }

            var encoded = new MemoryStream();
            uint count = 0;
            foreach (TreeXattr xattr in xattrs)
            {
                ushort? type = null;
                string suffix = string.Empty;
                foreach ((string prefix, ushort prefixType) in XattrPrefixes)
                {
                    if (xattr.Name.StartsWith(prefix, StringComparison.Ordinal) && xattr.Name.Length > prefix.Length)
                    {
                        type = prefixType;
                        suffix = xattr.Name.Substring(prefix.Length);
                        break;
                    }
                }

                if (type == null)
                {
                    if (_skippedXattrNames.Add(xattr.Name))
                    {
                        _reporter.Warning($"The extended attribute '{xattr.Name}' cannot be stored in squashfs (only user., trusted. and security. are); it is left out.");
                    }

                    continue;
                }

                byte[] name = Encoding.UTF8.GetBytes(suffix);
                var head = new byte[4];
                BinaryPrimitives.WriteUInt16LittleEndian(head, type.Value);
                BinaryPrimitives.WriteUInt16LittleEndian(head.AsSpan(2), (ushort)name.Length);
                encoded.Write(head, 0, 4);
                encoded.Write(name, 0, name.Length);
                BinaryPrimitives.WriteUInt32LittleEndian(head, (uint)xattr.Value.Length);
                encoded.Write(head, 0, 4);
                encoded.Write(xattr.Value, 0, xattr.Value.Length);
                count++;
            }

            if (count == 0)
            {
                return NoXattr;
            }

            byte[] set = encoded.ToArray();
            if (_xattrSets.TryGetValue(set, out uint id))
            {
                return id;
            }

            id = (uint)_xattrIds.Count;
            _xattrIds.Add(new XattrIdRecord(_xattrValues.Reference, count, (uint)set.Length));
            _xattrValues.Write(set);
            _xattrSets.Add(set, id);
            return id;
        }

        private readonly struct XattrIdRecord
        {
            public XattrIdRecord(long reference, uint count, uint size)
            {
                Reference = reference;
                Count = count;
                Size = size;
            }

            public long Reference { get; }

            public uint Count { get; }

            public uint Size { get; }
        }

        private readonly struct DirectoryIndexEntry
        {
            public DirectoryIndexEntry(uint index, uint start, int slot)
            {
                Index = index;
                Start = start;
                Slot = slot;
            }

            public uint Index { get; }

            public uint Start { get; }

            /// <summary>The slot whose name the index entry carries.</summary>
            public int Slot { get; }
        }
    }
}
