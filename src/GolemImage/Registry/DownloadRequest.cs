using System;

namespace GolemImage.Registry
{
    /// <summary>One image to download and where to put it.</summary>
    public sealed class DownloadRequest
    {
        public DownloadRequest(Uri url, string sha3Hex, long size, string outputPath)
        {
            Url = url;
            Sha3Hex = sha3Hex.ToLowerInvariant();
            Size = size;
            OutputPath = outputPath;
        }

        /// <summary>The download link; redirects are followed (at most 10, as yagna does).</summary>
        public Uri Url { get; }

        /// <summary>The SHA3-224 the file must have (lowercase hex).</summary>
        public string Sha3Hex { get; }

        /// <summary>The size the registry reports, or -1 when unknown (the HEAD answer decides then).</summary>
        public long Size { get; }

        /// <summary>The file to write; it appears only once its bytes have the hash.</summary>
        public string OutputPath { get; }

        /// <summary>Replace an existing file with other contents (one with the right hash is always kept as it is).</summary>
        public bool Force { get; set; }

        public RetrySettings Retry { get; set; } = new RetrySettings();
    }
}
