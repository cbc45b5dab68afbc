using System;

namespace GolemImage.Sources
{
    /// <summary>What <see cref="ImageSourceResolver"/> needs to choose and open an image's source.</summary>
    public sealed class ImageSourceOptions
    {
        /// <summary>Auto, Docker or Registry for an image reference; Archive is chosen by giving <see cref="ArchivePath"/>.</summary>
        public ImageSourceKind Kind { get; set; } = ImageSourceKind.Auto;

        /// <summary>A docker save archive or OCI layout directory; when set, the source is that archive.</summary>
        public string? ArchivePath { get; set; }

        public ImagePlatform Platform { get; set; } = ImagePlatform.LinuxAmd64;

        /// <summary>Converts another platform than <see cref="Platform"/> (with a warning) instead of refusing it.</summary>
        public bool Force { get; set; }

        /// <summary>Registry credentials; null for what docker login saved, else anonymous.</summary>
        public RegistryCredential? Credential { get; set; }

        /// <summary>Allows plain http to a registry that is not on the loopback interface.</summary>
        public bool AllowInsecureHttp { get; set; }

        /// <summary>Where Docker engines are looked for (environment variables, home directory, operating system).</summary>
        public DockerEnvironment DockerEnvironment { get; set; } = DockerEnvironment.Current;

        /// <summary>
        /// Where the large temporary files go (a docker save, a decompressed archive; see <see cref="SpoolFiles"/>); null
        /// for the temporary directory.
        /// </summary>
        public string? SpoolDirectory { get; set; }

        /// <summary>How long a registry request may wait for its answer.</summary>
        public TimeSpan RegistryResponseTimeout { get; set; } = OciRegistrySource.DefaultResponseTimeout;
    }
}
