using GolemImage.Squashfs;

namespace GolemImage.Sources
{
    /// <summary>How <see cref="ImageConverter"/> writes a .gvmi.</summary>
    public sealed class ImageConversionOptions
    {
        /// <summary>Squashfs settings; MkfsTime and DefaultModificationTime are filled in from the image.</summary>
        public SquashfsWriterOptions Squashfs { get; set; } = new SquashfsWriterOptions();

        /// <summary>
        /// Overrides the image's creation time as the mkfs time (the SOURCE_DATE_EPOCH convention); null uses
        /// SOURCE_DATE_EPOCH from the environment, then the image's Created time, then 0.
        /// </summary>
        public long? SourceDateEpoch { get; set; }
    }
}
