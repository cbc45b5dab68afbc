using System;
using System.Buffers.Binary;
using System.IO;
using GolemImage.Compression;

namespace GolemImage.Squashfs
{
    /// <summary>
    /// The two-level layout of the id, fragment and xattr id tables: the records in metadata blocks, then the u64
    /// positions of those blocks, which is where the superblock points (a reader finds record i without reading
    /// the blocks before it).
    /// </summary>
    internal static class LookupTable
    {
        /// <summary>Writes the record blocks at the output's position, then their index; returns the index position.</summary>
        public static long Write(Stream output, byte[] records, IBlockCompressor compressor) => Write(output, records, compressor, ReadOnlySpan<byte>.Empty);

        /// <summary>
        /// As <see cref="Write(Stream, byte[], IBlockCompressor)"/>, with <paramref name="indexPrefix"/> written just
        /// before the index (the xattr id table's header sits there); returns the position of the prefix.
        /// </summary>
        public static long Write(Stream output, byte[] records, IBlockCompressor compressor, ReadOnlySpan<byte> indexPrefix)
        {
            var metadata = new MetadataWriter(compressor);
            metadata.Write(records);
            metadata.Flush();
            long blocksStart = output.Position;
            metadata.CopyTo(output);
            long indexStart = output.Position;
            var index = new byte[indexPrefix.Length + (metadata.BlockOffsets.Count * 8)];
            indexPrefix.CopyTo(index);
            for (int i = 0; i < metadata.BlockOffsets.Count; i++)
            {
                BinaryPrimitives.WriteInt64LittleEndian(index.AsSpan(indexPrefix.Length + (i * 8)), blocksStart + metadata.BlockOffsets[i]);
            }

            output.Write(index, 0, index.Length);
            return indexStart;
        }
    }
}
