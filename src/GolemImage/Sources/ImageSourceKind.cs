namespace GolemImage.Sources
{
    /// <summary>Where an image is read from.</summary>
    public enum ImageSourceKind
    {
        /// <summary>The Docker engine when one answers and runs Linux images, else the image's registry (with a warning).</summary>
        Auto,

        /// <summary>A Docker engine only (pulled into it when missing).</summary>
        Docker,

        /// <summary>The image's OCI registry, no daemon.</summary>
        Registry,

        /// <summary>A docker save archive or an OCI image-layout directory.</summary>
        Archive,
    }
}
