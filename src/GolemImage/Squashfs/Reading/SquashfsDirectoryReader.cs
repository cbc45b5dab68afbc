using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.IO;
using System.Text;
using System.Threading;
using GolemImage.Compression;

namespace GolemImage.Squashfs.Reading
{
    /// <summary>
    /// Looks up directories of a squashfs image and lists what lies below them, reading only the inode and directory
    /// tables (never file data). Everything it reads is bounds-checked: a damaged table gives an
    /// <see cref="InvalidDataException"/> (or, past the end of the file, an <see cref="EndOfStreamException"/>) that
    /// says where, not a wrong answer or an endless walk.
    /// </summary>
    internal sealed class SquashfsDirectoryReader
    {
        private const int MetadataBlockSize = SquashfsFormat.MetadataBlockSize;
        private const ushort BasicDirectory = (ushort)SquashfsInodeType.BasicDirectory;
        private const ushort ExtendedDirectory = (ushort)SquashfsInodeType.ExtendedDirectory;

        private readonly Stream _stream;
        private readonly SquashfsSuperblock _superblock;
        private readonly IBlockDecompressor _decompressor;
        private readonly Dictionary<ulong, KeyValuePair<byte[], ulong>> _blocks = new Dictionary<ulong, KeyValuePair<byte[], ulong>>();
        private readonly byte[] _compressed = new byte[MetadataBlockSize];
        private readonly CancellationToken _cancellationToken;

        /// <param name="cancellationToken">Checked for every metadata block read: the walks are as long as the image says.</param>
        public SquashfsDirectoryReader(Stream seekable, SquashfsSuperblock superblock, IBlockDecompressor decompressor, CancellationToken cancellationToken = default)
        {
            _stream = seekable;
            _superblock = superblock;
            _decompressor = decompressor;
            _cancellationToken = cancellationToken;
        }

        /// <summary>
        /// The directory at the canonical <paramref name="path"/> ("a/b"; "" is the root), or null when the
        /// path does not exist or one of its components is not a directory (symbolic links are not followed).
        /// </summary>
        public DirectoryInode? FindDirectory(string path)
        {
            DirectoryInode directory = ReadDirectoryInode(_superblock.RootInode);
            foreach (string component in path.Split(new[] { '/' }, StringSplitOptions.RemoveEmptyEntries))
            {
                DirectoryEntry? match = null;
                foreach (DirectoryEntry entry in ReadEntries(directory))
                {
                    if (entry.Name == component)
                    {
                        match = entry;
                        break;
                    }
                }

                if (match == null || match.Type != BasicDirectory)
                {
                    return null;
                }

                directory = ReadDirectoryInode(match.InodeReference);
            }

            return directory;
        }

        /// <summary>
        /// Counts the entries below <paramref name="directory"/>, at any depth; <paramref name="first"/> is the first
        /// of them (relative to it, the first name of its own listing in the image's sorted order), null when none.
        /// </summary>
        public long CountDescendants(DirectoryInode directory, out string? first)
        {
            first = null;
            long count = 0;
            var visited = new HashSet<ulong>();
            var pending = new Stack<KeyValuePair<string, DirectoryInode>>();
            pending.Push(new KeyValuePair<string, DirectoryInode>(string.Empty, directory));
            while (pending.Count > 0)
            {
                _cancellationToken.ThrowIfCancellationRequested();
                KeyValuePair<string, DirectoryInode> current = pending.Pop();
                var subdirectories = new List<KeyValuePair<string, DirectoryInode>>();
                foreach (DirectoryEntry entry in ReadEntries(current.Value))
                {
                    if (++count > _superblock.InodeCount)
                    {
                        throw new InvalidDataException($"The directory tree below this directory names more entries than the image has inodes ({_superblock.InodeCount}).");
                    }

                    string path = current.Key.Length == 0 ? entry.Name : current.Key + "/" + entry.Name;
                    first ??= path;

                    if (entry.Type == BasicDirectory)
                    {
                        // A damaged image could link a directory into itself; a tree reaches each directory once.
                        if (!visited.Add(entry.InodeReference))
                        {
                            throw new InvalidDataException($"The directory '{path}' appears twice in the directory tree (a loop).");
                        }

                        subdirectories.Add(new KeyValuePair<string, DirectoryInode>(path, ReadDirectoryInode(entry.InodeReference)));
                    }
                }

                for (int i = subdirectories.Count - 1; i >= 0; i--)
                {
                    pending.Push(subdirectories[i]);
                }
            }

            return count;
        }

        private DirectoryInode ReadDirectoryInode(ulong reference)
        {
            var reader = new MetadataCursor(this, _superblock.InodeTableStart, reference >> 16, (int)(reference & 0xFFFF), _superblock.DirectoryTableStart);
            byte[] header = reader.Read(16);
            ushort type = BinaryPrimitives.ReadUInt16LittleEndian(header);
            if (type == BasicDirectory)
            {
                // start_block u32, nlink u32, file_size u16, offset u16, parent u32.
                byte[] body = reader.Read(16);
                return new DirectoryInode(
                    BinaryPrimitives.ReadUInt32LittleEndian(body),
                    BinaryPrimitives.ReadUInt16LittleEndian(body.AsSpan(10)),
                    BinaryPrimitives.ReadUInt16LittleEndian(body.AsSpan(8)));
            }

            if (type == ExtendedDirectory)
            {
                // nlink u32, file_size u32, start_block u32, parent u32, index_count u16, offset u16, xattr u32.
                byte[] body = reader.Read(24);
                return new DirectoryInode(
                    BinaryPrimitives.ReadUInt32LittleEndian(body.AsSpan(8)),
                    BinaryPrimitives.ReadUInt16LittleEndian(body.AsSpan(18)),
                    BinaryPrimitives.ReadUInt32LittleEndian(body.AsSpan(4)));
            }

            throw new InvalidDataException($"The inode at block {reference >> 16}, offset {reference & 0xFFFF} of the inode table is of type {type}, not a directory.");
        }

        private IEnumerable<DirectoryEntry> ReadEntries(DirectoryInode directory)
        {
            // file_size counts three bytes more than the listing (the "." and ".." the kernel adds).
            if (directory.FileSize <= 3)
            {
                yield break;
            }

            long remaining = directory.FileSize - 3;
            // The tables after the directory table differ between images; bytes_used bounds them all.
            var reader = new MetadataCursor(this, _superblock.DirectoryTableStart, directory.StartBlock, directory.Offset, _superblock.BytesUsed);
            while (remaining > 0)
            {
                _cancellationToken.ThrowIfCancellationRequested();

                // Header: count - 1 u32, start_block u32, inode_number u32; then count entries.
                byte[] header = reader.Read(12);
                remaining -= 12;
                uint count = BinaryPrimitives.ReadUInt32LittleEndian(header) + 1;
                uint start = BinaryPrimitives.ReadUInt32LittleEndian(header.AsSpan(4));
                if (remaining < 0)
                {
                    throw new InvalidDataException("A directory listing runs past the size its inode gives.");
                }

                if (count > SquashfsFormat.MaxEntriesPerDirectoryHeader)
                {
                    throw new InvalidDataException($"A directory header announces {count} entries; squashfs allows at most 256 per header.");
                }

                for (uint i = 0; i < count; i++)
                {
                    // offset u16, inode_number delta i16, type u16, name_size - 1 u16, name.
                    byte[] fields = reader.Read(8);
                    int nameLength = BinaryPrimitives.ReadUInt16LittleEndian(fields.AsSpan(6)) + 1;
                    if (nameLength > 256)
                    {
                        throw new InvalidDataException($"A directory entry has a {nameLength}-byte name; squashfs allows at most 256.");
                    }

                    string name = Encoding.UTF8.GetString(reader.Read(nameLength));
                    remaining -= 8 + nameLength;
                    if (remaining < 0)
                    {
                        throw new InvalidDataException("A directory listing runs past the size its inode gives.");
                    }

                    ushort offset = BinaryPrimitives.ReadUInt16LittleEndian(fields);
                    ushort type = BinaryPrimitives.ReadUInt16LittleEndian(fields.AsSpan(4));
                    yield return new DirectoryEntry(name, type, ((ulong)start << 16) | offset);
                }
            }
        }

        /// <summary>The decompressed metadata block that starts at <paramref name="position"/>, and where the next one starts.</summary>
        private byte[] ReadMetadataBlock(ulong position, ulong tableEnd, out ulong next)
        {
            _cancellationToken.ThrowIfCancellationRequested();
            if (position + 2 > tableEnd)
            {
                throw new InvalidDataException($"A metadata reference points to byte {position}, past the end of its table ({tableEnd}).");
            }

            // Listings and inodes of neighbouring directories share blocks: each is read and decompressed once.
            if (_blocks.TryGetValue(position, out KeyValuePair<byte[], ulong> cached) && cached.Value <= tableEnd)
            {
                next = cached.Value;
                return cached.Key;
            }

            PositionedRead.ReadExactly(_stream, (long)position, _compressed, 2);
            ushort header = BinaryPrimitives.ReadUInt16LittleEndian(_compressed);
            int size = header & SquashfsFormat.MetadataLengthMask;
            if (size == 0 || size > MetadataBlockSize || position + 2 + (ulong)size > tableEnd)
            {
                throw new InvalidDataException($"The metadata block at byte {position} claims {size} bytes, which do not fit in its table.");
            }

            next = position + 2 + (ulong)size;
            PositionedRead.ReadExactly(_stream, (long)position + 2, _compressed, size);
            byte[] block;
            if ((header & SquashfsFormat.MetadataUncompressed) != 0)
            {
                block = _compressed.AsSpan(0, size).ToArray();
            }
            else
            {
                var output = new byte[MetadataBlockSize];
                int length = _decompressor.Decompress(_compressed.AsSpan(0, size), output);
                block = output.AsSpan(0, length).ToArray();
            }

            _blocks[position] = new KeyValuePair<byte[], ulong>(block, next);
            return block;
        }

        /// <summary>A directory's listing: where it starts in the directory table and how long it is.</summary>
        internal sealed class DirectoryInode
        {
            public DirectoryInode(uint startBlock, int offset, uint fileSize)
            {
                StartBlock = startBlock;
                Offset = offset;
                FileSize = fileSize;
            }

            public ulong StartBlock { get; }

            public int Offset { get; }

            public long FileSize { get; }
        }

        private sealed class DirectoryEntry
        {
            public DirectoryEntry(string name, ushort type, ulong inodeReference)
            {
                Name = name;
                Type = type;
                InodeReference = inodeReference;
            }

            public string Name { get; }

            public ushort Type { get; }

            public ulong InodeReference { get; }
        }

        /// <summary>Reads a metadata table as one byte stream from a (block, offset) reference on, across block boundaries.</summary>
        private sealed class MetadataCursor
        {
            private readonly SquashfsDirectoryReader _owner;
            private readonly ulong _tableEnd;
            private byte[] _block;
            private ulong _next;
            private int _offset;

            public MetadataCursor(SquashfsDirectoryReader owner, ulong tableStart, ulong block, int offset, ulong tableEnd)
            {
                _owner = owner;
                _tableEnd = tableEnd;
                _block = owner.ReadMetadataBlock(tableStart + block, tableEnd, out _next);
                if (offset > _block.Length)
                {
                    throw new InvalidDataException($"A metadata reference points to offset {offset} of a {_block.Length}-byte block.");
                }

                _offset = offset;
            }

            public byte[] Read(int count)
            {
                var result = new byte[count];
                int filled = 0;
                while (filled < count)
                {
                    if (_offset == _block.Length)
                    {
                        _block = _owner.ReadMetadataBlock(_next, _tableEnd, out _next);
                        _offset = 0;
                    }

                    int take = Math.Min(count - filled, _block.Length - _offset);
                    Buffer.BlockCopy(_block, _offset, result, filled, take);
                    _offset += take;
                    filled += take;
                }

                return result;
            }
        }
    }
}
