using System;
using System.Collections.Generic;
using System.IO;

namespace GolemImage.Sources
{
    /// <summary>An OCI image-layout directory.</summary>
    internal sealed class DirectoryArchiveFiles : ArchiveFiles
    {
        private readonly string root;

        public DirectoryArchiveFiles(string root)
            : base(root)
        {
            this.root = Path.GetFullPath(root);
        }

        public override bool Exists(string path) => File.Exists(Resolve(path));

        public override long GetSize(string path) => new FileInfo(Resolve(path)).Length;

        public override Stream Open(string path) =>
            SharedFile.OpenRead(Resolve(path), 1 << 16, FileOptions.SequentialScan);

        public override IEnumerable<string> List()
        {
            foreach (string file in Directory.EnumerateFiles(root, "*", SearchOption.AllDirectories))
            {
                yield return Normalize(file.Substring(root.Length));
            }
        }

        private string Resolve(string path)
        {
            string normalized = Normalize(path);
            string full = Path.GetFullPath(Path.Combine(root, normalized));
            if (!full.StartsWith(root.TrimEnd(Path.DirectorySeparatorChar) + Path.DirectorySeparatorChar, StringComparison.Ordinal))
            {
                throw new GolemImageException(ErrorIds.InvalidArchive, GolemErrorCategory.InvalidData, $"The path '{path}' named in {DisplayName} leaves the image layout directory.", DisplayName);
            }

            return full;
        }
    }
}
