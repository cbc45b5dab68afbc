using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.IO;
using System.Text;
using GolemImage.Compression;
using GolemImage.Reporting;
using GolemImage.Tree;

namespace GolemImage.Squashfs
{
    /// <summary>
    /// The xattr tables: each distinct set of attributes is stored once in the key/value blocks and gets an id,
    /// which inodes carry. Names outside the three prefixes squashfs encodes are left out with one warning per name.
    /// </summary>
    internal sealed class XattrTable
    {
        /// <summary>The "no xattrs" value of an inode's xattr field.</summary>
        public const uint None = SquashfsFormat.NoIndex;

        private static readonly (string Prefix, ushort Type)[] Prefixes =
        {
            ("user.", 0),
            ("trusted.", 1),
            ("security.", 2),
        };

        private readonly IEngineReporter _reporter;
        private readonly HashSet<string> _skippedNames;
        private readonly MetadataWriter _values;
        private readonly Dictionary<byte[], uint> _sets = new Dictionary<byte[], uint>(ByteNames.EqualityComparer);
        private readonly List<XattrIdRecord> _ids = new List<XattrIdRecord>();

        /// <param name="skippedNames">Names already warned about; shared by the writer so that each is reported once per image.</param>
        public XattrTable(IBlockCompressor compressor, IEngineReporter reporter, HashSet<string> skippedNames)
        {
            _values = new MetadataWriter(compressor);
            _reporter = reporter;
            _skippedNames = skippedNames;
        }

        /// <summary>How many distinct sets the inodes refer to; 0 means the image has no xattr table.</summary>
        public int Count => _ids.Count;

        /// <summary>The id of the set of storable attributes in <paramref name="xattrs"/>, or <see cref="None"/>.</summary>
        public uint IdOf(List<TreeXattr>? xattrs)
        {
            if (xattrs == null)
            {
                return None;
            }

            var encoded = new MemoryStream();
            uint count = 0;
            foreach (TreeXattr xattr in xattrs)
            {
                ushort? type = null;
                string suffix = string.Empty;
                foreach ((string prefix, ushort prefixType) in Prefixes)
                {
                    if (xattr.Name.StartsWith(prefix, StringComparison.Ordinal) && xattr.Name.Length > prefix.Length)
                    {
                        type = prefixType;
                        suffix = xattr.Name.Substring(prefix.Length);
                        break;
                    }
                }

                if (type == null)
                {
                    if (_skippedNames.Add(xattr.Name))
                    {
                        _reporter.Warning($"The extended attribute '{xattr.Name}' cannot be stored in squashfs (only user., trusted. and security. are); it is left out.");
                    }

                    continue;
                }

                byte[] name = Encoding.UTF8.GetBytes(suffix);
                var head = new byte[4];
                BinaryPrimitives.WriteUInt16LittleEndian(head, type.Value);
                BinaryPrimitives.WriteUInt16LittleEndian(head.AsSpan(2), (ushort)name.Length);
                encoded.Write(head, 0, 4);
                encoded.Write(name, 0, name.Length);
                BinaryPrimitives.WriteUInt32LittleEndian(head, (uint)xattr.Value.Length);
                encoded.Write(head, 0, 4);
                encoded.Write(xattr.Value, 0, xattr.Value.Length);
                count++;
            }

            if (count == 0)
            {
                return None;
            }

            byte[] set = encoded.ToArray();
            if (_sets.TryGetValue(set, out uint id))
            {
                return id;
            }

            id = (uint)_ids.Count;
            _ids.Add(new XattrIdRecord(_values.Reference, count, (uint)set.Length));
            _values.Write(set);
            _sets.Add(set, id);
            return id;
        }

        /// <summary>Ends the key/value blocks; call once, after the last <see cref="IdOf"/>.</summary>
        public void Flush() => _values.Flush();

        /// <summary>
        /// Writes the key/value blocks, the id records and the table header at the output's position; returns the
        /// header's position (the superblock's pointer), or -1 when no inode has xattrs and nothing is written.
        /// </summary>
        public long Write(Stream output, IBlockCompressor compressor)
        {
            if (_ids.Count == 0)
            {
                return -1;
            }

            long valuesStart = output.Position;
            _values.CopyTo(output);
            var records = new byte[_ids.Count * 16];
            for (int i = 0; i < _ids.Count; i++)
            {
                BinaryPrimitives.WriteInt64LittleEndian(records.AsSpan(i * 16), _ids[i].Reference);
                BinaryPrimitives.WriteUInt32LittleEndian(records.AsSpan((i * 16) + 8), _ids[i].Count);
                BinaryPrimitives.WriteUInt32LittleEndian(records.AsSpan((i * 16) + 12), _ids[i].Size);
            }

            // The header before the block index: where the key/value blocks start (ids store references relative to it) and the id count.
            var header = new byte[16];
            BinaryPrimitives.WriteInt64LittleEndian(header, valuesStart);
            BinaryPrimitives.WriteUInt32LittleEndian(header.AsSpan(8), (uint)_ids.Count);
            return LookupTable.Write(output, records, compressor, header);
        }

        private readonly struct XattrIdRecord
        {
            public XattrIdRecord(long reference, uint count, uint size)
            {
                Reference = reference;
                Count = count;
                Size = size;
            }

            public long Reference { get; }

            public uint Count { get; }

            public uint Size { get; }
        }
    }
}
