using System.Collections.Generic;
using System.Text;

namespace GolemImage.Tar
{
    /// <summary>
    /// The GNU sparse maps carried by PAX records: 0.0 (repeated GNU.sparse.offset / GNU.sparse.numbytes records),
    /// 0.1 (one GNU.sparse.map record "offset,length,..."), and the header of 1.0 (GNU.sparse.major/minor and
    /// GNU.sparse.realsize; its map is at the start of the data, see <see cref="GnuSparse10MapParser"/>).
    /// </summary>
    internal static class PaxSparseMap
    {
        public static bool IsSparse(PaxRecords pax) =>
            pax.Contains("GNU.sparse.major") || pax.Contains("GNU.sparse.map") || pax.SparseOffsets != null || pax.Contains("GNU.sparse.numblocks");

        /// <summary>True for the 1.0 form, whose map must then be read from the data.</summary>
        public static bool IsVersion1(PaxRecords pax) => pax.Get("GNU.sparse.major") != null;

        /// <summary>The real size of a 1.0 entry, or a problem.</summary>
        public static string? ReadVersion1Header(PaxRecords pax, out long realSize)
        {
            realSize = -1;
            var major = pax.Get("GNU.sparse.major")!;
            if (!PaxRecords.TryParseUnsigned(major, out var majorVersion) || majorVersion != 1)
            {
                return $"unsupported GNU sparse format version '{Encoding.ASCII.GetString(major)}'";
            }

            var text = pax.Get("GNU.sparse.realsize");
            if (text == null)
            {
                return "a GNU sparse 1.0 entry without GNU.sparse.realsize";
            }

            if (!PaxRecords.TryParseUnsigned(text, out realSize))
            {
                return $"the PAX 'GNU.sparse.realsize' record '{Encoding.ASCII.GetString(text)}' is not a decimal number";
            }

            return null;
        }

        /// <summary>Reads a 0.0 or 0.1 map into <paramref name="map"/> and the real size (the stored size when absent).</summary>
        public static string? ReadVersion0(PaxRecords pax, long storedSize, SparseMap map, out long realSize)
        {
            realSize = storedSize;
            var sizeText = pax.Get("GNU.sparse.size");
            if (sizeText != null && !PaxRecords.TryParseUnsigned(sizeText, out realSize))
            {
                return $"the PAX 'GNU.sparse.size' record '{Encoding.ASCII.GetString(sizeText)}' is not a decimal number";
            }

            var text = pax.Get("GNU.sparse.map");
            if (text != null)
            {
                return ReadMapText(text, map);
            }

            if (pax.SparseOffsets == null && pax.SparseLengths == null)
            {
                return null;
            }

            var offsets = pax.SparseOffsets ?? new List<long>();
            var lengths = pax.SparseLengths ?? new List<long>();
            if (offsets.Count != lengths.Count)
            {
                return $"the GNU sparse 0.0 map has {offsets.Count} offsets but {lengths.Count} lengths";
            }

            for (var i = 0; i < offsets.Count; i++)
            {
                if (!map.Add(offsets[i], lengths[i]))
                {
                    return $"the sparse map has more than {SparseMap.MaxRegions} regions";
                }
            }

            return null;
        }

        /// <summary>GNU sparse 0.1: "offset,length,offset,length,..." in one record.</summary>
        private static string? ReadMapText(byte[] text, SparseMap map)
        {
            var numbers = new List<long>();
            var start = 0;
            for (var i = 0; i <= text.Length; i++)
            {
                if (i == text.Length || text[i] == (byte)',')
                {
                    var part = new byte[i - start];
                    System.Array.Copy(text, start, part, 0, part.Length);
                    if (!PaxRecords.TryParseUnsigned(part, out var number))
                    {
                        return "the GNU.sparse.map record is not a list of decimal numbers";
                    }

                    numbers.Add(number);
                    start = i + 1;
                }
            }

            if (numbers.Count % 2 != 0)
            {
                return "the GNU.sparse.map record has an odd count of numbers";
            }

            for (var i = 0; i < numbers.Count; i += 2)
            {
                if (!map.Add(numbers[i], numbers[i + 1]))
                {
                    return $"the sparse map has more than {SparseMap.MaxRegions} regions";
                }
            }

            return null;
        }
    }
}
