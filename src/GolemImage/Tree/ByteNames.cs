using System;
using System.Collections.Generic;
using System.Text;

namespace GolemImage.Tree
{
    /// <summary>Helpers for file names kept as raw bytes (squashfs sorts and stores bytes, not strings).</summary>
    internal static class ByteNames
    {
        public static readonly IEqualityComparer<byte[]> EqualityComparer = new ByteArrayEqualityComparer();

        public static readonly IComparer<byte[]> OrdinalComparer = new ByteArrayOrdinalComparer();

        public static string ToDisplay(byte[] bytes) => bytes.Length == 0 ? "/" : Encoding.UTF8.GetString(bytes);

        public static List<byte[]> Split(byte[] path)
        {
            var parts = new List<byte[]>();
            int start = 0;
            for (int i = 0; i <= path.Length; i++)
            {
                if (i == path.Length || path[i] == (byte)'/')
                {
                    if (i > start)
                    {
                        parts.Add(path.AsSpan(start, i - start).ToArray());
                    }

                    start = i + 1;
                }
            }

            return parts;
        }

        private sealed class ByteArrayEqualityComparer : IEqualityComparer<byte[]>
        {
            public bool Equals(byte[]? x, byte[]? y) => ReferenceEquals(x, y) || (x != null && y != null && x.AsSpan().SequenceEqual(y));

            public int GetHashCode(byte[] obj)
            {
                unchecked
                {
                    // FNV-1a: names are short; a stable hash keeps iteration-order-independent code honest.
                    uint hash = 2166136261;
                    foreach (byte b in obj)
                    {
                        hash = (hash ^ b) * 16777619;
                    }

                    return (int)hash;
                }
            }
        }

        private sealed class ByteArrayOrdinalComparer : IComparer<byte[]>
        {
            public int Compare(byte[]? x, byte[]? y) => x.AsSpan().SequenceCompareTo(y.AsSpan());
        }
    }
}
