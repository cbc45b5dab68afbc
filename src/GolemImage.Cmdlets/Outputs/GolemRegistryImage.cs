using GolemImage.Registry;

namespace GolemImage
{
    /// <summary>
    /// An image in the Golem registry and how requestors refer to it: what Find-GolemImage emits, and the base of what
    /// Publish-GolemImage emits. Save-GolemImage and New-GolemManifest bind it from the pipeline (Tag, Hash).
    /// </summary>
    public class GolemRegistryImage
    {
        internal GolemRegistryImage(string registryUrl, string? tag, string hash, long size, string downloadUrl, string httpsDownloadUrl)
        {
            RegistryUrl = registryUrl;
            Tag = tag;
            Hash = hash;
            Size = size;
            DownloadUrl = downloadUrl;
            HttpsDownloadUrl = httpsDownloadUrl;
            TaskPackage = Registry.TaskPackage.Format(hash, downloadUrl);
        }

        internal GolemRegistryImage(RegistryImage image)
            : this(image.RegistryUrl, image.Tag, image.Sha3Hex, image.Size, image.HttpUrl, image.HttpsUrl)
        {
        }

        /// <summary>user/repository:tag, or null when the image was found by hash (or uploaded anonymously).</summary>
        public string? Tag { get; }

        /// <summary>SHA3-224 of the whole file (hex): the hash providers verify.</summary>
        public string Hash { get; }

        /// <summary>File size in bytes, as the registry reports it.</summary>
        public long Size { get; }

        /// <summary>The http download link (what yapapi and golem-js use by default).</summary>
        public string DownloadUrl { get; }

        public string HttpsDownloadUrl { get; }

        /// <summary>hash:sha3:&lt;hex&gt;:&lt;url&gt;, the value of golem.srv.comp.task_package.</summary>
        public string TaskPackage { get; }

        public string RegistryUrl { get; }

        public override string ToString() => TaskPackage;
    }
}
