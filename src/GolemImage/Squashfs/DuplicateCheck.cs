using System.Globalization;

namespace GolemImage.Squashfs
{
    /// <summary>
    /// A file whose (size, XxHash128) matched an earlier file's. The hash only finds the candidate: the block writer
    /// compares the stored bytes and then either points <see cref="File"/> at <see cref="Original"/>'s data or keeps
    /// the file's own (a hash collision).
    /// </summary>
    internal sealed class DuplicateCheck
    {
        public DuplicateCheck(SquashfsFileData file, SquashfsFileData original, string fileName, byte[] contentHash)
        {
            File = file;
            Original = original;
            FileName = fileName;
            ContentHash = contentHash;
        }

        /// <summary>The new file: its full blocks are written just before the check is queued.</summary>
        public SquashfsFileData File { get; }

        /// <summary>The earlier file with the same size and hash; its blocks and fragment are written or in memory.</summary>
        public SquashfsFileData Original { get; }

        public string FileName { get; }

        /// <summary>The XxHash128 both files share (as the hasher returns it).</summary>
        public byte[] ContentHash { get; }

        public string CollisionWarning() => string.Format(
            CultureInfo.InvariantCulture,
            "Content hash collision: '{0}' has the same size ({1} bytes) and XxHash128 ({2}) as an earlier file but different content; it is stored separately.",
            FileName,
            File.Size,
            Hashing.HexString.Lower(ContentHash));
    }
}
