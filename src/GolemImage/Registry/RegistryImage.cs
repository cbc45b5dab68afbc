namespace GolemImage.Registry
{
    /// <summary>An image the Golem registry holds, as GET /v1/image/info describes it.</summary>
    public sealed class RegistryImage
    {
        public RegistryImage(string registryUrl, string? tag, string sha3Hex, long size, string httpUrl, string httpsUrl)
        {
            RegistryUrl = registryUrl;
            Tag = tag;
            Sha3Hex = sha3Hex;
            Size = size;
            HttpUrl = httpUrl;
            HttpsUrl = httpsUrl;
        }

        public string RegistryUrl { get; }

        /// <summary>The tag it was found by (user/repository:tag), or null when looked up by hash.</summary>
        public string? Tag { get; }

        /// <summary>SHA3-224 of the whole file, lowercase hex.</summary>
        public string Sha3Hex { get; }

        public long Size { get; }

        /// <summary>The http download link: what yapapi and golem-js put in the task package by default.</summary>
        public string HttpUrl { get; }

        public string HttpsUrl { get; }

        public string TaskPackage => Registry.TaskPackage.Format(Sha3Hex, HttpUrl);
    }
}
