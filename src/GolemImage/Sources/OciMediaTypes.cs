namespace GolemImage.Sources
{
    internal static class OciMediaTypes
    {
        public const string OciIndex = "application/vnd.oci.image.index.v1+json";
        public const string OciManifest = "application/vnd.oci.image.manifest.v1+json";
        public const string DockerManifestList = "application/vnd.docker.distribution.manifest.list.v2+json";
        public const string DockerManifest = "application/vnd.docker.distribution.manifest.v2+json";

        /// <summary>The Accept header for registries: every manifest kind this module can read.</summary>
        public const string AcceptManifests = OciIndex + ", " + DockerManifestList + ", " + OciManifest + ", " + DockerManifest;

        public static bool IsIndex(string? mediaType) => mediaType == OciIndex || mediaType == DockerManifestList;

        public static bool IsManifest(string? mediaType) => mediaType == OciManifest || mediaType == DockerManifest;
    }
}
