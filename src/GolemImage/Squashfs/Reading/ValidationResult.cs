namespace GolemImage.Squashfs.Reading
{
    /// <summary>Outcome of one validation check.</summary>
    public enum ValidationResult
    {
        /// <summary>The rule holds.</summary>
        Passed,

        /// <summary>The image is usable but something is unusual or will not work on every provider.</summary>
        Warning,

        /// <summary>The runtime or the kernel would reject the image, or it is not an image at all.</summary>
        Failed,

        /// <summary>The check could not run because an earlier one failed.</summary>
        Skipped,
    }
}
