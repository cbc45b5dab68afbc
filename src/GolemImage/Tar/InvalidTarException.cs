using System;

namespace GolemImage.Tar
{
    /// <summary>
    /// The tar stream is malformed or describes something that cannot be represented safely.
    /// The message names the source, the entry (when one is known) and the byte offset of its header.
    /// </summary>
    public sealed class InvalidTarException : GolemImageException
    {
        public const string InvalidTarErrorId = ErrorIds.InvalidTar;

        public InvalidTarException(string sourceName, string? entryName, long offset, string problem, Exception? innerException = null)
            : base(InvalidTarErrorId, GolemErrorCategory.InvalidData, FormatMessage(sourceName, entryName, offset, problem), sourceName, innerException)
        {
            SourceName = sourceName;
            EntryName = entryName;
            Offset = offset;
            Problem = problem;
        }

        public string SourceName { get; }

        /// <summary>The entry's path as far as it was known when the problem was found, or null.</summary>
        public string? EntryName { get; }

        /// <summary>The stream offset of the header of the entry the problem belongs to.</summary>
        public long Offset { get; }

        public string Problem { get; }

        private static string FormatMessage(string sourceName, string? entryName, long offset, string problem)
        {
            var entryPart = entryName == null ? "" : $" in entry '{entryName}'";
            return $"Invalid tar archive '{sourceName}'{entryPart} (header at byte offset {offset}): {problem}.";
        }
    }
}
