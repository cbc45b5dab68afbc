using System;
using System.Collections.Generic;
using System.IO;
using System.Text;
using System.Threading;
using GolemImage.Tar;

namespace GolemImage.Sources
{
    /// <summary>
    /// A tar file on disk (docker save output, an OCI layout in tar form) indexed by member name so that members
    /// can be opened in any order: docker save writes layers in no particular order, and the flattener needs them
    /// newest first. The index walks only headers (ustar, GNU long names, PAX path/size), seeking over the data,
    /// which the streaming tar reader cannot do because it does not expose where a member's data starts.
    /// </summary>
    internal sealed class TarArchiveFiles : ArchiveFiles
    {
        private const int BlockSize = 512;
        private readonly string path;
        private readonly Dictionary<string, Member> members = new Dictionary<string, Member>(StringComparer.Ordinal);

        private TarArchiveFiles(string path, string? displayName)
            : base(displayName ?? path)
        {
            this.path = path;
        }

        /// <param name="path">The tar file to read.</param>
        /// <param name="displayName">Names the user's input in messages (the original archive when <paramref name="path"/> is its decompressed copy); the path when null.</param>
        public static TarArchiveFiles Index(string path, string? displayName = null, CancellationToken cancellationToken = default)
        {
            var files = new TarArchiveFiles(path, displayName);
            using (var stream = SharedFile.OpenRead(path, BlockSize * 8))
            {
                files.Walk(stream, cancellationToken);
            }

            return files;
        }

        public override bool Exists(string name) => members.ContainsKey(Normalize(name));

        public override long GetSize(string name) => Get(name).Size;

        public override Stream Open(string name)
        {
            Member member = Get(name);
            var stream = SharedFile.OpenRead(path, 1 << 16, FileOptions.SequentialScan);
            return new WindowStream(stream, member.Offset, member.Size);
        }

        public override IEnumerable<string> List() => members.Keys;

        private Member Get(string name)
        {
            if (!members.TryGetValue(Normalize(name), out Member? member))
            {
                throw new GolemImageException(ErrorIds.InvalidArchive, GolemErrorCategory.InvalidData, $"{DisplayName} has no member '{name}'.", DisplayName);
            }

            return member;
        }

        private void Walk(Stream stream, CancellationToken cancellationToken)
        {
            var header = new byte[BlockSize];
            string? longName = null;
            string? paxPath = null;
            long paxSize = -1;
            long length = stream.Length;
            while (true)
            {
                // Every turn moves at least one record forward (sizes are checked to be neither negative nor past the
                // end), so the walk ends; an archive of millions of members still stops on Ctrl+C.
                cancellationToken.ThrowIfCancellationRequested();
                long headerOffset = stream.Position;
                int have = ReadFully(stream, header);
                if (have == 0)
                {
                    return;
                }

                if (have < BlockSize)
                {
                    throw Invalid($"it ends inside the header at byte {headerOffset}");
                }

                if (IsZero(header))
                {
                    return;
                }

                if (!ChecksumMatches(header))
                {
                    throw Invalid($"the header at byte {headerOffset} has a bad checksum (not a tar file, or corrupt)");
                }

                long size = ParseSize(header, headerOffset);
                char type = (char)header[156];
                long dataOffset = stream.Position;
                CheckSize(size, dataOffset, length, headerOffset);
                long padded = Padded(size);

                switch (type)
                {
                    case 'L':
                        longName = ReadString(stream, size);
                        break;
                    case 'x':
                        foreach (KeyValuePair<string, string> record in ParsePax(ReadBytes(stream, size), headerOffset))
                        {
                            if (record.Key == "path")
                            {
                                paxPath = record.Value;
                            }
                            else if (record.Key == "size")
                            {
                                if (!PaxRecords.TryParseUnsigned(Encoding.UTF8.GetBytes(record.Value), out paxSize))
                                {
                                    throw Invalid($"the PAX 'size' record of the header at byte {headerOffset} ('{Truncate(record.Value)}') is not a decimal number that fits in 63 bits");
                                }
                            }
                        }

                        break;
                    case 'g':
                    case 'K':
                        break;
                    default:
                        if (paxSize >= 0)
                        {
                            size = paxSize;
                            CheckSize(size, dataOffset, length, headerOffset);
                            padded = Padded(size);
                        }

                        string name = paxPath ?? longName ?? UstarName(header);
                        if (type == '0' || type == '\0' || type == '7')
                        {
                            members[Normalize(name)] = new Member(dataOffset, size);
                        }

                        longName = null;
                        paxPath = null;
                        paxSize = -1;
                        break;
                }

                stream.Position = dataOffset + padded;
            }
        }

        private static long Padded(long size) => (size + BlockSize - 1) / BlockSize * BlockSize;

        private static string Truncate(string value) => value.Length > 40 ? value.Substring(0, 40) + "..." : value;

        private void CheckSize(long size, long dataOffset, long length, long headerOffset)
        {
            if (size < 0)
            {
                throw Invalid($"the member at byte {headerOffset} has a negative size ({size})");
            }

            if (size > length - dataOffset)
            {
                throw Invalid($"the member at byte {headerOffset} claims {size} bytes, past the end of the file");
            }
        }

        private Exception Invalid(string why) =>
            new GolemImageException(ErrorIds.InvalidArchive, GolemErrorCategory.InvalidData, $"{DisplayName} is not a valid image archive: {why}.", DisplayName);

        private static int ReadFully(Stream stream, byte[] buffer)
        {
            int have = 0;
            while (have < buffer.Length)
            {
                int read = stream.Read(buffer, have, buffer.Length - have);
                if (read == 0)
                {
                    break;
                }

                have += read;
            }

            return have;
        }

        private byte[] ReadBytes(Stream stream, long size)
        {
            if (size > 1 << 20)
            {
                throw Invalid("an extended header is larger than 1 MiB");
            }

            var bytes = new byte[size];
            if (ReadFully(stream, bytes) != bytes.Length)
            {
                throw Invalid("it ends inside an extended header");
            }

            return bytes;
        }

        private string ReadString(Stream stream, long size)
        {
            byte[] bytes = ReadBytes(stream, size);
            int end = Array.IndexOf(bytes, (byte)0);
            return Encoding.UTF8.GetString(bytes, 0, end < 0 ? bytes.Length : end);
        }

        private IEnumerable<KeyValuePair<string, string>> ParsePax(byte[] data, long headerOffset)
        {
            int position = 0;
            var records = new List<KeyValuePair<string, string>>();
            while (position < data.Length && data[position] != 0)
            {
                int space = Array.IndexOf(data, (byte)' ', position);
                if (space < 0
                    || !int.TryParse(Encoding.ASCII.GetString(data, position, space - position), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int recordLength)
                    || recordLength > data.Length - position
                    || space + 1 >= position + recordLength
                    || data[position + recordLength - 1] != (byte)'\n')
                {
                    throw Invalid($"the PAX header at byte {headerOffset} is malformed");
                }

                string record = Encoding.UTF8.GetString(data, space + 1, position + recordLength - space - 2);
                int equals = record.IndexOf('=');
                if (equals > 0)
                {
                    records.Add(new KeyValuePair<string, string>(record.Substring(0, equals), record.Substring(equals + 1)));
                }

                position += recordLength;
            }

            return records;
        }

        private long ParseSize(byte[] header, long headerOffset)
        {
            if (!TarHeader.TryParseNumber(header.AsSpan(124, 12), out long size))
            {
                throw Invalid($"the header at byte {headerOffset} has a malformed size field");
            }

            return size;
        }

        private static bool ChecksumMatches(byte[] header)
        {
            long stored = 0;
            bool any = false;
            for (int i = 148; i < 156; i++)
            {
                byte b = header[i];
                if (b >= '0' && b <= '7')
                {
                    stored = (stored * 8) + (b - '0');
                    any = true;
                }
                else if (any)
                {
                    break;
                }
            }

            long unsigned = 0;
            long signed = 0;
            for (int i = 0; i < BlockSize; i++)
            {
                byte b = i >= 148 && i < 156 ? (byte)' ' : header[i];
                unsigned += b;
                signed += (sbyte)b;
            }

            return any && (stored == unsigned || stored == signed);
        }

        private static bool IsZero(byte[] block)
        {
            foreach (byte b in block)
            {
                if (b != 0)
                {
                    return false;
                }
            }

            return true;
        }

        private static string UstarName(byte[] header)
        {
            string name = CString(header, 0, 100);
            bool ustar = header[257] == 'u' && header[258] == 's' && header[259] == 't' && header[260] == 'a' && header[261] == 'r';
            if (ustar && header[262] == 0)
            {
                string prefix = CString(header, 345, 155);
                if (prefix.Length > 0)
                {
                    name = prefix + "/" + name;
                }
            }

            return name;
        }

        private static string CString(byte[] bytes, int offset, int length)
        {
            int end = offset;
            while (end < offset + length && bytes[end] != 0)
            {
                end++;
            }

            return Encoding.UTF8.GetString(bytes, offset, end - offset);
        }

        private sealed class Member
        {
            public Member(long offset, long size)
            {
                Offset = offset;
                Size = size;
            }

            public long Offset { get; }

            public long Size { get; }
        }
    }
}
