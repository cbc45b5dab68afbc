using GolemImage.Registry;

namespace GolemImage
{
    /// <summary>What Publish-GolemImage emits for each image: where it is now and how requestors refer to it (the
    /// registry part shared with Find-GolemImage), plus how the upload went.</summary>
    public sealed class PublishedGolemImage : GolemRegistryImage
    {
        internal PublishedGolemImage(PublishResult result)
            : base(result.RegistryUrl, result.Tag, result.Descriptor.Sha3Hex, result.Descriptor.FileSize, result.HttpUrl, result.HttpsUrl)
        {
            Path = result.ImagePath;
            DescriptorHash = result.Descriptor.DescriptorSha256Hex;
            ChunkSize = result.Descriptor.ChunkSize;
            ChunksUploaded = result.ChunksUploaded;
            ChunksSkipped = result.ChunksSkipped;
        }

        /// <summary>The local image file.</summary>
        public string Path { get; }

        /// <summary>SHA-256 of the chunk descriptor (hex): the registry's upload id, which gvmkit-build prints as "hash".</summary>
        public string DescriptorHash { get; }

        public long ChunkSize { get; }

        /// <summary>Chunks sent by this call.</summary>
        public int ChunksUploaded { get; }

        /// <summary>Chunks the registry already held (an earlier or interrupted upload).</summary>
        public int ChunksSkipped { get; }
    }
}
