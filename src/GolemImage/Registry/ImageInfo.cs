namespace GolemImage.Registry
{
    /// <summary>The registry's answer to GET /v1/image/info: where providers download the image from.</summary>
    public sealed class ImageInfo
    {
        public ImageInfo(string httpUrl, string httpsUrl, string sha3, long size)
        {
            HttpUrl = httpUrl;
            HttpsUrl = httpsUrl;
            Sha3 = sha3;
            Size = size;
        }

        public string HttpUrl { get; }

        public string HttpsUrl { get; }

        public string Sha3 { get; }

        public long Size { get; }
    }
}
