using System;

namespace GolemImage.Compression.Xz
{
    /// <summary>
    /// Decodes one squashfs xz block: a complete .xz stream (xz-file-format.txt) with LZMA2, optionally behind the
    /// x86 BCJ filter, and a CRC32 or no check, the forms the kernel's xz decoder reads. Every container field is
    /// checked (header and footer flags and CRC32s, block header, index records against the decoded blocks,
    /// padding), so are the check of each block's data and the dictionary size against
    /// <see cref="DictionaryLimit"/>; anything else, including trailing bytes, is an
    /// <see cref="System.IO.InvalidDataException"/>. Nothing is allocated by a size the stream claims. An instance
    /// keeps its probability tables between calls and must be used by one thread at a time.
    /// </summary>
    public sealed unsafe class XzBlockDecompressor : IBlockDecompressor
    {
        private readonly Lzma2Decoder _lzma2 = new Lzma2Decoder();

        /// <summary>Accepts streams whose dictionary is at most 1 MiB, the largest squashfs block.</summary>
        public XzBlockDecompressor()
            : this(1 << 20)
        {
        }

        /// <summary>
        /// Accepts streams whose dictionary is at most <paramref name="dictionaryLimit"/> bytes: the image's
        /// options-block dictionary, which is all the kernel allocates.
        /// </summary>
        public XzBlockDecompressor(int dictionaryLimit)
        {
            if (dictionaryLimit < XzFormat.MinDictionarySize)
            {
                throw new ArgumentOutOfRangeException(nameof(dictionaryLimit), dictionaryLimit, $"The dictionary limit must be at least {XzFormat.MinDictionarySize} bytes.");
            }

            DictionaryLimit = dictionaryLimit;
        }

        public CompressionAlgorithm Algorithm => (CompressionAlgorithm)XzFormat.SquashfsId;

        public int DictionaryLimit { get; }

        public int Decompress(ReadOnlySpan<byte> source, Span<byte> destination)
        {
            if (source.Length < XzFormat.StreamHeaderSize + XzFormat.StreamFooterSize)
            {
                throw XzFormat.Corrupt($"{source.Length} bytes are too short for an xz stream");
            }

            if (!XzFormat.HasHeaderMagic(source))
            {
                throw XzFormat.Corrupt("the xz stream header magic is missing");
            }

            if (XzFormat.ReadUInt32(source.Slice(8)) != XzFormat.Crc32Of(source.Slice(6, 2)))
            {
                throw XzFormat.Corrupt("the stream header's CRC32 does not match");
            }

            byte check = source[7];
            if (source[6] != 0 || (check != XzFormat.CheckNone && check != XzFormat.CheckCrc32))
            {
                throw XzFormat.Corrupt($"the stream flags 0x{source[6]:X2}{check:X2} name a check other than none or CRC32, which the kernel cannot read");
            }

            int checkSize = check == XzFormat.CheckCrc32 ? 4 : 0;
            int position = XzFormat.StreamHeaderSize;
            int written = 0;

            // One index record per block, kept to compare with the index; a record needs at least 2 bytes
            // of the index, so the source length bounds the count.
            var records = new System.Collections.Generic.List<(long Unpadded, long Uncompressed)>();
            while (true)
            {
                if (position >= source.Length)
                {
                    throw XzFormat.Corrupt("the stream ends before its index");
                }

                if (source[position] == 0)
                {
                    break;
                }

                int blockStart = position;
                int headerSize = (source[position] + 1) * 4;
                if (headerSize > source.Length - position)
                {
                    throw XzFormat.Corrupt("a block header is truncated");
                }

                ReadOnlySpan<byte> header = source.Slice(position, headerSize);
                if (XzFormat.ReadUInt32(header.Slice(headerSize - 4)) != XzFormat.Crc32Of(header.Slice(0, headerSize - 4)))
                {
                    throw XzFormat.Corrupt("a block header's CRC32 does not match");
                }

                ParseBlockHeader(header, out long declaredCompressed, out long declaredUncompressed, out bool x86, out long dictionarySize);
                if (dictionarySize > DictionaryLimit)
                {
                    throw XzFormat.Corrupt($"the LZMA2 dictionary of {dictionarySize} bytes is larger than the {DictionaryLimit} bytes the image allows");
                }

                position += headerSize;
                int consumed = _lzma2.Decode(source.Slice(position), destination.Slice(written), dictionarySize, out int blockBytes);
                if (declaredCompressed >= 0 && declaredCompressed != consumed)
                {
                    throw XzFormat.Corrupt("a block's compressed size differs from its header");
                }

                if (declaredUncompressed >= 0 && declaredUncompressed != blockBytes)
                {
                    throw XzFormat.Corrupt("a block's uncompressed size differs from its header");
                }

                position += consumed;
                while (((position - blockStart) & 3) != 0)
                {
                    if (position >= source.Length || source[position] != 0)
                    {
                        throw XzFormat.Corrupt("a block's padding is missing or not zero");
                    }

                    position++;
                }

                Span<byte> data = destination.Slice(written, blockBytes);
                if (x86)
                {
                    fixed (byte* p = data)
                    {
                        BcjX86.Decode(p, data.Length);
                    }
                }

                if (checkSize > 0)
                {
                    if (checkSize > source.Length - position)
                    {
                        throw XzFormat.Corrupt("a block's CRC32 is truncated");
                    }

                    if (XzFormat.ReadUInt32(source.Slice(position)) != XzFormat.Crc32Of(data))
                    {
                        throw XzFormat.Corrupt("a block's CRC32 does not match its data");
                    }

                    position += checkSize;
                }

                records.Add((headerSize + consumed + checkSize, blockBytes));
                written += blockBytes;
            }

            int indexStart = position;
            position++;
            ulong count = XzFormat.ReadVarint(source, ref position, "index record count");
            if (count != (ulong)records.Count)
            {
                throw XzFormat.Corrupt($"the index lists {count} blocks, the stream holds {records.Count}");
            }

            foreach (var record in records)
            {
                ulong unpadded = XzFormat.ReadVarint(source, ref position, "index record");
                ulong uncompressed = XzFormat.ReadVarint(source, ref position, "index record");
                if (unpadded != (ulong)record.Unpadded || uncompressed != (ulong)record.Uncompressed)
                {
                    throw XzFormat.Corrupt("an index record does not match its block");
                }
            }

            while (((position - indexStart) & 3) != 0)
            {
                if (position >= source.Length || source[position] != 0)
                {
                    throw XzFormat.Corrupt("the index padding is missing or not zero");
                }

                position++;
            }

            if (source.Length - position < 4 + XzFormat.StreamFooterSize)
            {
                throw XzFormat.Corrupt("the index CRC32 or the stream footer is truncated");
            }

            if (XzFormat.ReadUInt32(source.Slice(position)) != XzFormat.Crc32Of(source.Slice(indexStart, position - indexStart)))
            {
                throw XzFormat.Corrupt("the index CRC32 does not match");
            }

            position += 4;
            int indexSize = position - indexStart;
            ReadOnlySpan<byte> footer = source.Slice(position, XzFormat.StreamFooterSize);
            if (XzFormat.ReadUInt32(footer) != XzFormat.Crc32Of(footer.Slice(4, 6)))
            {
                throw XzFormat.Corrupt("the stream footer's CRC32 does not match");
            }

            if (XzFormat.ReadUInt32(footer.Slice(4)) != (uint)(indexSize / 4) - 1)
            {
                throw XzFormat.Corrupt("the stream footer's index size does not match the index");
            }

            if (footer[8] != source[6] || footer[9] != source[7] || footer[10] != (byte)'Y' || footer[11] != (byte)'Z')
            {
                throw XzFormat.Corrupt("the stream footer does not match the header");
            }

            position += XzFormat.StreamFooterSize;
            if (position != source.Length)
            {
                throw XzFormat.Corrupt($"{source.Length - position} bytes follow the xz stream");
            }

            return written;
        }

        private static void ParseBlockHeader(ReadOnlySpan<byte> header, out long compressedSize, out long uncompressedSize, out bool x86, out long dictionarySize)
        {
            int end = header.Length - 4;
            byte flags = header[1];
            if ((flags & 0x3C) != 0)
            {
                throw XzFormat.Corrupt($"the block flags 0x{flags:X2} set reserved bits");
            }

            int filters = (flags & 3) + 1;
            ReadOnlySpan<byte> fields = header.Slice(0, end);
            int position = 2;
            compressedSize = -1;
            uncompressedSize = -1;
            if ((flags & 0x40) != 0)
            {
                ulong size = XzFormat.ReadVarint(fields, ref position, "block's compressed size");
                if (size == 0 || size > int.MaxValue)
                {
                    throw XzFormat.Corrupt("a block's compressed size is out of range");
                }

                compressedSize = (long)size;
            }

            if ((flags & 0x80) != 0)
            {
                ulong size = XzFormat.ReadVarint(fields, ref position, "block's uncompressed size");
                uncompressedSize = size > int.MaxValue ? long.MaxValue : (long)size;
            }

            x86 = false;
            dictionarySize = -1;
            for (int i = 0; i < filters; i++)
            {
                ulong id = XzFormat.ReadVarint(fields, ref position, "filter id");
                ulong propertiesSize = XzFormat.ReadVarint(fields, ref position, "filter properties size");
                bool last = i == filters - 1;
                if (id == XzFormat.FilterLzma2 && last)
                {
                    if (propertiesSize != 1 || position >= end)
                    {
                        throw XzFormat.Corrupt("the LZMA2 filter properties are not one byte");
                    }

                    dictionarySize = XzFormat.DictionarySizeOf(fields[position++]);
                }
                else if (id == XzFormat.FilterX86 && !last && !x86)
                {
                    if (propertiesSize != 0)
                    {
                        throw XzFormat.Corrupt("the x86 filter has a start offset, which the kernel cannot read");
                    }

                    x86 = true;
                }
                else
                {
                    throw XzFormat.Corrupt($"the filter chain (filter 0x{id:X2} as filter {i + 1} of {filters}) is not LZMA2, optionally behind x86 BCJ");
                }
            }

            for (; position < end; position++)
            {
                if (fields[position] != 0)
                {
                    throw XzFormat.Corrupt("a block header's padding is not zero");
                }
            }
        }
    }
}
