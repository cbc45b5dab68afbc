namespace GolemImage.Squashfs.Reading
{
    /// <summary>One check of a .gvmi image and what it found.</summary>
    public sealed class ValidationFinding
    {
        public ValidationFinding(string check, ValidationResult result, string message, long? offset = null)
        {
            Check = check;
            Result = result;
            Message = message;
            Offset = offset;
        }

        /// <summary>Stable name of the rule, such as "Trailer", "Superblock.BlockSize", "Layout.IdTable", "Padding".</summary>
        public string Check { get; }

        public ValidationResult Result { get; }

        /// <summary>What holds, or what is wrong and why it matters.</summary>
        public string Message { get; }

        /// <summary>Byte offset in the file the finding is about, when there is one.</summary>
        public long? Offset { get; }

        public override string ToString()
        {
            return $"{Result} {Check}: {Message}";
        }
    }
}
