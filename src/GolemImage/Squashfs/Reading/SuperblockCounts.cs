using System.Collections.Generic;

namespace GolemImage.Squashfs.Reading
{
    /// <summary>
    /// The superblock's inode, id and fragment counts held against each other and against what the tables around them
    /// can hold: one rule set for Test-GolemImage's Superblock.Counts finding and for every reader that shows or trusts
    /// the counts (Get-GolemImage), so that a damaged count is caught before anything sizes its work by it.
    /// </summary>
    internal static class SuperblockCounts
    {
        /// <summary>The smallest inode on disk: a basic fifo or socket.</summary>
        private const ulong MinimumInodeBytes = 20;

        /// <summary>Why the counts of <paramref name="sb"/> are impossible, one sentence fragment each; empty when they are not.</summary>
        public static IReadOnlyList<string> Problems(SquashfsSuperblock sb)
        {
            var problems = new List<string>();
            if (sb.InodeCount == 0)
            {
                problems.Add("inode_count is 0 (there is always at least the root directory)");
            }

            if (sb.IdCount == 0)
            {
                problems.Add("id_count is 0 (there is always at least one uid/gid)");
            }
            else if (sb.IdCount > 2UL * sb.InodeCount)
            {
                problems.Add($"id_count {sb.IdCount} exceeds twice the inode count {sb.InodeCount} (unsquashfs rejects this)");
            }

            if (sb.FragmentCount > sb.InodeCount)
            {
                problems.Add($"fragment_count {sb.FragmentCount} exceeds the inode count {sb.InodeCount} (unsquashfs rejects this)");
            }

            CheckFitTables(sb, problems);
            return problems;
        }

        /// <summary>The bytes of a table's index of metadata block positions (8 per block) for <paramref name="count"/> entries.</summary>
        public static ulong IndexBytes(ulong count, ulong entrySize)
        {
            return (((count * entrySize) + SquashfsFormat.MetadataBlockSize - 1) / SquashfsFormat.MetadataBlockSize) * 8;
        }

        /// <summary>
        /// The bounds are loose on purpose (no valid image comes near them): a metadata block takes at least 3 bytes on
        /// disk (2-byte header, 1 byte of data) and holds at most 8192 bytes; an inode takes at least 20 bytes.
        /// </summary>
        private static void CheckFitTables(SquashfsSuperblock sb, List<string> problems)
        {
            if (sb.DirectoryTableStart > sb.InodeTableStart)
            {
                ulong tableBytes = sb.DirectoryTableStart - sb.InodeTableStart;
                ulong capacity = MetadataCapacity(tableBytes) / MinimumInodeBytes;
                if (sb.InodeCount > capacity)
                {
                    problems.Add($"inode_count {sb.InodeCount} cannot fit in the inode table: its {tableBytes} bytes (from {sb.InodeTableStart} to the directory table at {sb.DirectoryTableStart}) hold at most {capacity} inodes of at least {MinimumInodeBytes} bytes");
                }
            }

            if (sb.FragmentCount > 0)
            {
                ulong indexBytes = IndexBytes(sb.FragmentCount, 16);
                ulong entryBlocks = (((ulong)sb.FragmentCount * 16) + SquashfsFormat.MetadataBlockSize - 1) / SquashfsFormat.MetadataBlockSize;
                if (sb.FragmentTableStart > sb.BytesUsed || sb.BytesUsed - sb.FragmentTableStart < indexBytes)
                {
                    problems.Add($"fragment_count {sb.FragmentCount} cannot fit in the fragment table: its index alone takes {indexBytes} bytes, but only {(sb.FragmentTableStart > sb.BytesUsed ? 0 : sb.BytesUsed - sb.FragmentTableStart)} bytes lie between the fragment table at {sb.FragmentTableStart} and bytes_used {sb.BytesUsed}");
                }
                else if (sb.FragmentTableStart <= sb.DirectoryTableStart || (sb.FragmentTableStart - sb.DirectoryTableStart) / 3 < entryBlocks)
                {
                    problems.Add($"fragment_count {sb.FragmentCount} cannot fit in the fragment table: its entries need {entryBlocks} metadata blocks, which do not fit between the directory table at {sb.DirectoryTableStart} and the fragment index at {sb.FragmentTableStart}");
                }
            }

            if (sb.IdCount > 0)
            {
                ulong indexBytes = IndexBytes(sb.IdCount, 4);
                if (sb.IdTableStart > sb.BytesUsed || sb.BytesUsed - sb.IdTableStart < indexBytes)
                {
                    problems.Add($"id_count {sb.IdCount} cannot fit in the id table: its index takes {indexBytes} bytes, but only {(sb.IdTableStart > sb.BytesUsed ? 0 : sb.BytesUsed - sb.IdTableStart)} bytes lie between the id table at {sb.IdTableStart} and bytes_used {sb.BytesUsed}");
                }
            }
        }

        private static ulong MetadataCapacity(ulong tableBytes) => tableBytes / 3 * SquashfsFormat.MetadataBlockSize;
    }
}
