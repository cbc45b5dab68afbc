using System;
using System.Buffers;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Threading;
using System.Threading.Tasks;
using GolemImage.Compression;
using GolemImage.Hashing;
using GolemImage.Reporting;
using GolemImage.Tar;
using GolemImage.Tree;

namespace GolemImage.Squashfs
{
    /// <summary>
    /// Writes a squashfs 4.0 image in one pass over a stream of entries: file data goes to the output as it arrives
    /// (compressed on all workers, written in order), the tree stays in memory, and the inode, directory, fragment,
    /// id and xattr tables plus the superblock are written by <see cref="FinishAsync"/>. The output must be seekable
    /// (duplicate files roll back their data; the superblock is written last at offset 0) and, with deduplication,
    /// readable (a file whose size and XxHash128 match an earlier file's is compared byte by byte with it).
    /// </summary>
    public sealed class SquashfsWriter : IDisposable
    {

        /// <summary>
        /// The most blocks one file may have: its block list (4 bytes a block) lives in the inode table and in memory
        /// until the tables are written, so a sparse file claiming exabytes must be refused, not listed. 2^24 blocks is
        /// a 64 MiB list: 2 TiB at the default 128 KiB blocks.
        /// </summary>
        internal const int MaxBlocksPerFile = 1 << 24;

        private readonly Stream _output;
        private readonly SquashfsWriterOptions _options;
        private readonly IEngineReporter _reporter;
        private readonly FileTree _tree;
        private readonly FileDataStore _files = new FileDataStore();
        private readonly ArrayPool<byte> _pool;
        private readonly BlockProcessor _processor;
        private readonly Xxh3Hash128 _hasher = new Xxh3Hash128();
        private ContentIndex? _filesByContent;

        // Files by their full blocks alone (count and hash): a file whose blocks equal an earlier file's but whose tail
        // differs can share those blocks and keep its own tail (two changelogs that differ in the last lines).
        private ContentIndex? _filesByBlocks;
        private readonly HashSet<string> _skippedXattrNames = new HashSet<string>(StringComparer.Ordinal);
        private readonly Stopwatch _clock = Stopwatch.StartNew();
        private readonly SquashfsWriteResult _result = new SquashfsWriteResult();
        private readonly bool _hasOptionsBlock;
        private byte[] _fragment;
        private int _fragmentFill;
        private uint _fragmentCount;
        private long _lastProgressTicks;
        private bool _finished;
        private bool _failed;

        public SquashfsWriter(Stream output, SquashfsWriterOptions options, IEngineReporter? reporter = null)
        {
            _output = output ?? throw new ArgumentNullException(nameof(output));
            _options = options ?? throw new ArgumentNullException(nameof(options));
            _reporter = reporter ?? NullReporter.Instance;
            if (!output.CanSeek || !output.CanWrite)
            {
                throw new ArgumentException("The squashfs output must be a writable, seekable stream.", nameof(output));
            }

            if (options.Deduplicate && !output.CanRead)
            {
                throw new ArgumentException("With deduplication on, the squashfs output must also be readable (duplicate candidates are compared byte by byte with what was written).", nameof(output));
            }

            if (output.Position != 0)
            {
                throw new ArgumentException("The squashfs output must be positioned at its start.", nameof(output));
            }

            // Refused before anything is written: a compressor this module cannot write fails with a clear error.
            CompressorDescriptor compressor = options.Compression.Descriptor;
            if (!options.Compression.Uncompressed)
            {
                compressor.EnsureCanWrite();
            }

            if (options.Compression.UnsupportedByGolemProviders)
            {
                _reporter.Warning($"{compressor.Name} images cannot be mounted by Golem providers: {compressor.NotMountableReason}; use {CompressorTable.DescribeWritableMountable("or")} for images you publish.");
            }

            _tree = new FileTree(options.DefaultModificationTime);
            int blockSize = options.BlockSize;
            _filesByContent = new ContentIndex(file => _files.Get(file).Size);
            _filesByBlocks = new ContentIndex(file =>
            {
                // Files are added here by their full blocks: the size without the tail (none had holes skipped).
                long size = _files.Get(file).Size;
                return size - (size % blockSize);
            });
            int workers = options.EffectiveWorkerCount;
            int inFlight = Math.Max(4, workers * Math.Max(1, options.BlocksInFlightPerWorker));
            _pool = ArrayPool<byte>.Create(options.BlockSize, (inFlight * 2) + 16);
            _fragment = _pool.Rent(options.BlockSize);

            // Superblock placeholder, then the compressor options (one metadata block, always stored raw).
            output.Write(new byte[SquashfsSuperblock.Size], 0, SquashfsSuperblock.Size);
            long dataStart = SquashfsSuperblock.Size;
            byte[]? compressorOptions = options.Compression.CreateOptionsBlock(options.BlockSize);
            if (compressorOptions != null)
            {
                ushort header = (ushort)(SquashfsFormat.MetadataUncompressed | compressorOptions.Length);
                output.WriteByte((byte)header);
                output.WriteByte((byte)(header >> 8));
                output.Write(compressorOptions, 0, compressorOptions.Length);
                dataStart += 2 + compressorOptions.Length;
                _hasOptionsBlock = true;
            }

            _processor = new BlockProcessor(output, dataStart, options.Compression, options.BlockSize, workers, inFlight, _pool, _reporter);
        }

        /// <summary>
        /// Adds one entry. For a regular file, <paramref name="readData"/> is called until it returns 0 and must fill
        /// the buffer completely except at the end of the data (like TarEntry.ReadDataAsync). A later entry with the
        /// same path replaces an earlier one, as tar extraction would.
        /// </summary>
        public ValueTask AddAsync(TreeEntry entry, Func<Memory<byte>, CancellationToken, ValueTask<int>>? readData, CancellationToken cancellationToken) =>
            AddAsync(entry, readData, null, cancellationToken);

        /// <summary>As above; <paramref name="holes"/> (when given) tells where the data has sparse holes, which are then
        /// written as sparse blocks by count instead of being read as zeros.</summary>
        private async ValueTask AddAsync(TreeEntry entry, Func<Memory<byte>, CancellationToken, ValueTask<int>>? readData, TarEntryData? holes, CancellationToken cancellationToken)
        {
            if (entry == null)
            {
                throw new ArgumentNullException(nameof(entry));
            }

            ThrowIfUnusable();
            cancellationToken.ThrowIfCancellationRequested();
            try
            {
                int node = _tree.Add(entry, _reporter.Warning);
                _result.EntriesAdded++;
                if (entry.Type == TreeEntryType.RegularFile)
                {
                    _result.FilesAdded++;
                    _tree.SetFileData(node, await WriteFileDataAsync(entry, readData, holes, cancellationToken).ConfigureAwait(false));
                }

                ReportProgress(false);
            }
            catch
            {
                _failed = true;
                throw;
            }
        }

        /// <summary>Adds one tar entry, consuming its data.</summary>
        public ValueTask AddAsync(TarEntry entry, CancellationToken cancellationToken)
        {
            if (entry == null)
            {
                throw new ArgumentNullException(nameof(entry));
            }

            TreeXattr[] xattrs = new TreeXattr[entry.Xattrs.Count];
            for (int i = 0; i < xattrs.Length; i++)
            {
                xattrs[i] = new TreeXattr(entry.Xattrs[i].Name, entry.Xattrs[i].Value);
            }

            var treeEntry = new TreeEntry(entry.Path, ToTreeType(entry.Type))
            {
                DisplayPath = entry.DisplayPath,
                LinkTarget = entry.LinkTarget,
                Mode = entry.Mode,
                Uid = entry.Uid,
                Gid = entry.Gid,
                ModificationTime = entry.ModificationTime,
                DeviceMajor = entry.DeviceMajor,
                DeviceMinor = entry.DeviceMinor,
                Xattrs = xattrs,
                SourceOffset = entry.HeaderOffset,
            };
            if (entry.Type == TarEntryType.RegularFile)
            {
                // Refused before any work: the size of a sparse file is a claim, not bytes that have to be read.
                CheckBlockCount(treeEntry, entry.Size, BlockCount(entry.Size));
                return AddAsync(treeEntry, entry.ReadDataAsync, entry.Data, cancellationToken);
            }

            return AddAsync(treeEntry, null, null, cancellationToken);
        }

        /// <summary>Writes the tables, the padding and finally the superblock. The stream is left at the end of the padding.</summary>
        public async Task<SquashfsWriteResult> FinishAsync(CancellationToken cancellationToken)
        {
            ThrowIfUnusable();
            _finished = true;
            try
            {
                if (_fragmentFill > 0)
                {
                    byte[] last = _fragment;
                    _fragment = Array.Empty<byte>();
                    await _processor.FragmentBlockAsync(last, _fragmentFill, cancellationToken).ConfigureAwait(false);
                    _fragmentFill = 0;
                }
                else
                {
                    _pool.Return(_fragment);
                    _fragment = Array.Empty<byte>();
                }

                long dataEnd = await _processor.CompleteAsync().ConfigureAwait(false);
                cancellationToken.ThrowIfCancellationRequested();

                // No file comes any more: the duplicate indexes (an entry per file) can go before the tables are built.
                _filesByContent = null;
                _filesByBlocks = null;
                _result.DuplicateFiles += _processor.DuplicatesConfirmed;
                _result.SharedBlockRuns += _processor.BlockRunsShared;
                _result.ContentHashCollisions += _processor.CollisionsFound;
                _tree.ResolveHardLinks();
                _tree.ReleaseLookup();
                ReportProgress(true);

                // The duplicate indexes and the tree's name hash (tens of MB at a million files) are garbage from here:
                // collected now, before the tables allocate, the process peaks at the larger of the two phases, not
                // at their sum. One collection per image; the live set is a few large arrays without references.
                GC.Collect();

                var tables = new SquashfsTableWriter(_tree, _files, _options, _reporter, _skippedXattrNames);
                tables.Write(_output, dataEnd, _processor.Fragments, !_processor.TailBlocksWritten, _hasOptionsBlock, _result);
                return _result;
            }
            catch
            {
                _failed = true;
                throw;
            }
        }

        public void Dispose()
        {
            _processor.Dispose();
            _finished = true;
        }

        private static TreeEntryType ToTreeType(TarEntryType type)
        {
            switch (type)
            {
                case TarEntryType.RegularFile: return TreeEntryType.RegularFile;
                case TarEntryType.HardLink: return TreeEntryType.HardLink;
                case TarEntryType.SymbolicLink: return TreeEntryType.SymbolicLink;
                case TarEntryType.CharacterDevice: return TreeEntryType.CharacterDevice;
                case TarEntryType.BlockDevice: return TreeEntryType.BlockDevice;
                case TarEntryType.Directory: return TreeEntryType.Directory;
                case TarEntryType.Fifo: return TreeEntryType.Fifo;
                default: throw new ArgumentOutOfRangeException(nameof(type), type, "Unknown tar entry type.");
            }
        }

        private void ThrowIfUnusable()
        {
            if (_finished)
            {
                throw new InvalidOperationException("The squashfs writer has already finished.");
            }

            if (_failed)
            {
                throw new InvalidOperationException("The squashfs writer failed earlier; its output is incomplete.");
            }
        }

        private long BlockCount(long size) => (size + _options.BlockSize - 1) / _options.BlockSize;

        private void CheckBlockCount(TreeEntry entry, long size, long blocks)
        {
            if (blocks > MaxBlocksPerFile)
            {
                string at = entry.SourceOffset >= 0 ? $" (at byte offset {entry.SourceOffset})" : string.Empty;
                throw new GolemImageException(
                    ErrorIds.FileTooLarge,
                    GolemErrorCategory.InvalidData,
                    $"The file '{entry.Display}'{at} claims {size} bytes: its squashfs block list would have {blocks} entries, more than the {MaxBlocksPerFile} a file may have here ({(long)MaxBlocksPerFile * _options.BlockSize} bytes at {_options.BlockSize}-byte blocks).",
                    entry.Display);
            }
        }

        private async ValueTask<SquashfsFileData> WriteFileDataAsync(TreeEntry entry, Func<Memory<byte>, CancellationToken, ValueTask<int>>? readData, TarEntryData? holes, CancellationToken cancellationToken)
        {
            SquashfsFileData file = _files.Create();
            if (readData == null)
            {
                return file;
            }

            int blockSize = _options.BlockSize;
            bool started = false;
            long size = 0;
            byte[]? tail = null;
            int tailLength = 0;
            byte[]? blocksDigest = null;
            long blocks = 0;
            bool holesSkipped = false;
            _hasher.Reset();
            while (true)
            {
                long hole = holes?.HoleAhead ?? 0;
                if (hole >= blockSize)
                {
                    // Whole blocks of a hole cost nothing: sparse blocks by count, no buffer, no read, no hash. Such a
                    // file takes no part in deduplication (its content hash would have to cover the zeros).
                    long skip = hole / blockSize;
                    CheckBlockCount(entry, size + (skip * blockSize), blocks + skip);
                    if (!started)
                    {
                        await _processor.FileStartAsync(file, cancellationToken).ConfigureAwait(false);
                        started = true;
                    }

                    await _processor.SparseBlocksAsync(file, (int)skip, cancellationToken).ConfigureAwait(false);
                    holes!.SkipHole(skip * blockSize);
                    blocks += skip;
                    size += skip * blockSize;
                    holesSkipped = true;
                    ReportProgress(false);
                }

                byte[] buffer = _pool.Rent(blockSize);
                int filled;
                try
                {
                    filled = await FillAsync(readData, buffer, blockSize, cancellationToken).ConfigureAwait(false);
                }
                catch
                {
                    _pool.Return(buffer);
                    throw;
                }

                if (filled == 0)
                {
                    _pool.Return(buffer);
                    break;
                }

                if (filled < blockSize && started && _options.Deduplicate)
                {
                    // The hash of the full blocks, before the tail joins it.
                    blocksDigest = _hasher.GetCurrentHash();
                }

                _hasher.Append(buffer.AsSpan(0, filled));
                size += filled;
                _result.DataBytesRead += filled;
                if (filled < blockSize)
                {
                    tail = buffer;
                    tailLength = filled;
                    break;
                }

                if (!started)
                {
                    await _processor.FileStartAsync(file, cancellationToken).ConfigureAwait(false);
                    started = true;
                }

                blocks++;
                CheckBlockCount(entry, size, blocks);
                await _processor.DataBlockAsync(file, buffer, blockSize, cancellationToken).ConfigureAwait(false);
                ReportProgress(false);
            }

            file.Size = size;
            try
            {
                if (size > 0 && _options.Deduplicate && !holesSkipped)
                {
                    byte[] digest = MapForTests(_hasher.GetCurrentHash());

                    if (_filesByContent!.TryGet(size, digest, out int originalIndex))
                    {
                        SquashfsFileData original = _files.Get(originalIndex);
                        // The hash only names a candidate; the bytes decide (XxHash128 is not collision resistant).
                        byte[]? handedOver = tail;
                        tail = null;
                        SquashfsFileData? shared = await CheckDuplicateAsync(entry, file, started, handedOver, tailLength, original, digest, cancellationToken).ConfigureAwait(false);
                        return shared ?? file;
                    }

                    _filesByContent.Add(size, digest, file.Index);
                    if (started)
                    {
                        await CheckSharedBlocksAsync(entry, file, size - tailLength, tail == null ? digest : MapForTests(blocksDigest!), cancellationToken).ConfigureAwait(false);
                    }
                }

                if (tail != null)
                {
                    await AddTailAsync(file, tail, tailLength, cancellationToken).ConfigureAwait(false);
                }
            }
            finally
            {
                if (tail != null)
                {
                    _pool.Return(tail);
                }
            }

            return file;
        }

        /// <summary>
        /// Decides, or queues for the block writer to decide, whether <paramref name="file"/> is a byte-exact copy of
        /// <paramref name="original"/>. Takes ownership of <paramref name="tail"/>. Returns the data to use
        /// when decided here (the original's for a tail-only duplicate), or null: then <paramref name="file"/> is
        /// used and the block writer fills it in. Never waits for the writer beyond the usual queue back-pressure.
        /// </summary>
        private async ValueTask<SquashfsFileData?> CheckDuplicateAsync(TreeEntry entry, SquashfsFileData file, bool started, byte[]? tail, int tailLength, SquashfsFileData original, byte[] digest, CancellationToken cancellationToken)
        {
            var check = new DuplicateCheck(file, original, entry.Display, digest);
            try
            {
                if (tail != null && original.FragmentIndex == _fragmentCount)
                {
                    // The original's tail is still in the fragment buffer: compare it here, and spare the writer.
                    bool tailEqual = tail.AsSpan(0, tailLength).SequenceEqual(_fragment.AsSpan((int)original.FragmentOffset, tailLength));
                    if (!tailEqual)
                    {
                        // Different content whatever the blocks hold: the file keeps its blocks and packs its tail.
                        _result.ContentHashCollisions++;
                        _reporter.Warning(check.CollisionWarning());
                        await AddTailAsync(file, tail, tailLength, cancellationToken).ConfigureAwait(false);
                        return file;
                    }

                    if (!started)
                    {
                        _result.DuplicateFiles++;
                        return original;
                    }

                    await _processor.VerifyDuplicateAsync(check, null, 0, cancellationToken).ConfigureAwait(false);
                    return null;
                }

                // The original's tail (if any) is in a fragment block already queued: the writer reads it back.
                byte[]? owned = tail;
                tail = null;
                await _processor.VerifyDuplicateAsync(check, owned, tailLength, cancellationToken).ConfigureAwait(false);
                return null;
            }
            finally
            {
                if (tail != null)
                {
                    _pool.Return(tail);
                }
            }
        }

        /// <summary>
        /// When an earlier file's full blocks have the same count and hash as <paramref name="file"/>'s, queues the
        /// block writer's byte comparison of the two runs, right after the file's last block and before its tail can
        /// flush a fragment block (so that its blocks are still the last thing written); otherwise remembers the file
        /// as the one to share with. Equal runs: the file points at the earlier blocks and keeps its own tail.
        /// </summary>
        private async ValueTask CheckSharedBlocksAsync(TreeEntry entry, SquashfsFileData file, long blockBytes, byte[] blocksDigest, CancellationToken cancellationToken)
        {
            if (_filesByBlocks!.TryGet(blockBytes, blocksDigest, out int original))
            {
                await _processor.ShareBlocksAsync(new DuplicateCheck(file, _files.Get(original), entry.Display, blocksDigest), cancellationToken).ConfigureAwait(false);
            }
            else
            {
                _filesByBlocks.Add(blockBytes, blocksDigest, file.Index);
            }
        }

        private byte[] MapForTests(byte[] digest) => _options.ContentHashForTests != null ? _options.ContentHashForTests(digest) : digest;

        private static async ValueTask<int> FillAsync(Func<Memory<byte>, CancellationToken, ValueTask<int>> readData, byte[] buffer, int count, CancellationToken cancellationToken)
        {
            int filled = 0;
            while (filled < count)
            {
                int read = await readData(buffer.AsMemory(filled, count - filled), cancellationToken).ConfigureAwait(false);
                if (read <= 0)
                {
                    break;
                }

                filled += read;
            }

            return filled;
        }

        /// <summary>Tail-end packing: the last partial block of every file goes into the current fragment block.</summary>
        private async ValueTask AddTailAsync(SquashfsFileData file, byte[] tail, int length, CancellationToken cancellationToken)
        {
            if (_fragmentFill + length > _options.BlockSize)
            {
                byte[] full = _fragment;
                _fragment = _pool.Rent(_options.BlockSize);
                int fullLength = _fragmentFill;
                _fragmentFill = 0;
                _fragmentCount++;
                await _processor.FragmentBlockAsync(full, fullLength, cancellationToken).ConfigureAwait(false);
            }

            Buffer.BlockCopy(tail, 0, _fragment, _fragmentFill, length);
            file.FragmentIndex = _fragmentCount;
            file.FragmentOffset = (uint)_fragmentFill;
            _fragmentFill += length;
        }

        private void ReportProgress(bool completed)
        {
            long now = _clock.ElapsedTicks;
            if (!completed && now - _lastProgressTicks < Stopwatch.Frequency / 4)
            {
                return;
            }

            _lastProgressTicks = now;
            double seconds = Math.Max(0.001, _clock.Elapsed.TotalSeconds);
            double mib = _result.DataBytesRead / 1048576.0;
            string status = FormattableString.Invariant($"{_result.EntriesAdded} entries, {_result.FilesAdded} files, {mib:F1} MiB read ({mib / seconds:F1} MiB/s)");
            _reporter.Progress(new ProgressReport(SquashfsProgress.ActivityId, "Writing squashfs image", completed ? "Writing tables: " + status : status));
        }
    }
}
