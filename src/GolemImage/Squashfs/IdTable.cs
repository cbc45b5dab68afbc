using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.IO;
using GolemImage.Compression;

namespace GolemImage.Squashfs
{
    /// <summary>
    /// The uid/gid table: inodes store a 16-bit index into it, so every distinct id gets the next index the first
    /// time an inode header asks for it (the table's order is the order of first use, which keeps the output
    /// deterministic).
    /// </summary>
    internal sealed class IdTable
    {
        private readonly Dictionary<uint, ushort> _index = new Dictionary<uint, ushort>();
        private readonly List<uint> _ids = new List<uint>();

        public int Count => _ids.Count;

        public ushort IndexOf(uint id)
        {
            if (_index.TryGetValue(id, out ushort index))
            {
                return index;
            }

            if (_ids.Count >= ushort.MaxValue)
            {
                throw new GolemImageException(ErrorIds.TooManyOwners, GolemErrorCategory.InvalidData,
                    $"The image uses more than {ushort.MaxValue} distinct uid/gid values; squashfs cannot store them.");
            }

            index = (ushort)_ids.Count;
            _ids.Add(id);
            _index.Add(id, index);
            return index;
        }

        /// <summary>Writes the table at the output's position; returns where its index starts (the superblock's pointer).</summary>
        public long Write(Stream output, IBlockCompressor compressor)
        {
            // The kernel refuses an image whose id count is 0, even when no inode exists to use an id.
            if (_ids.Count == 0)
            {
                IndexOf(0);
            }

            var records = new byte[_ids.Count * 4];
            for (int i = 0; i < _ids.Count; i++)
            {
                BinaryPrimitives.WriteUInt32LittleEndian(records.AsSpan(i * 4), _ids[i]);
            }

            return LookupTable.Write(output, records, compressor);
        }
    }
}
