using System;
using System.Collections.Generic;
using System.IO;
using GolemImage.Compression;
using GolemImage.Reporting;

namespace GolemImage.Squashfs
{
    /// <summary>
    /// The output side of the block processor, on its writer thread alone: where the next block goes, seeking back
    /// over blocks a duplicate gives up, and deciding duplicate candidates by comparing stored bytes (the shape of
    /// squashfs-tools-ng's block_writer beside its block_processor). The processor only orders and compresses.
    /// </summary>
    internal sealed class BlockWriter : IDisposable
    {
        private readonly Stream _output;
        private readonly DuplicateVerifier _verifier;
        private readonly IEngineReporter _reporter;
        private readonly List<FragmentLocation> _fragments = new List<FragmentLocation>();
        private long _position;

        // The stream is not where the next block goes: a comparison read from it, or a duplicate gave its blocks back.
        // Seek only when the next write comes: many small duplicates need no read, and a seek flushes the write buffer.
        private bool _seekNeeded = true;

        public BlockWriter(Stream output, long startPosition, CompressionSettings compression, int blockSize, IEngineReporter reporter)
        {
            _output = output;
            _position = startPosition;
            _reporter = reporter;
            _verifier = new DuplicateVerifier(output, compression, blockSize);
        }

        /// <summary>Where the next block goes; after the last one, the end of the data.</summary>
        public long Position => _position;

        /// <summary>Fragment blocks written so far, in fragment-index order.</summary>
        public IReadOnlyList<FragmentLocation> Fragments => _fragments;

        public long DuplicatesConfirmed { get; private set; }

        public long BlockRunsShared { get; private set; }

        public long CollisionsFound { get; private set; }

        public bool TailBlocksWritten { get; private set; }

        public void StartFile(SquashfsFileData file) => file.StartBlock = _position;

        /// <summary>Appends one block of <paramref name="file"/>: a sparse (all-zero, nothing written) one, or its stored bytes.</summary>
        public void AddDataBlock(SquashfsFileData file, bool sparse, byte[] stored, int length, bool compressed) =>
            file.AddBlock(sparse ? 0 : Write(stored, length, compressed));

        /// <summary>Records <paramref name="count"/> all-zero blocks of <paramref name="file"/>: nothing is written for them.</summary>
        public void AddSparseBlocks(SquashfsFileData file, int count)
        {
            for (int i = 0; i < count; i++)
            {
                file.AddBlock(0);
            }
        }

        public void AddFragmentBlock(byte[] stored, int length, bool compressed)
        {
            long start = _position;
            _fragments.Add(new FragmentLocation(start, Write(stored, length, compressed)));
        }

        /// <summary>
        /// Decides a duplicate candidate queued right after its last data block: equal bytes, it takes the original's
        /// blocks and fragment (its own blocks, the last thing written, are given back); different (a hash collision),
        /// it keeps its blocks, and a <paramref name="tail"/> that differs becomes its short last block, stored raw.
        /// </summary>
        public void ResolveDuplicate(DuplicateCheck check, byte[]? tail, int tailLength)
        {
            SquashfsFileData file = check.File;
            SquashfsFileData original = check.Original;
            _verifier.StreamMoved = false;
            bool blocksEqual = _verifier.BlocksEqual(file, original);
            bool tailEqual = tail == null || _verifier.TailEqual(original, tail.AsSpan(0, tailLength), _fragments);
            _seekNeeded |= _verifier.StreamMoved;
            if (blocksEqual && tailEqual)
            {
                UseOriginalBlocks(file, original);
                file.FragmentIndex = original.FragmentIndex;
                file.FragmentOffset = original.FragmentOffset;
                DuplicatesConfirmed++;
                return;
            }

            // A hash collision: the file keeps its blocks (a squashfs file's blocks are contiguous, so it cannot mix
            // its own with the original's). Its tail was not packed: an equal one is the original's fragment slice,
            // a different one becomes the file's short last block, stored raw.
            if (tailEqual)
            {
                file.FragmentIndex = original.FragmentIndex;
                file.FragmentOffset = original.FragmentOffset;
            }
            else if (tail != null)
            {
                if (file.BlockCount == 0)
                {
                    file.StartBlock = _position;
                }

                file.AddBlock(Write(tail, tailLength, false));
                TailBlocksWritten = true;
            }

            CollisionsFound++;
            _reporter.Warning(check.CollisionWarning());
        }

        /// <summary>A file whose full blocks hash like an earlier file's: equal bytes, it shares the earlier blocks.</summary>
        public void ShareBlocks(DuplicateCheck check)
        {
            SquashfsFileData file = check.File;
            SquashfsFileData original = check.Original;
            _verifier.StreamMoved = false;
            bool equal = _verifier.BlocksEqual(file, original);
            _seekNeeded |= _verifier.StreamMoved;
            if (!equal)
            {
                // Blocks that only hash alike: the file keeps its own (nothing to warn about, no content is lost).
                return;
            }

            UseOriginalBlocks(file, original);
            BlockRunsShared++;
        }

        public void Dispose() => _verifier.Dispose();

        /// <summary>
        /// Forgets the blocks just written for <paramref name="file"/> (checks are queued right after a file's last
        /// block, so they are the last thing written) and points it at <paramref name="original"/>'s.
        /// </summary>
        private void UseOriginalBlocks(SquashfsFileData file, SquashfsFileData original)
        {
            if (file.BlockCount > 0 && _position != file.StartBlock)
            {
                _position = file.StartBlock;
                _seekNeeded = true;
            }

            file.StartBlock = original.StartBlock;
            file.UseBlocksOf(original);
        }

        /// <summary>Writes a block at <see cref="Position"/>; returns its size word (the raw bit set when not compressed).</summary>
        private uint Write(byte[] stored, int length, bool compressed)
        {
            if (_seekNeeded)
            {
                _output.Position = _position;
                _seekNeeded = false;
            }

            _output.Write(stored, 0, length);
            _position += length;
            return compressed ? (uint)length : (uint)length | SquashfsFileData.UncompressedBit;
        }
    }
}
