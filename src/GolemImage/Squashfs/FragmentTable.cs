using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.IO;
using GolemImage.Compression;

namespace GolemImage.Squashfs
{
    /// <summary>The fragment table: one 16-byte record (start, size word, unused) per fragment block.</summary>
    internal static class FragmentTable
    {
        /// <summary>
        /// Writes the table at the output's position; returns where its index starts, or the output's position when
        /// there is no fragment (the superblock then points at the next table, as mksquashfs does).
        /// </summary>
        public static long Write(Stream output, IReadOnlyList<FragmentLocation> fragments, IBlockCompressor compressor)
        {
            if (fragments.Count == 0)
            {
                return output.Position;
            }

            var records = new byte[fragments.Count * 16];
            for (int i = 0; i < fragments.Count; i++)
            {
                BinaryPrimitives.WriteInt64LittleEndian(records.AsSpan(i * 16), fragments[i].Start);
                BinaryPrimitives.WriteUInt32LittleEndian(records.AsSpan((i * 16) + 8), fragments[i].SizeWord);
            }

            return LookupTable.Write(output, records, compressor);
        }
    }
}
