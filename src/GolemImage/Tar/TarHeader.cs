using System;
using System.Runtime.InteropServices;

namespace GolemImage.Tar
{
    /// <summary>Which header dialect a 512-byte record is written in; decides whether prefix and device fields exist.</summary>
    internal enum TarHeaderFormat
    {
        V7,
        Ustar,
        Gnu,
    }

    /// <summary>Field layout of the 512-byte tar header record and the decoding of its fields.</summary>
    internal static class TarHeader
    {
        public const int BlockSize = 512;

        public const int NameOffset = 0;
        public const int NameLength = 100;
        public const int ModeOffset = 100;
        public const int UidOffset = 108;
        public const int GidOffset = 116;
        public const int IdLength = 8;
        public const int SizeOffset = 124;
        public const int SizeLength = 12;
        public const int MtimeOffset = 136;
        public const int ChecksumOffset = 148;
        public const int ChecksumLength = 8;
        public const int TypeFlagOffset = 156;
        public const int LinkNameOffset = 157;
        public const int MagicOffset = 257;
        public const int DevMajorOffset = 329;
        public const int DevMinorOffset = 337;
        public const int PrefixOffset = 345;
        public const int PrefixLength = 155;

        // Old GNU sparse ('S'): four (offset, numbytes) pairs in the header, 21 per extension record.
        public const int GnuSparseOffset = 386;
        public const int GnuSparseHeaderEntries = 4;
        public const int GnuIsExtendedOffset = 482;
        public const int GnuRealSizeOffset = 483;
        public const int GnuSparseEntryLength = 24;
        public const int GnuExtensionEntries = 21;
        public const int GnuExtensionIsExtendedOffset = 504;

        public static bool IsZeroBlock(ReadOnlySpan<byte> block)
        {
            foreach (var word in MemoryMarshal.Cast<byte, ulong>(block.Slice(0, BlockSize)))
            {
                if (word != 0)
                {
                    return false;
                }
            }

            return true;
        }

        public static TarHeaderFormat DetectFormat(ReadOnlySpan<byte> header)
        {
            var magic = header.Slice(MagicOffset, 8);
            if (magic[0] == (byte)'u' && magic[1] == (byte)'s' && magic[2] == (byte)'t' && magic[3] == (byte)'a' && magic[4] == (byte)'r')
            {
                if (magic[5] == 0)
                {
                    return TarHeaderFormat.Ustar;
                }

                if (magic[5] == (byte)' ' && magic[6] == (byte)' ' && magic[7] == 0)
                {
                    return TarHeaderFormat.Gnu;
                }
            }

            return TarHeaderFormat.V7;
        }

        /// <summary>
        /// Checks the header checksum, accepting both the POSIX unsigned byte sum and the historic signed one
        /// (the checksum field itself counts as eight spaces).
        /// </summary>
        public static bool VerifyChecksum(ReadOnlySpan<byte> header, out long stored, out long unsignedSum)
        {
            unsignedSum = 0;
            long signedSum = 0;
            for (var i = 0; i < BlockSize; i++)
            {
                var b = i >= ChecksumOffset && i < ChecksumOffset + ChecksumLength ? (byte)' ' : header[i];
                unsignedSum += b;
                signedSum += (sbyte)b;
            }

            if (!TryParseNumber(header.Slice(ChecksumOffset, ChecksumLength), out stored))
            {
                stored = -1;
                return false;
            }

            return stored == unsignedSum || stored == signedSum;
        }

        /// <summary>
        /// Decodes a numeric field: octal ASCII (leading spaces, terminated by NUL or space, or filling the field),
        /// an all-blank field as 0, or GNU base-256 when the first byte has its top bit set (0xFF prefix = negative).
        /// </summary>
        public static bool TryParseNumber(ReadOnlySpan<byte> field, out long value)
        {
            value = 0;
            if (field.Length == 0)
            {
                return true;
            }

            if ((field[0] & 0x80) != 0)
            {
                return TryParseBase256(field, out value);
            }

            var i = 0;
            while (i < field.Length && (field[i] == (byte)' ' || field[i] == 0))
            {
                i++;
            }

            if (i == field.Length)
            {
                return true;
            }

            ulong result = 0;
            var digits = 0;
            while (i < field.Length && field[i] >= (byte)'0' && field[i] <= (byte)'7')
            {
                if (result > (ulong.MaxValue >> 4))
                {
                    return false;
                }

                result = (result << 3) | (uint)(field[i] - '0');
                i++;
                digits++;
            }

            if (digits == 0 || result > long.MaxValue)
            {
                return false;
            }

            while (i < field.Length)
            {
                if (field[i] != (byte)' ' && field[i] != 0)
                {
                    return false;
                }

                i++;
            }

            value = (long)result;
            return true;
        }

        private static bool TryParseBase256(ReadOnlySpan<byte> field, out long value)
        {
            // Two's complement over the whole field, with the marker bit of the first byte not part of the number;
            // bit 6 of the first byte is therefore the sign. Complementing first keeps the magnitude in 63 bits.
            value = 0;
            var negative = (field[0] & 0x40) != 0;
            var complement = negative ? (byte)0xFF : (byte)0x00;
            ulong magnitude = 0;
            for (var i = 0; i < field.Length; i++)
            {
                var b = (byte)(field[i] ^ complement);
                if (i == 0)
                {
                    b &= 0x7F;
                }

                if ((magnitude >> 55) != 0)
                {
                    return false;
                }

                magnitude = (magnitude << 8) | b;
            }

            if ((magnitude >> 63) != 0)
            {
                return false;
            }

            value = negative ? ~(long)magnitude : (long)magnitude;
            return true;
        }

        /// <summary>The bytes of a fixed-width string field up to its first NUL.</summary>
        public static ReadOnlySpan<byte> CString(ReadOnlySpan<byte> field)
        {
            var nul = field.IndexOf((byte)0);
            return nul < 0 ? field : field.Slice(0, nul);
        }

        /// <summary>The name of the entry as stored in the header (ustar prefix joined with '/'), not yet canonical.</summary>
        public static byte[] ReadName(ReadOnlySpan<byte> header, TarHeaderFormat format)
        {
            var name = CString(header.Slice(NameOffset, NameLength));
            if (format == TarHeaderFormat.Ustar)
            {
                var prefix = CString(header.Slice(PrefixOffset, PrefixLength));
                if (prefix.Length > 0)
                {
                    var joined = new byte[prefix.Length + 1 + name.Length];
                    prefix.CopyTo(joined);
                    joined[prefix.Length] = (byte)'/';
                    name.CopyTo(joined.AsSpan(prefix.Length + 1));
                    return joined;
                }
            }

            return name.ToArray();
        }
    }
}
