using System;
using System.IO;
using System.IO.Hashing;

namespace GolemImage.Compression.Xz
{
    /// <summary>
    /// The fixed parts of the .xz container (xz-file-format.txt 1.x): stream header and footer, block header,
    /// index, multibyte integers and the LZMA2 dictionary-size byte. Shared by <see cref="XzBlockCompressor"/>
    /// and <see cref="XzBlockDecompressor"/>.
    /// </summary>
    internal static class XzFormat
    {
        public const int StreamHeaderSize = 12;
        public const int StreamFooterSize = 12;
        public const byte CheckNone = 0x00;
        public const byte CheckCrc32 = 0x01;
        public const ulong FilterX86 = 0x04;
        public const ulong FilterLzma2 = 0x21;

        /// <summary>squashfs's compressor id for xz (CompressionAlgorithm has no member for it yet).</summary>
        public const int SquashfsId = 4;

        /// <summary>The smallest dictionary an LZMA2 property byte can name (byte 0).</summary>
        public const int MinDictionarySize = 4096;

        private static ReadOnlySpan<byte> HeaderMagic => new byte[] { 0xFD, 0x37, 0x7A, 0x58, 0x5A, 0x00 };

        public static uint Crc32Of(ReadOnlySpan<byte> data) => Crc32.HashToUInt32(data);

        public static void WriteUInt32(Span<byte> destination, uint value)
        {
            destination[0] = (byte)value;
            destination[1] = (byte)(value >> 8);
            destination[2] = (byte)(value >> 16);
            destination[3] = (byte)(value >> 24);
        }

        public static uint ReadUInt32(ReadOnlySpan<byte> source) =>
            source[0] | ((uint)source[1] << 8) | ((uint)source[2] << 16) | ((uint)source[3] << 24);

        /// <summary>Writes the 12-byte stream header for a CRC32 check.</summary>
        public static int WriteStreamHeader(Span<byte> destination)
        {
            HeaderMagic.CopyTo(destination);
            destination[6] = 0;
            destination[7] = CheckCrc32;
            WriteUInt32(destination.Slice(8), Crc32Of(destination.Slice(6, 2)));
            return StreamHeaderSize;
        }

        /// <summary>Writes the 12-byte stream footer; <paramref name="indexSize"/> is a multiple of 4.</summary>
        public static int WriteStreamFooter(Span<byte> destination, int indexSize)
        {
            WriteUInt32(destination.Slice(4), (uint)(indexSize / 4) - 1);
            destination[8] = 0;
            destination[9] = CheckCrc32;
            WriteUInt32(destination, Crc32Of(destination.Slice(4, 6)));
            destination[10] = (byte)'Y';
            destination[11] = (byte)'Z';
            return StreamFooterSize;
        }

        /// <summary>
        /// Writes a block header without the optional size fields (the index carries the sizes): filter flags
        /// for the optional x86 BCJ filter and LZMA2 with <paramref name="dictionaryByte"/>.
        /// </summary>
        public static int WriteBlockHeader(Span<byte> destination, bool x86, byte dictionaryByte)
        {
            int p = 2;
            if (x86)
            {
                destination[p++] = (byte)FilterX86;
                destination[p++] = 0; // no properties: start offset 0, the only form the kernel reads
            }

            destination[p++] = (byte)FilterLzma2;
            destination[p++] = 1;
            destination[p++] = dictionaryByte;
            while ((p & 3) != 0)
            {
                destination[p++] = 0;
            }

            int size = p + 4;
            destination[0] = (byte)((size / 4) - 1);
            destination[1] = (byte)(x86 ? 1 : 0);
            WriteUInt32(destination.Slice(p), Crc32Of(destination.Slice(0, p)));
            return size;
        }

        /// <summary>Writes an index with one record and its padding and CRC32; returns its size.</summary>
        public static int WriteIndex(Span<byte> destination, long unpaddedSize, long uncompressedSize)
        {
            int p = 0;
            destination[p++] = 0;
            p += WriteVarint(destination.Slice(p), 1);
            p += WriteVarint(destination.Slice(p), (ulong)unpaddedSize);
            p += WriteVarint(destination.Slice(p), (ulong)uncompressedSize);
            while ((p & 3) != 0)
            {
                destination[p++] = 0;
            }

            WriteUInt32(destination.Slice(p), Crc32Of(destination.Slice(0, p)));
            return p + 4;
        }

        public static int WriteVarint(Span<byte> destination, ulong value)
        {
            int i = 0;
            while (value >= 0x80)
            {
                destination[i++] = (byte)(value | 0x80);
                value >>= 7;
            }

            destination[i++] = (byte)value;
            return i;
        }

        /// <summary>
        /// Reads a multibyte integer at <paramref name="position"/> (at most 9 bytes, no superfluous trailing zero
        /// byte, as the specification demands); throws on a truncated or invalid one.
        /// </summary>
        public static ulong ReadVarint(ReadOnlySpan<byte> source, ref int position, string what)
        {
            ulong value = 0;
            for (int i = 0; i < 9; i++)
            {
                if (position >= source.Length)
                {
                    throw Corrupt($"the {what} is truncated");
                }

                byte b = source[position++];
                value |= (ulong)(b & 0x7F) << (7 * i);
                if ((b & 0x80) == 0)
                {
                    if (b == 0 && i > 0)
                    {
                        throw Corrupt($"the {what} is not in its shortest encoding");
                    }

                    return value;
                }
            }

            throw Corrupt($"the {what} is longer than 9 bytes");
        }

        /// <summary>The dictionary size an LZMA2 property byte (0..40) names; 40 means 4 GiB - 1.</summary>
        public static long DictionarySizeOf(byte dictionaryByte)
        {
            if (dictionaryByte > 40)
            {
                throw Corrupt($"the LZMA2 dictionary byte {dictionaryByte} is out of range (0..40)");
            }

            return dictionaryByte == 40 ? uint.MaxValue : (long)(2 | (dictionaryByte & 1)) << ((dictionaryByte / 2) + 11);
        }

        /// <summary>The smallest LZMA2 dictionary byte naming at least <paramref name="size"/> bytes.</summary>
        public static byte DictionaryByteFor(long size)
        {
            for (byte b = 0; b < 40; b++)
            {
                if (DictionarySizeOf(b) >= size)
                {
                    return b;
                }
            }

            return 40;
        }

        public static bool HasHeaderMagic(ReadOnlySpan<byte> source) => source.Length >= 6 && source.Slice(0, 6).SequenceEqual(HeaderMagic);

        public static InvalidDataException Corrupt(string problem) => new InvalidDataException("Corrupt xz block: " + problem + ".");
    }
}
