using System;

namespace GolemImage.Hashing
{
    /// <summary>Hex text for digests: lowercase, as Golem task packages and the registry write them.</summary>
    public static class HexString
    {
        private const string LowerDigits = "0123456789abcdef";

        public static string Lower(byte[] bytes)
        {
            if (bytes == null)
            {
                throw new ArgumentNullException(nameof(bytes));
            }

            var chars = new char[bytes.Length * 2];
            for (int i = 0; i < bytes.Length; i++)
            {
                chars[2 * i] = LowerDigits[bytes[i] >> 4];
                chars[(2 * i) + 1] = LowerDigits[bytes[i] & 0xF];
            }

            return new string(chars);
        }

        /// <summary>Parses hex digits of either case; false on an odd length or a non-hex character.</summary>
        public static bool TryParse(string text, out byte[] bytes)
        {
            bytes = Array.Empty<byte>();
            if (text == null || text.Length % 2 != 0)
            {
                return false;
            }

            var result = new byte[text.Length / 2];
            for (int i = 0; i < result.Length; i++)
            {
                int high = DigitValue(text[2 * i]);
                int low = DigitValue(text[(2 * i) + 1]);
                if (high < 0 || low < 0)
                {
                    return false;
                }

                result[i] = (byte)((high << 4) | low);
            }

            bytes = result;
            return true;
        }

        /// <summary>The value of one hex digit (either case), or -1.</summary>
        internal static int DigitValue(char c)
        {
            if (c >= '0' && c <= '9')
            {
                return c - '0';
            }

            if (c >= 'a' && c <= 'f')
            {
                return c - 'a' + 10;
            }

            if (c >= 'A' && c <= 'F')
            {
                return c - 'A' + 10;
            }

            return -1;
        }
    }
}
