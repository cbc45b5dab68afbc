using System;

namespace GolemImage.Tar
{
    /// <summary>
    /// The old GNU sparse map ('S' entries): up to 4 (offset, length) pairs of 12-byte numbers in the header itself,
    /// then 21 per 512-byte extension record for as long as each record's "is extended" flag is set.
    /// </summary>
    internal static class OldGnuSparseMap
    {
        /// <summary>Adds the pairs in <paramref name="area"/> to <paramref name="map"/>; returns a problem or null.</summary>
        public static string? ReadEntries(ReadOnlySpan<byte> area, int count, SparseMap map)
        {
            for (var i = 0; i < count; i++)
            {
                var entry = area.Slice(i * TarHeader.GnuSparseEntryLength, TarHeader.GnuSparseEntryLength);
                if (entry[0] == 0)
                {
                    break;
                }

                if (!TarHeader.TryParseNumber(entry.Slice(0, 12), out var offset) || !TarHeader.TryParseNumber(entry.Slice(12, 12), out var length))
                {
                    return "an old GNU sparse map entry is not a number";
                }

                if (!map.Add(offset, length))
                {
                    return $"the sparse map has more than {SparseMap.MaxRegions} regions";
                }
            }

            return null;
        }

        /// <summary>The pairs of the header's own map; the caller reads the real size and extension flag.</summary>
        public static string? ReadHeader(ReadOnlySpan<byte> header, SparseMap map) =>
            ReadEntries(header.Slice(TarHeader.GnuSparseOffset), TarHeader.GnuSparseHeaderEntries, map);

        /// <summary>The pairs of one extension record; <paramref name="more"/> tells whether another record follows.</summary>
        public static string? ReadExtension(ReadOnlySpan<byte> record, SparseMap map, out bool more)
        {
            more = record[TarHeader.GnuExtensionIsExtendedOffset] != 0;
            return ReadEntries(record, TarHeader.GnuExtensionEntries, map);
        }
    }
}
