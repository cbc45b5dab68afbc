using System;
using System.Collections.Generic;
using System.IO;
using System.Text;

namespace GolemImage.Tests.Tar
{
    /// <summary>Writes tar records byte by byte, so tests can produce exactly the edge or damage they need.</summary>
    internal sealed class TarBuilder
    {
        private readonly MemoryStream _output = new MemoryStream();

        public long Length => _output.Length;

        public static byte[] Octal(long value, int width)
        {
            var digits = Convert.ToString(value, 8).PadLeft(width - 1, '0');
            var field = new byte[width];
            Encoding.ASCII.GetBytes(digits).CopyTo(field, 0);
            return field;
        }

        /// <summary>A 512-byte header; <paramref name="edit"/> may change fields before the checksum is computed.</summary>
        public static byte[] Header(
            string name,
            char type = '0',
            long size = 0,
            int mode = 420,
            long uid = 0,
            long gid = 0,
            long mtime = 0,
            string linkName = "",
            string magic = "ustar",
            Action<byte[]>? edit = null) =>
            Header(Encoding.UTF8.GetBytes(name), type, size, mode, uid, gid, mtime, linkName, magic, edit);

        public static byte[] Header(byte[] name, char type, long size, int mode, long uid, long gid, long mtime, string linkName, string magic, Action<byte[]>? edit)
        {
            var header = new byte[512];
            Array.Copy(name, header, Math.Min(name.Length, 100));
            Octal(mode, 8).CopyTo(header, 100);
            Octal(uid, 8).CopyTo(header, 108);
            Octal(gid, 8).CopyTo(header, 116);
            Octal(size, 12).CopyTo(header, 124);
            Octal(mtime, 12).CopyTo(header, 136);
            header[156] = (byte)type;
            Encoding.UTF8.GetBytes(linkName).CopyTo(header, 157);
            switch (magic)
            {
                case "ustar":
                    Encoding.ASCII.GetBytes("ustar\0" + "00").CopyTo(header, 257);
                    break;
                case "gnu":
                    Encoding.ASCII.GetBytes("ustar  \0").CopyTo(header, 257);
                    break;
                case "v7":
                    break;
                default:
                    throw new ArgumentException(magic);
            }

            edit?.Invoke(header);
            SetChecksum(header);
            return header;
        }

        public static void SetChecksum(byte[] header)
        {
            for (var i = 148; i < 156; i++)
            {
                header[i] = (byte)' ';
            }

            var sum = 0;
            foreach (var b in header)
            {
                sum += b;
            }

            Encoding.ASCII.GetBytes(Convert.ToString(sum, 8).PadLeft(6, '0') + "\0 ").CopyTo(header, 148);
        }

        /// <summary>One "len key=value\n" PAX record with its length computed.</summary>
        public static byte[] PaxRecord(string key, byte[] value)
        {
            var body = new List<byte>();
            body.Add((byte)' ');
            body.AddRange(Encoding.UTF8.GetBytes(key));
            body.Add((byte)'=');
            body.AddRange(value);
            body.Add((byte)'\n');
            var length = body.Count + 1;
            while (length.ToString().Length + body.Count != length)
            {
                length++;
            }

            var record = new List<byte>(Encoding.ASCII.GetBytes(length.ToString()));
            record.AddRange(body);
            return record.ToArray();
        }

        public static byte[] PaxRecord(string key, string value) => PaxRecord(key, Encoding.UTF8.GetBytes(value));

        public static byte[] Concat(params byte[][] parts)
        {
            var stream = new MemoryStream();
            foreach (var part in parts)
            {
                stream.Write(part);
            }

            return stream.ToArray();
        }

        public TarBuilder Raw(byte[] bytes)
        {
            _output.Write(bytes);
            return this;
        }

        /// <summary>The data followed by zero padding to the next 512-byte boundary.</summary>
        public TarBuilder Data(byte[] data)
        {
            _output.Write(data);
            var padding = (512 - (data.Length % 512)) % 512;
            _output.Write(new byte[padding]);
            return this;
        }

        public TarBuilder Entry(string name, char type = '0', byte[]? data = null, int mode = 420, long uid = 0, long gid = 0, long mtime = 0, string linkName = "", string magic = "ustar", Action<byte[]>? edit = null)
        {
            data ??= Array.Empty<byte>();
            Raw(Header(name, type, data.Length, mode, uid, gid, mtime, linkName, magic, edit));
            return Data(data);
        }

        public TarBuilder Pax(char type, params byte[][] records) => Entry("PaxHeaders/x", type, Concat(records));

        public TarBuilder End(int zeroRecords = 2) => Raw(new byte[512 * zeroRecords]);

        public byte[] ToArray() => _output.ToArray();
    }
}
