using System;
using System.Collections.Generic;
using System.IO;
using GolemImage.Compression;
using GolemImage.Reporting;
using GolemImage.Tree;

namespace GolemImage.Squashfs
{
    /// <summary>
    /// The end of the image: runs the table units in order. <see cref="InodeNumbering"/> numbers the inodes
    /// (post-order, root last); one walk writes the <see cref="InodeWriter">inode</see> and
    /// <see cref="DirectoryWriter">directory</see> tables together, registering owners in the <see cref="IdTable"/> and
    /// attribute sets in the <see cref="XattrTable"/>; then the directory, <see cref="FragmentTable">fragment</see>, id
    /// and xattr tables follow in the order and adjacency the kernel checks, then the padding and the
    /// <see cref="SuperblockWriter">superblock</see>.
    /// </summary>
    internal sealed class SquashfsTableWriter
    {
        private readonly FileTree _tree;
        private readonly FileDataStore _files;
        private readonly SquashfsWriterOptions _options;
        private readonly IEngineReporter _reporter;
        private readonly HashSet<string> _skippedXattrNames;
        private InodeNumbering _numbering = null!;
        private InodeWriter _inodes = null!;
        private DirectoryWriter _directories = null!;

        public SquashfsTableWriter(FileTree tree, FileDataStore files, SquashfsWriterOptions options, IEngineReporter reporter, HashSet<string> skippedXattrNames)
        {
            _tree = tree;
            _files = files;
            _options = options;
            _reporter = reporter;
            _skippedXattrNames = skippedXattrNames;
        }

        public void Write(Stream output, long dataEnd, IReadOnlyList<FragmentLocation> fragments, bool everyTailInFragment, bool hasOptionsBlock, SquashfsWriteResult result)
        {
            _tree.ReleaseLookup();
            CompressionSettings compression = _options.Compression;
            IBlockCompressor compressor = compression.CreateMetadataCompressor(_options.BlockSize);
            var ids = new IdTable();
            var xattrs = new XattrTable(compressor, _reporter, _skippedXattrNames);
            _numbering = new InodeNumbering(_tree);

            // The inode table goes right after the data, so it is written there as it is built (at a million entries
            // it is the largest table); the directory table, which follows it, waits in memory.
            output.Position = dataEnd;
            _inodes = new InodeWriter(_tree, _files, _options.BlockSize, _numbering, ids, xattrs, new MetadataWriter(compressor, output));
            _directories = new DirectoryWriter(_tree, _numbering.Numbers, _inodes.References, new MetadataWriter(compressor));
            _numbering.Number(FileTree.Root);
            WriteDirectory(FileTree.Root, _numbering.Count + 1);
            _inodes.Flush();
            _directories.Flush();
            xattrs.Flush();

            long inodeTableStart = dataEnd;
            long directoryTableStart = output.Position;
            _directories.CopyTo(output);
            long fragmentTableStart = FragmentTable.Write(output, fragments, compressor);
            long idTableStart = ids.Write(output, compressor);
            long xattrIdTableStart = xattrs.Write(output, compressor);

            long bytesUsed = output.Position;
            long imageSize = Pad(output, bytesUsed);
            var superblock = new SquashfsSuperblock
            {
                InodeCount = _numbering.Count,
                ModificationTime = FileTree.ClampTime(_options.MkfsTime),
                BlockSize = (uint)_options.BlockSize,
                FragmentCount = (uint)fragments.Count,
                CompressionId = compression.SuperblockId,
                BlockLog = SuperblockWriter.BlockLog(_options.BlockSize),
                Flags = SuperblockWriter.Flags(compression, _options.Deduplicate, everyTailInFragment, fragments.Count > 0, xattrs.Count > 0, hasOptionsBlock),
                IdCount = (ushort)ids.Count,
                RootInode = (ulong)_inodes.References[FileTree.Root],
                BytesUsed = (ulong)bytesUsed,
                IdTableStart = (ulong)idTableStart,
                XattrIdTableStart = xattrIdTableStart < 0 ? SquashfsSuperblock.NoTable : (ulong)xattrIdTableStart,
                InodeTableStart = (ulong)inodeTableStart,
                DirectoryTableStart = (ulong)directoryTableStart,
                FragmentTableStart = (ulong)fragmentTableStart,
            };
            SuperblockWriter.Write(output, superblock);
            output.Position = imageSize;

            result.BytesUsed = bytesUsed;
            result.ImageSize = imageSize;
            result.InodeCount = _numbering.Count;
            result.FragmentCount = (uint)fragments.Count;
            result.IdCount = ids.Count;
            result.XattrIdCount = xattrs.Count;
            (compressor as IDisposable)?.Dispose();
        }

        /// <summary>Pads the image to a multiple of 4 KiB (what loop devices need); returns the padded size.</summary>
        private static long Pad(Stream output, long bytesUsed)
        {
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

            return imageSize;
        }

        /// <summary>
        /// Post-order, as <see cref="InodeNumbering"/> numbered: the subdirectories, then the other children's inodes
        /// (a hard-linked node once, at its first name), then this directory's listing, whose entries need every
        /// child's inode reference, then its inode, which needs the listing's.
        /// </summary>
        private void WriteDirectory(int directory, uint parentInodeNumber)
        {
            uint directoryNumber = _numbering.Numbers[directory];
            long[] references = _inodes.References;
            uint subdirectories = 0;
            for (int slot = _tree.Node(directory).Link; slot != TreeNode.None; slot = _tree.Slot(slot).NextSibling)
            {
                int child = _tree.Slot(slot).Node;
                if (_tree.Node(child).Type == TreeEntryType.Directory)
                {
                    WriteDirectory(child, directoryNumber);
                    subdirectories++;
                }
                else if (references[child] < 0)
                {
                    _inodes.Write(child);
                }
            }

            DirectoryListing listing = _directories.Write(directory);
            _inodes.WriteDirectory(directory, 2 + subdirectories, parentInodeNumber, listing);
        }
    }
}
