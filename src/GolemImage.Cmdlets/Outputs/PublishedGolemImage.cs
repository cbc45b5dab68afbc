using GolemImage.Registry;

namespace GolemImage
{
    /// <summary>What Publish-GolemImage emits for each image: where it is now and how requestors refer to it.</summary>
    public sealed class PublishedGolemImage
    {
        internal PublishedGolemImage(PublishResult result)
        {
            Path = result.ImagePath;
            RegistryUrl = result.RegistryUrl;
            Tag = result.Tag;
            Hash = result.Descriptor.Sha3Hex;
            DescriptorHash = result.Descriptor.DescriptorSha256Hex;
            Size = result.Descriptor.FileSize;
            ChunkSize = result.Descriptor.ChunkSize;
            ChunksUploaded = result.ChunksUploaded;
            ChunksSkipped = result.ChunksSkipped;
            DownloadUrl = result.HttpUrl;
            HttpsDownloadUrl = result.HttpsUrl;
            TaskPackage = result.TaskPackage;
        }

        /// <summary>The local image file.</summary>
        public string Path { get; }

        public string RegistryUrl { get; }

        /// <summary>user/repository:tag, or null for an anonymous upload.</summary>
        public string? Tag { get; }

        /// <summary>SHA3-224 of the whole file (hex): the hash providers verify.</summary>
        public string Hash { get; }

        /// <summary>SHA-256 of the chunk descriptor (hex): the registry's upload id, which gvmkit-build prints as "hash".</summary>
        public string DescriptorHash { get; }

        public long Size { get; }

        public long ChunkSize { get; }

        /// <summary>Chunks sent by this call.</summary>
        public int ChunksUploaded { get; }

        /// <summary>Chunks the registry already held (an earlier or interrupted upload).</summary>
        public int ChunksSkipped { get; }

        /// <summary>The http download link (what yapapi and golem-js use by default).</summary>
        public string DownloadUrl { get; }

        public string HttpsDownloadUrl { get; }

        /// <summary>hash:sha3:&lt;hex&gt;:&lt;url&gt;, the value of golem.srv.comp.task_package.</summary>
        public string TaskPackage { get; }
    }
}
