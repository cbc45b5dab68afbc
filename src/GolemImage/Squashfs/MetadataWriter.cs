using System;
using System.Collections.Generic;
using System.IO;
using GolemImage.Compression;

namespace GolemImage.Squashfs
{
    /// <summary>
    /// A squashfs metadata table being built in memory: an uncompressed byte stream cut into 8 KiB chunks, each
    /// compressed as soon as it fills, so the reference (compressed block start, offset) of the next byte is always known.
    /// </summary>
    internal sealed class MetadataWriter
    {
        public const int BlockSize = SquashfsFormat.MetadataBlockSize;

        private readonly IBlockCompressor _compressor;
        private readonly byte[] _block = new byte[BlockSize];
        private readonly byte[] _compressed = new byte[BlockSize];
        private readonly MemoryStream _output = new MemoryStream();
        private int _fill;
        private long _fullBlocks;

        public MetadataWriter(IBlockCompressor compressor)
        {
            _compressor = compressor;
        }

        /// <summary>Offsets (relative to the table start) of each written block's header.</summary>
        public List<long> BlockOffsets { get; } = new List<long>();

        public long UncompressedPosition => (_fullBlocks * BlockSize) + _fill;

        /// <summary>The 48/16 metadata reference of the next byte written.</summary>
        public long Reference => (_output.Length << 16) | (uint)_fill;

        public long CompressedLength => _output.Length;

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
            _output.Position = 0;
            _output.CopyTo(destination);
        }

        private void EmitBlock()
        {
            BlockOffsets.Add(_output.Length);
            int length = _compressor.Compress(_block.AsSpan(0, _fill), _compressed);
            if (length > 0 && length < _fill)
            {
                WriteHeader((ushort)length);
                _output.Write(_compressed, 0, length);
            }
            else
            {
                WriteHeader((ushort)(SquashfsFormat.MetadataUncompressed | _fill));
                _output.Write(_block, 0, _fill);
            }

            _fill = 0;
        }

        private void WriteHeader(ushort header)
        {
            _output.WriteByte((byte)header);
            _output.WriteByte((byte)(header >> 8));
        }
    }
}
