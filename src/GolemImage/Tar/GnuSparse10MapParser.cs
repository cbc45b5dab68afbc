using System;

namespace GolemImage.Tar
{
    /// <summary>
    /// GNU sparse 1.0 keeps its map at the start of the entry's data: decimal numbers each ended by '\n' (the region
    /// count, then offset/length pairs), padded to a whole 512-byte record. Fed one record at a time, it needs no
    /// buffer beyond the number being read, whatever the count claims.
    /// </summary>
    internal sealed class GnuSparse10MapParser
    {
        // 19 digits hold every value up to 10^19 - 1; TryParseUnsigned accepts no more.
        private const int MaxDigits = 19;

        private readonly SparseMap _map;
        private long _count = -1;
        private long _pendingOffset = -1;
        private long _number;
        private int _digits;

        public GnuSparse10MapParser(SparseMap map)
        {
            _map = map;
        }

        public bool Done { get; private set; }

        /// <summary>Parses one record; returns a problem or null. Stop feeding once <see cref="Done"/> is true.</summary>
        public string? Feed(ReadOnlySpan<byte> record)
        {
            foreach (var b in record)
            {
                if (b == (byte)'\n')
                {
                    if (_digits == 0)
                    {
                        return "the GNU sparse 1.0 map at the start of the data is not a list of decimal numbers";
                    }

                    var problem = Accept(_number);
                    _number = 0;
                    _digits = 0;
                    if (problem != null || Done)
                    {
                        return problem;
                    }

                    continue;
                }

                if (b < (byte)'0' || b > (byte)'9')
                {
                    return "the GNU sparse 1.0 map at the start of the data is not a list of decimal numbers";
                }

                if (_digits == MaxDigits)
                {
                    return "the GNU sparse 1.0 map contains a number that is too long";
                }

                _number = (_number * 10) + (b - '0');
                _digits++;
            }

            return null;
        }

        private string? Accept(long number)
        {
            if (_count < 0)
            {
                _count = number;
                if (_count > SparseMap.MaxRegions)
                {
                    return $"the sparse map has more than {SparseMap.MaxRegions} regions";
                }
            }
            else if (_pendingOffset < 0)
            {
                _pendingOffset = number;
                return null;
            }
            else
            {
                if (!_map.Add(_pendingOffset, number))
                {
                    return $"the sparse map has more than {SparseMap.MaxRegions} regions";
                }

                _pendingOffset = -1;
            }

            Done = _map.Count == _count;
            return null;
        }
    }
}
