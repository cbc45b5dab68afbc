using System.IO;
using GolemImage.Compression;

namespace GolemImage.Squashfs
{
    /// <summary>
    /// The superblock's writer-side decisions (its flags, the block log) and its write at offset 0, which comes last
    /// because it points at every table. The layout itself is <see cref="SquashfsSuperblock"/>, shared with the readers.
    /// </summary>
    internal static class SuperblockWriter
    {
        public static SquashfsFlags Flags(CompressionSettings compression, bool deduplicated, bool everyTailInFragment, bool hasFragments, bool hasXattrs, bool hasOptionsBlock)
        {
            // "Tail ends always packed into fragments", unless a hash collision stored one as a short last block.
            SquashfsFlags flags = everyTailInFragment ? SquashfsFlags.AlwaysFragments : SquashfsFlags.None;
            if (compression.Uncompressed)
            {
                flags |= SquashfsFlags.UncompressedInodes | SquashfsFlags.UncompressedData | SquashfsFlags.UncompressedFragments | SquashfsFlags.UncompressedXattrs | SquashfsFlags.UncompressedIds;
            }

            if (!hasFragments)
            {
                flags |= SquashfsFlags.NoFragments;
            }

            if (deduplicated)
            {
                flags |= SquashfsFlags.Deduplicated;
            }

            if (!hasXattrs)
            {
                flags |= SquashfsFlags.NoXattrs;
            }

            if (hasOptionsBlock)
            {
                flags |= SquashfsFlags.CompressorOptions;
            }

            return flags;
        }

        public static ushort BlockLog(int blockSize)
        {
            ushort log = 0;
            while ((1 << log) < blockSize)
            {
                log++;
            }

            return log;
        }

        /// <summary>Encodes <paramref name="superblock"/> at offset 0 of <paramref name="output"/>; leaves the position after it.</summary>
        public static void Write(Stream output, SquashfsSuperblock superblock)
        {
            var bytes = new byte[SquashfsSuperblock.Size];
            superblock.Write(bytes);
            output.Position = 0;
            output.Write(bytes, 0, bytes.Length);
            output.Flush();
        }
    }
}
