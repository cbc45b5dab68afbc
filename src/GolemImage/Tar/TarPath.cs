using System;
using System.Text;

namespace GolemImage.Tar
{
    /// <summary>
    /// Canonical archive paths: relative, '/'-separated, with no empty, "." or ".." components.
    /// ".." is refused rather than resolved so that no entry can ever land outside the image root.
    /// </summary>
    internal static class TarPath
    {
        /// <summary>Longest path or link target accepted, in bytes (Linux PATH_MAX is 4096; this leaves ample room).</summary>
        public const int MaxPathLength = 65536;

        /// <summary>Longest single path component: NAME_MAX on Linux and the squashfs directory entry limit.</summary>
        public const int MaxComponentLength = 255;

        /// <summary>
        /// Returns the canonical form of <paramref name="raw"/>, or null with <paramref name="problem"/> set
        /// when the path contains a ".." component, a NUL byte, or a component longer than 255 bytes.
        /// </summary>
        public static byte[]? Normalize(ReadOnlySpan<byte> raw, out string? problem)
        {
            problem = null;
            if (raw.Length > MaxPathLength)
            {
                problem = $"the path is {raw.Length} bytes long, more than the limit of {MaxPathLength} bytes";
                return null;
            }

            if (IsCanonical(raw, out problem))
            {
                return raw.ToArray();
            }

            if (problem != null)
            {
                return null;
            }

            var result = new byte[raw.Length];
            var length = 0;
            var start = 0;
            while (start <= raw.Length)
            {
                var slash = raw.Slice(start).IndexOf((byte)'/');
                var end = slash < 0 ? raw.Length : start + slash;
                var component = raw.Slice(start, end - start);
                if (component.Length > 0 && !(component.Length == 1 && component[0] == (byte)'.'))
                {
                    if (length > 0)
                    {
                        result[length++] = (byte)'/';
                    }

                    component.CopyTo(result.AsSpan(length));
                    length += component.Length;
                }

                start = end + 1;
            }

            return result.AsSpan(0, length).ToArray();
        }

        /// <summary>
        /// True when the path needs no rewriting (the common case, so it costs no copy); sets
        /// <paramref name="problem"/> when a component makes the path unacceptable.
        /// </summary>
        private static bool IsCanonical(ReadOnlySpan<byte> raw, out string? problem)
        {
            problem = null;
            var canonical = true;
            var start = 0;
            while (start <= raw.Length)
            {
                var slash = raw.Slice(start).IndexOf((byte)'/');
                var end = slash < 0 ? raw.Length : start + slash;
                var component = raw.Slice(start, end - start);
                if (component.Length == 0)
                {
                    // An empty path (the root) is canonical; empty components elsewhere ("//", "/x", "x/") are not.
                    if (raw.Length != 0)
                    {
                        canonical = false;
                    }
                }
                else if (component.Length == 1 && component[0] == (byte)'.')
                {
                    canonical = false;
                }
                else if (component.Length == 2 && component[0] == (byte)'.' && component[1] == (byte)'.')
                {
                    problem = "the path contains a '..' component, which could place a file outside the image root";
                    return false;
                }
                else if (component.Length > MaxComponentLength)
                {
                    problem = $"the path has a component of {component.Length} bytes, more than the file name limit of {MaxComponentLength} bytes";
                    return false;
                }
                else if (component.IndexOf((byte)0) >= 0)
                {
                    problem = "the path contains a NUL byte";
                    return false;
                }

                start = end + 1;
            }

            return canonical;
        }

        public static string ToDisplay(byte[] path) => path.Length == 0 ? "." : Encoding.UTF8.GetString(path);

        public static string ToDisplay(ReadOnlySpan<byte> path) => path.Length == 0 ? "." : Encoding.UTF8.GetString(path.ToArray());
    }
}
