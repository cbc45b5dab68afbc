using GolemImage.Squashfs.Reading;

namespace GolemImage
{
    /// <summary>One check Test-GolemImage -Detailed made on one file.</summary>
    public sealed class GolemImageTestFinding
    {
        public GolemImageTestFinding(string path, ValidationFinding finding)
        {
            Path = path;
            Check = finding.Check;
            Result = finding.Result;
            Message = finding.Message;
            Offset = finding.Offset;
        }

        public string Path { get; }

        /// <summary>The rule: Trailer, Superblock.Magic, Superblock.Version, Superblock.BlockSize, Superblock.Compression,
        /// Superblock.Counts, Superblock.RootInode, Superblock.BytesUsed, Layout.*Table, Padding.</summary>
        public string Check { get; }

        /// <summary>Passed, Warning, Failed or Skipped.</summary>
        public ValidationResult Result { get; }

        public string Message { get; }

        /// <summary>Byte offset in the file the finding is about, when there is one.</summary>
        public long? Offset { get; }

        public override string ToString()
        {
            return $"{Result} {Check}: {Message}";
        }
    }
}
