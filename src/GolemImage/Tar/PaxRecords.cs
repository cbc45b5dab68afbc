using System;
using System.Collections.Generic;
using System.Globalization;
using System.Text;
using GolemImage.Hashing;

namespace GolemImage.Tar
{
    /// <summary>
    /// The key/value records of PAX extended headers. Records are parsed by their declared byte length, never by
    /// line, because values (binary xattrs) may contain '\n' and NUL. Later records override earlier ones; an empty
    /// value removes the key (POSIX: the field reverts to the header's value).
    /// </summary>
    internal sealed class PaxRecords
    {
        private const string SchilyXattrPrefix = "SCHILY.xattr.";
        private const string LibarchiveXattrPrefix = "LIBARCHIVE.xattr.";

        private readonly List<KeyValuePair<string, byte[]>> _records;

        public PaxRecords()
        {
            _records = new List<KeyValuePair<string, byte[]>>();
        }

        private PaxRecords(List<KeyValuePair<string, byte[]>> records)
        {
            _records = records;
        }

        public int Count => _records.Count;

        /// <summary>GNU sparse 0.0 repeats GNU.sparse.offset / GNU.sparse.numbytes; their order is the map, so they are kept apart.</summary>
        public List<long>? SparseOffsets { get; private set; }

        public List<long>? SparseLengths { get; private set; }

        public PaxRecords Clone() => new PaxRecords(new List<KeyValuePair<string, byte[]>>(_records));

        public byte[]? Get(string key)
        {
            for (var i = _records.Count - 1; i >= 0; i--)
            {
                if (string.Equals(_records[i].Key, key, StringComparison.Ordinal))
                {
                    return _records[i].Value;
                }
            }

            return null;
        }

        public bool Contains(string key) => Get(key) != null;

        /// <summary>Parses the records of one extended header into this set; returns a problem description or null.</summary>
        public string? Parse(byte[] data, bool keepSparseOffsets)
        {
            var position = 0;
            while (position < data.Length)
            {
                if (data[position] == 0)
                {
                    // Some writers pad the record area with NULs; anything else after that is damage.
                    for (var i = position; i < data.Length; i++)
                    {
                        if (data[i] != 0)
                        {
                            return $"unexpected bytes after the NUL padding at byte {position} of the PAX extended header";
                        }
                    }

                    break;
                }

                long length = 0;
                var cursor = position;
                while (cursor < data.Length && data[cursor] >= (byte)'0' && data[cursor] <= (byte)'9')
                {
                    length = (length * 10) + (data[cursor] - '0');
                    if (length > data.Length)
                    {
                        return $"the PAX record at byte {position} declares a length beyond the end of the extended header ({data.Length} bytes)";
                    }

                    cursor++;
                }

                if (cursor == position || cursor >= data.Length || data[cursor] != (byte)' ')
                {
                    return $"the PAX record at byte {position} does not start with a decimal length followed by a space";
                }

                if (position + length > data.Length)
                {
                    return $"the PAX record at byte {position} declares a length of {length} bytes, beyond the end of the extended header ({data.Length} bytes)";
                }

                var end = position + (int)length;
                var keyStart = cursor + 1;
                if (end <= keyStart + 1 || data[end - 1] != (byte)'\n')
                {
                    return $"the PAX record at byte {position} (declared length {length}) does not end with a newline at its declared length";
                }

                var equals = Array.IndexOf(data, (byte)'=', keyStart, end - 1 - keyStart);
                if (equals <= keyStart)
                {
                    return $"the PAX record at byte {position} has no 'key=value' form";
                }

                var key = Encoding.UTF8.GetString(data, keyStart, equals - keyStart);
                var value = new byte[end - 1 - (equals + 1)];
                Array.Copy(data, equals + 1, value, 0, value.Length);

                if (keepSparseOffsets && (key == "GNU.sparse.offset" || key == "GNU.sparse.numbytes"))
                {
                    if (!TryParseUnsigned(value, out var number))
                    {
                        return $"the PAX record '{key}' at byte {position} is not a decimal number";
                    }

                    if (key == "GNU.sparse.offset")
                    {
                        (SparseOffsets ??= new List<long>()).Add(number);
                    }
                    else
                    {
                        (SparseLengths ??= new List<long>()).Add(number);
                    }
                }
                else
                {
                    Set(key, value);
                }

                position = end;
            }

            return null;
        }

        private void Set(string key, byte[] value)
        {
            for (var i = 0; i < _records.Count; i++)
            {
                if (string.Equals(_records[i].Key, key, StringComparison.Ordinal))
                {
                    if (value.Length == 0)
                    {
                        _records.RemoveAt(i);
                    }
                    else
                    {
                        _records[i] = new KeyValuePair<string, byte[]>(key, value);
                    }

                    return;
                }
            }

            if (value.Length > 0)
            {
                _records.Add(new KeyValuePair<string, byte[]>(key, value));
            }
        }

        /// <summary>
        /// The extended attributes in these records: SCHILY.xattr.&lt;name&gt; carries raw bytes,
        /// LIBARCHIVE.xattr.&lt;url-encoded name&gt; carries base64. bsdtar writes both for the same attribute,
        /// so one name appears once (the last value wins).
        /// </summary>
        public List<TarXattr>? GetXattrs(out string? problem)
        {
            problem = null;
            List<TarXattr>? result = null;
            foreach (var record in _records)
            {
                string name;
                byte[] value;
                if (record.Key.StartsWith(SchilyXattrPrefix, StringComparison.Ordinal))
                {
                    name = record.Key.Substring(SchilyXattrPrefix.Length);
                    value = record.Value;
                }
                else if (record.Key.StartsWith(LibarchiveXattrPrefix, StringComparison.Ordinal))
                {
                    var decodedName = UrlDecode(record.Key.Substring(LibarchiveXattrPrefix.Length));
                    var decodedValue = Base64Decode(record.Value);
                    if (decodedName == null || decodedValue == null)
                    {
                        problem = $"the PAX record '{record.Key}' is not a URL-encoded name with a base64 value";
                        return null;
                    }

                    name = decodedName;
                    value = decodedValue;
                }
                else
                {
                    continue;
                }

                if (name.Length == 0)
                {
                    problem = $"the PAX record '{record.Key}' names no extended attribute";
                    return null;
                }

                result ??= new List<TarXattr>();
                var existing = result.FindIndex(x => string.Equals(x.Name, name, StringComparison.Ordinal));
                if (existing >= 0)
                {
                    result[existing] = new TarXattr(name, value);
                }
                else
                {
                    result.Add(new TarXattr(name, value));
                }
            }

            return result;
        }

        public static bool TryParseUnsigned(byte[] value, out long number)
        {
            number = 0;
            if (value.Length == 0 || value.Length > 19)
            {
                return false;
            }

            foreach (var b in value)
            {
                if (b < (byte)'0' || b > (byte)'9')
                {
                    return false;
                }

                number = (number * 10) + (b - '0');
            }

            return true;
        }

        /// <summary>
        /// A PAX time in whole seconds, rounded towards negative infinity: "-1.5" is 1.5 s before the epoch, which is
        /// second -2. Accepts the exponent form Python's str(float) produces ("1e-05").
        /// </summary>
        public static bool TryParseTime(byte[] value, out long seconds)
        {
            seconds = 0;
            var i = 0;
            var negative = false;
            if (value.Length > 0 && (value[0] == (byte)'-' || value[0] == (byte)'+'))
            {
                negative = value[0] == (byte)'-';
                i = 1;
            }

            var digitsStart = i;
            long whole = 0;
            while (i < value.Length && value[i] >= (byte)'0' && value[i] <= (byte)'9')
            {
                if (i - digitsStart >= 18)
                {
                    return TryParseTimeSlow(value, out seconds);
                }

                whole = (whole * 10) + (value[i] - '0');
                i++;
            }

            if (i == digitsStart && (i >= value.Length || value[i] != (byte)'.'))
            {
                return false;
            }

            var fractionNonZero = false;
            if (i < value.Length && value[i] == (byte)'.')
            {
                i++;
                while (i < value.Length && value[i] >= (byte)'0' && value[i] <= (byte)'9')
                {
                    fractionNonZero |= value[i] != (byte)'0';
                    i++;
                }
            }

            if (i < value.Length)
            {
                return value[i] == (byte)'e' || value[i] == (byte)'E' ? TryParseTimeSlow(value, out seconds) : false;
            }

            seconds = negative ? -whole - (fractionNonZero ? 1 : 0) : whole;
            return true;
        }

        private static bool TryParseTimeSlow(byte[] value, out long seconds)
        {
            seconds = 0;
            var text = Encoding.ASCII.GetString(value);
            if (!decimal.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var number))
            {
                return false;
            }

            var floor = decimal.Floor(number);
            if (floor < long.MinValue || floor > long.MaxValue)
            {
                return false;
            }

            seconds = (long)floor;
            return true;
        }

        private static string? UrlDecode(string encoded)
        {
            if (encoded.IndexOf('%') < 0)
            {
                return encoded;
            }

            var bytes = new List<byte>(encoded.Length);
            for (var i = 0; i < encoded.Length; i++)
            {
                var c = encoded[i];
                if (c == '%')
                {
                    if (i + 2 >= encoded.Length)
                    {
                        return null;
                    }

                    var high = HexString.DigitValue(encoded[i + 1]);
                    var low = HexString.DigitValue(encoded[i + 2]);
                    if (high < 0 || low < 0)
                    {
                        return null;
                    }

                    bytes.Add((byte)((high << 4) | low));
                    i += 2;
                }
                else if (c > 0x7F)
                {
                    bytes.AddRange(Encoding.UTF8.GetBytes(c.ToString()));
                }
                else
                {
                    bytes.Add((byte)c);
                }
            }

            return Encoding.UTF8.GetString(bytes.ToArray());
        }

        /// <summary>Base64 with or without '=' padding (libarchive omits it).</summary>
        private static byte[]? Base64Decode(byte[] value)
        {
            var text = Encoding.ASCII.GetString(value).TrimEnd('=');
            switch (text.Length % 4)
            {
                case 1:
                    return null;
                case 2:
                    text += "==";
                    break;
                case 3:
                    text += "=";
                    break;
            }

            try
            {
                return Convert.FromBase64String(text);
            }
            catch (FormatException)
            {
                return null;
            }
        }
    }
}
