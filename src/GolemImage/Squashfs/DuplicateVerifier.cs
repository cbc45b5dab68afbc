using System;
using System.Collections.Generic;
using System.IO;
using GolemImage.Compression;

namespace GolemImage.Squashfs
{
    /// <summary>
    /// Byte-exact comparison of a duplicate candidate with its original, on the block writer thread (which owns the
    /// output stream and has written everything queued before the check). Work and reads are proportional to the
    /// candidate's size; the buffers (two of max(1 MiB, block size), up to 2 MiB of fragment blocks) are allocated as candidates need them.
    /// </summary>
    internal sealed class DuplicateVerifier : IDisposable
    {
        // Reads alternate between the two copies. Chunks at least as large as a FileStream's buffer (GvmiImageWriter
        // uses 1 MiB) bypass it; smaller ones would refill the whole buffer at every switch.
        private const int CompareChunk = 1 << 20;

        private readonly Stream _output;
        private readonly CompressionSettings _compression;
        private readonly int _blockSize;
        private byte[]? _left;
        private byte[]? _right;
        // Decompressed fragment blocks, least recently used replaced first. The originals of duplicate small files
        // (licence texts, translations) sit in fragment blocks that duplicates refer back to in turn; with one cached
        // block every switch decompressed again (xz Fastest on /usr/share/doc: 409 fragment decompressions for 708
        // duplicate tails in 114 blocks; 311 with this cache, 114 with an unbounded one). At most 16 blocks and
        // 2 MiB (16 of 128 KiB), at least two.
        private const int FragmentCacheBytes = 2 << 20;
        private const int FragmentCacheSlots = 16;
        private readonly byte[]?[] _fragments;
        private readonly int[] _fragmentLengths;
        private readonly long[] _fragmentIndexes;
        private readonly long[] _fragmentUses;
        private long _uses;
        private IBlockDecompressor? _decompressor;

        /// <summary>Set when a comparison read from the output, so that the writer seeks back before writing.</summary>
        public bool StreamMoved { get; set; }

        public DuplicateVerifier(Stream output, CompressionSettings compression, int blockSize)
        {
            _output = output;
            _compression = compression;
            _blockSize = blockSize;
            int slots = Math.Max(2, Math.Min(FragmentCacheSlots, FragmentCacheBytes / Math.Max(1, blockSize)));
            _fragments = new byte[slots][];
            _fragmentLengths = new int[slots];
            _fragmentIndexes = new long[slots];
            _fragmentUses = new long[slots];
            for (int i = 0; i < slots; i++)
            {
                _fragmentIndexes[i] = -1;
            }
        }

        /// <summary>
        /// True when both files have the same block size words (sparse 0 and the stored-raw bit included) and the same
        /// stored bytes. Decompression is deterministic, so that means the same content.
        /// </summary>
        public bool BlocksEqual(SquashfsFileData file, SquashfsFileData original)
        {
            ReadOnlySpan<uint> words = file.BlockSizes;
            ReadOnlySpan<uint> originalWords = original.BlockSizes;
            if (words.Length != originalWords.Length)
            {
                return false;
            }

            long stored = 0;
            for (int i = 0; i < words.Length; i++)
            {
                if (words[i] != originalWords[i])
                {
                    return false;
                }

                stored += words[i] & SquashfsFileData.StoredSizeMask;
            }

            return RangesEqual(file.StartBlock, original.StartBlock, stored);
        }

        /// <summary>
        /// True when <paramref name="tail"/> equals the original's tail, read back from its fragment block (which the
        /// writer has already written: fragment blocks are queued before any check that refers to them).
        /// </summary>
        public bool TailEqual(SquashfsFileData original, ReadOnlySpan<byte> tail, IReadOnlyList<FragmentLocation> fragments)
        {
            if (original.FragmentIndex == SquashfsFileData.NoFragment || original.FragmentIndex >= fragments.Count)
            {
                return false;
            }

            int slot = FragmentSlot(original.FragmentIndex, fragments[(int)original.FragmentIndex]);
            long offset = original.FragmentOffset;
            return offset + tail.Length <= _fragmentLengths[slot] && tail.SequenceEqual(_fragments[slot].AsSpan((int)offset, tail.Length));
        }

        /// <summary>The cache slot holding fragment block <paramref name="index"/> decompressed, loading it into the least recently used slot if needed.</summary>
        private int FragmentSlot(uint index, FragmentLocation location)
        {
            int victim = 0;
            for (int i = 0; i < _fragmentIndexes.Length; i++)
            {
                if (_fragmentIndexes[i] == index)
                {
                    _fragmentUses[i] = ++_uses;
                    return i;
                }

                if (_fragmentUses[i] < _fragmentUses[victim])
                {
                    victim = i;
                }
            }

            LoadFragment(victim, location);
            _fragmentIndexes[victim] = index;
            _fragmentUses[victim] = ++_uses;
            return victim;
        }

        public void Dispose() => (_decompressor as IDisposable)?.Dispose();

        private int ChunkLength => Math.Max(CompareChunk, _blockSize);

        private void LoadFragment(int slot, FragmentLocation location)
        {
            _fragmentIndexes[slot] = -1;
            byte[] fragment = _fragments[slot] ??= new byte[_blockSize];
            int stored = (int)(location.SizeWord & SquashfsFileData.StoredSizeMask);
            if ((location.SizeWord & SquashfsFileData.UncompressedBit) != 0)
            {
                ReadExactly(location.Start, fragment, stored);
                _fragmentLengths[slot] = stored;
            }
            else
            {
                _left ??= new byte[ChunkLength];
                ReadExactly(location.Start, _left, stored);
                _decompressor ??= _compression.CreateDecompressor(_blockSize);
                _fragmentLengths[slot] = _decompressor.Decompress(_left.AsSpan(0, stored), fragment);
            }
        }

        private bool RangesEqual(long first, long second, long length)
        {
            if (length == 0)
            {
                return true;
            }

            _left ??= new byte[ChunkLength];
            _right ??= new byte[ChunkLength];
            while (length > 0)
            {
                int chunk = (int)Math.Min(length, ChunkLength);
                ReadExactly(first, _left, chunk);
                ReadExactly(second, _right, chunk);
                if (!_left.AsSpan(0, chunk).SequenceEqual(_right.AsSpan(0, chunk)))
                {
                    return false;
                }

                first += chunk;
                second += chunk;
                length -= chunk;
            }

            return true;
        }

        private void ReadExactly(long position, byte[] buffer, int count)
        {
#if NET8_0_OR_GREATER
            if (_output is FileStream file)
            {
                // A positional read (pread) leaves the stream where the next block goes, so the writer need not seek
                // back, and it bypasses the FileStream's buffer: setting Position and reading a 40 KB fragment block
                // through GvmiImageWriter's 1 MiB buffer read the whole 1 MiB (a million-file tar read 5 GB more than
                // its own size). The SafeFileHandle getter flushes the write buffer first: the block compared with
                // may still be in it.
                Microsoft.Win32.SafeHandles.SafeFileHandle handle = file.SafeFileHandle;
                int done = 0;
                while (done < count)
                {
                    int got = RandomAccess.Read(handle, buffer.AsSpan(done, count - done), position + done);
                    if (got <= 0)
                    {
                        throw new EndOfStreamException($"The squashfs output ended at {position + done} while reading back {count} bytes written at {position}.");
                    }

                    done += got;
                }

                return;
            }
#endif
            StreamMoved = true;
            _output.Position = position;
            int filled = 0;
            while (filled < count)
            {
                int read = _output.Read(buffer, filled, count - filled);
                if (read <= 0)
                {
                    throw new EndOfStreamException($"The squashfs output ended at {position + filled} while reading back {count} bytes written at {position}.");
                }

                filled += read;
            }
        }
    }
}
