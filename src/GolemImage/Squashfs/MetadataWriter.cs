using System;
using System.Collections.Generic;
using System.IO;
using GolemImage.Compression;

namespace GolemImage.Squashfs
{
    /// <summary>
    /// A squashfs metadata table being built in memory: an uncompressed byte stream cut into 8 KiB chunks, each
    /// compressed as soon as it fills, so the reference (compressed block start, offset) of the next byte is always known.
    /// The compressed bytes are kept in 64 KiB chunks: a growing array would copy the inode table of a million entries
    /// several times and hold twice its size at the last copy. A table whose place in the image is known when it is
    /// built (the inode table, right after the data) goes straight to the output instead.
    /// </summary>
    internal sealed class MetadataWriter
    {
        public const int BlockSize = SquashfsFormat.MetadataBlockSize;

        private readonly IBlockCompressor _compressor;
        private readonly byte[] _block = new byte[BlockSize];
        private readonly byte[] _compressed = new byte[BlockSize];
        private const int ChunkSize = 1 << 16;

        private readonly List<byte[]> _chunks = new List<byte[]>();
        private readonly Stream? _sink;
        private readonly byte[] _header = new byte[2];
        private long _length;
        private int _fill;
        private long _fullBlocks;

        public MetadataWriter(IBlockCompressor compressor, Stream? sink = null)
        {
            _compressor = compressor;
            _sink = sink;
        }

        /// <summary>Offsets (relative to the table start) of each written block's header.</summary>
        public List<long> BlockOffsets { get; } = new List<long>();

        public long UncompressedPosition => (_fullBlocks * BlockSize) + _fill;

        /// <summary>The 48/16 metadata reference of the next byte written.</summary>
        public long Reference => (_length << 16) | (uint)_fill;

        public long CompressedLength => _length;

        public void Write(ReadOnlySpan<byte> data)
        {
            while (data.Length > 0)
            {
                int n = Math.Min(BlockSize - _fill, data.Length);
                data.Slice(0, n).CopyTo(_block.AsSpan(_fill));
                _fill += n;
                data = data.Slice(n);
                if (_fill == BlockSize)
                {
                    EmitBlock();
                    _fullBlocks++;
                }
            }
        }

        /// <summary>Writes the last, partial block. Call once, after the last Write.</summary>
        public void Flush()
        {
            if (_fill > 0)
            {
                EmitBlock();
            }
        }

        public void CopyTo(Stream destination)
        {
            if (_sink != null)
            {
                throw new InvalidOperationException("This table was written to its output as it was built.");
            }

            long left = _length;
            foreach (byte[] chunk in _chunks)
            {
                int count = (int)Math.Min(left, ChunkSize);
                destination.Write(chunk, 0, count);
                left -= count;
            }
        }

        private void EmitBlock()
        {
            BlockOffsets.Add(_length);
            int length = _compressor.Compress(_block.AsSpan(0, _fill), _compressed);
            if (length > 0 && length < _fill)
            {
                WriteHeader((ushort)length);
                Append(_compressed, length);
            }
            else
            {
                WriteHeader((ushort)(SquashfsFormat.MetadataUncompressed | _fill));
                Append(_block, _fill);
            }

            _fill = 0;
        }

        private void WriteHeader(ushort header)
        {
            _header[0] = (byte)header;
            _header[1] = (byte)(header >> 8);
            Append(_header, 2);
        }

        private void Append(byte[] bytes, int count)
        {
            if (_sink != null)
            {
                _sink.Write(bytes, 0, count);
                _length += count;
                return;
            }

            ReadOnlySpan<byte> data = bytes.AsSpan(0, count);
            while (data.Length > 0)
            {
                int offset = (int)(_length % ChunkSize);
                if (offset == 0 && _length / ChunkSize == _chunks.Count)
                {
                    _chunks.Add(new byte[ChunkSize]);
                }

                int n = Math.Min(ChunkSize - offset, data.Length);
                data.Slice(0, n).CopyTo(_chunks[(int)(_length / ChunkSize)].AsSpan(offset));
                _length += n;
                data = data.Slice(n);
            }
        }
    }
}
