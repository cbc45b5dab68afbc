using System;

namespace GolemImage.Registry
{
    /// <summary>What to publish where: one image file, a registry, and (unless anonymous) a tag and credential.</summary>
    public sealed class PublishRequest
    {
        public PublishRequest(string imagePath, Uri registryUrl)
        {
            ImagePath = imagePath;
            RegistryUrl = registryUrl;
        }

        public string ImagePath { get; }

        public Uri RegistryUrl { get; }

        /// <summary>Null for an anonymous upload: the image is stored and downloadable by hash, but not tagged.</summary>
        public ImageTag? Tag { get; set; }

        /// <summary>Required with a tag; ignored for anonymous uploads.</summary>
        public RegistryCredential? Credential { get; set; }

        /// <summary>Null: gvmkit-build's default for the file size.</summary>
        public long? ChunkSize { get; set; }

        public int ThrottleLimit { get; set; } = 4;

        public RetrySettings Retry { get; set; } = new RetrySettings();

        /// <summary>
        /// How long to wait for the registry to report the upload complete ("full") after the last chunk:
        /// the public registry stores chunks on NFS and may lag (gvmkit-build polls 6 times, 5 s apart).
        /// </summary>
        public TimeSpan ValidationTimeout { get; set; } = TimeSpan.FromSeconds(30);
    }
}
