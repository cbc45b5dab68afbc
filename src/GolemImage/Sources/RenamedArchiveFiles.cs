using System.Collections.Generic;
using System.IO;

namespace GolemImage.Sources
{
    /// <summary>Archive files read from a temporary copy but named after the original in messages.</summary>
    internal sealed class RenamedArchiveFiles : ArchiveFiles
    {
        private readonly ArchiveFiles inner;

        public RenamedArchiveFiles(ArchiveFiles inner, string displayName)
            : base(displayName)
        {
            this.inner = inner;
        }

        public override bool Exists(string path) => inner.Exists(path);

        public override long GetSize(string path) => inner.GetSize(path);

        public override Stream Open(string path) => inner.Open(path);

        public override IEnumerable<string> List() => inner.List();
    }
}
