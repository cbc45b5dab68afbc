namespace GolemImage.Sources
{
    /// <summary>
    /// The source <see cref="ImageSourceResolver.PlanAsync"/> chose for one image, before anything was pulled or
    /// read: the caller asks the user (ShouldProcess) in between, as the Docker engine may pull.
    /// </summary>
    public sealed class ImageSourcePlan
    {
        internal ImageSourcePlan(ImageSourceKind kind, string? image, string? archivePath, DockerEndpoint? dockerEndpoint, string? dockerReason)
        {
            Kind = kind;
            Image = image;
            ArchivePath = archivePath;
            DockerEndpoint = dockerEndpoint;
            DockerReason = dockerReason;
        }

        /// <summary>Docker, Registry or Archive (never Auto).</summary>
        public ImageSourceKind Kind { get; }

        public string? Image { get; }

        public string? ArchivePath { get; }

        /// <summary>The engine that answered, for <see cref="ImageSourceKind.Docker"/>.</summary>
        public DockerEndpoint? DockerEndpoint { get; }

        /// <summary>Why -Source Auto did not use a Docker engine; repeated in any later registry failure.</summary>
        public string? DockerReason { get; }
    }
}
