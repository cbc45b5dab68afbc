using System;
using System.Globalization;
using System.IO;
using System.IO.Hashing;
using System.Text;

namespace GolemImage.Gvmi
{
    /// <summary>
    /// The metadata ya-runtime-vm reads from the end of a .gvmi: CRC-32/IEEE of the JSON (little-endian),
    /// the ContainerConfig JSON (UTF-8), and the JSON's length as 8 ASCII decimal digits.
    /// </summary>
    public static class GvmiTrailer
    {
        /// <summary>The JSON length has to fit in 8 decimal digits.</summary>
        public const int MaxJsonLength = 99_999_999;

        /// <summary>CRC (4) + length digits (8): the trailer's size without the JSON.</summary>
        public const int FixedLength = 12;

        public static void Write(Stream output, ContainerConfig config)
        {
            if (config == null)
            {
                throw new ArgumentNullException(nameof(config));
            }

            WriteJson(output, config.ToUtf8Json());
        }

        /// <summary>Writes a trailer around already serialized JSON (which must be valid UTF-8).</summary>
        public static void WriteJson(Stream output, byte[] utf8Json)
        {
            if (output == null)
            {
                throw new ArgumentNullException(nameof(output));
            }

            if (utf8Json == null)
            {
                throw new ArgumentNullException(nameof(utf8Json));
            }

            if (utf8Json.Length > MaxJsonLength)
            {
                throw new GolemImageException(
                    ErrorIds.ContainerConfigTooLarge,
                    GolemErrorCategory.InvalidArgument,
                    $"The container config JSON is {utf8Json.Length} bytes; a .gvmi trailer can hold at most {MaxJsonLength} bytes (8 decimal digits).");
            }

            var trailer = new byte[utf8Json.Length + FixedLength];
            uint crc = Crc32.HashToUInt32(utf8Json);
            trailer[0] = (byte)crc;
            trailer[1] = (byte)(crc >> 8);
            trailer[2] = (byte)(crc >> 16);
            trailer[3] = (byte)(crc >> 24);
            Buffer.BlockCopy(utf8Json, 0, trailer, 4, utf8Json.Length);
            byte[] digits = Encoding.ASCII.GetBytes(utf8Json.Length.ToString("D8", CultureInfo.InvariantCulture));
            Buffer.BlockCopy(digits, 0, trailer, 4 + utf8Json.Length, 8);
            output.Write(trailer, 0, trailer.Length);
        }

        public static GvmiTrailerInfo Read(Stream seekable)
        {
            return Read(seekable, null);
        }

        /// <summary>
        /// Reads and checks the trailer the way ya-runtime-vm does (8 ASCII digits, an optional leading '+'
        /// as Rust's u32 parser allows; CRC-32/IEEE over the JSON bytes; strict UTF-8; the JSON must
        /// deserialize as a ContainerConfig). <paramref name="sourceName"/> names the file in errors.
        /// </summary>
        public static GvmiTrailerInfo Read(Stream seekable, string? sourceName)
        {
            if (seekable == null)
            {
                throw new ArgumentNullException(nameof(seekable));
            }

            string source = sourceName ?? "the image";
            long fileLength = seekable.Length;
            if (fileLength < FixedLength)
            {
                throw Fail(ErrorIds.GvmiTrailerTruncated, source, $"'{source}' is {fileLength} bytes long, too short to hold a .gvmi trailer (at least {FixedLength} bytes).");
            }

            var digits = new byte[8];
            seekable.Seek(fileLength - 8, SeekOrigin.Begin);
            ReadExactly(seekable, digits, source);
            if (!TryParseLength(digits, out int jsonLength))
            {
                throw Fail(ErrorIds.GvmiTrailerLengthInvalid, source, $"'{source}' does not end with a .gvmi trailer: its last 8 bytes ({Describe(digits)}) are not the JSON length as 8 decimal digits.");
            }

            long trailerOffset = fileLength - FixedLength - jsonLength;
            if (trailerOffset < 0)
            {
                throw Fail(ErrorIds.GvmiTrailerTruncated, source, $"'{source}' is truncated: its trailer announces {jsonLength} bytes of JSON, but the file is only {fileLength} bytes long.");
            }

            var crcAndJson = new byte[4 + jsonLength];
            seekable.Seek(trailerOffset, SeekOrigin.Begin);
            ReadExactly(seekable, crcAndJson, source);
            uint storedCrc = (uint)(crcAndJson[0] | (crcAndJson[1] << 8) | (crcAndJson[2] << 16) | (crcAndJson[3] << 24));
            uint actualCrc = Crc32.HashToUInt32(new ReadOnlySpan<byte>(crcAndJson, 4, jsonLength));
            if (storedCrc != actualCrc)
            {
                throw Fail(ErrorIds.GvmiTrailerCrcMismatch, source, $"'{source}' has a corrupt .gvmi trailer: the CRC-32 stored at byte {trailerOffset} is 0x{storedCrc:x8} but the {jsonLength} bytes of JSON hash to 0x{actualCrc:x8} (ya-runtime-vm rejects this as 'Invalid ContainerConfig crc32 sum').");
            }

            string json;
            try
            {
                json = new UTF8Encoding(false, true).GetString(crcAndJson, 4, jsonLength);
            }
            catch (DecoderFallbackException ex)
            {
                throw Fail(ErrorIds.GvmiTrailerNotUtf8, source, $"'{source}' has a .gvmi trailer whose JSON is not valid UTF-8.", ex);
            }

            ContainerConfig config;
            try
            {
                config = ContainerConfig.FromJson(json);
            }
            catch (GolemImageException ex)
            {
                throw new GolemImageException(ex.ErrorId, ex.Category, $"'{source}' has a .gvmi trailer the runtime cannot use: {ex.Message}", sourceName, ex);
            }

            return new GvmiTrailerInfo(config, json, jsonLength, storedCrc, trailerOffset);
        }

        /// <summary>Rust's <c>str::parse::&lt;u32&gt;</c> on exactly 8 bytes: an optional '+', then only ASCII digits.</summary>
        private static bool TryParseLength(byte[] digits, out int value)
        {
            value = 0;
            int start = digits[0] == (byte)'+' ? 1 : 0;
            if (start == digits.Length)
            {
                return false;
            }

            for (int i = start; i < digits.Length; i++)
            {
                if (digits[i] < (byte)'0' || digits[i] > (byte)'9')
                {
                    return false;
                }

                value = (value * 10) + (digits[i] - '0');
            }

            return true;
        }

        private static string Describe(byte[] bytes)
        {
            var text = new StringBuilder();
            foreach (byte b in bytes)
            {
                text.Append(b >= 0x20 && b < 0x7F ? ((char)b).ToString() : $"\\x{b:x2}");
            }

            return "\"" + text + "\"";
        }

        private static void ReadExactly(Stream stream, byte[] buffer, string source)
        {
            int filled = 0;
            while (filled < buffer.Length)
            {
                int read = stream.Read(buffer, filled, buffer.Length - filled);
                if (read == 0)
                {
                    throw Fail(ErrorIds.GvmiTrailerTruncated, source, $"'{source}' ended while its .gvmi trailer was being read.");
                }

                filled += read;
            }
        }

        private static GolemImageException Fail(string errorId, string source, string message, Exception? inner = null)
        {
            return new GolemImageException(errorId, GolemErrorCategory.InvalidData, message, source, inner);
        }
    }
}
