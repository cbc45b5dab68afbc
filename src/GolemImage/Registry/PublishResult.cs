namespace GolemImage.Registry
{
    /// <summary>The outcome of publishing one image.</summary>
    public sealed class PublishResult
    {
        public PublishResult(string imagePath, string registryUrl, string? tag, ImageDescriptor descriptor, int chunksUploaded, int chunksSkipped, string httpUrl, string httpsUrl)
        {
            ImagePath = imagePath;
            RegistryUrl = registryUrl;
            Tag = tag;
            Descriptor = descriptor;
            ChunksUploaded = chunksUploaded;
            ChunksSkipped = chunksSkipped;
            HttpUrl = httpUrl;
            HttpsUrl = httpsUrl;
        }

        public string ImagePath { get; }

        public string RegistryUrl { get; }

        public string? Tag { get; }

        public ImageDescriptor Descriptor { get; }

        public int ChunksUploaded { get; }

        public int ChunksSkipped { get; }

        public string HttpUrl { get; }

        public string HttpsUrl { get; }

        /// <summary>The string requestors put in golem.srv.comp.task_package: hash:sha3:&lt;hex&gt;:&lt;url&gt;.</summary>
        public string TaskPackage => Registry.TaskPackage.Format(Descriptor.Sha3Hex, HttpUrl);
    }
}
