using System.Collections.Generic;
using System.IO;

namespace GolemImage.Sources
{
    /// <summary>
    /// The files of an image archive, by their normalised relative path, with random access: a tar file on disk
    /// (indexed once, members opened as windows onto the file) or an OCI image-layout directory.
    /// </summary>
    internal abstract class ArchiveFiles
    {
        protected ArchiveFiles(string displayName)
        {
            DisplayName = displayName;
        }

        public string DisplayName { get; }

        public abstract bool Exists(string path);

        public abstract long GetSize(string path);

        public abstract Stream Open(string path);

        public abstract IEnumerable<string> List();

        public byte[] ReadAll(string path, long limit)
        {
            long size = GetSize(path);
            if (size > limit)
            {
                throw new GolemImageException(ErrorIds.InvalidArchive, GolemErrorCategory.InvalidData, $"'{path}' in {DisplayName} is {size} bytes, too large for a manifest or configuration.", DisplayName);
            }

            using (Stream stream = Open(path))
            {
                var bytes = new byte[size];
                int have = 0;
                while (have < bytes.Length)
                {
                    int read = stream.Read(bytes, have, bytes.Length - have);
                    if (read == 0)
                    {
                        throw new GolemImageException(ErrorIds.InvalidArchive, GolemErrorCategory.InvalidData, $"'{path}' in {DisplayName} ends early.", DisplayName);
                    }

                    have += read;
                }

                return bytes;
            }
        }

        public static string Normalize(string path)
        {
            string p = path.Replace('\\', '/');
            while (p.StartsWith("./", System.StringComparison.Ordinal))
            {
                p = p.Substring(2);
            }

            return p.Trim('/');
        }
    }
}
