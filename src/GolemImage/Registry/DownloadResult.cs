namespace GolemImage.Registry
{
    /// <summary>What a download did.</summary>
    public sealed class DownloadResult
    {
        public DownloadResult(string path, bool alreadyPresent, long bytesDownloaded, long bytesResumed)
        {
            Path = path;
            AlreadyPresent = alreadyPresent;
            BytesDownloaded = bytesDownloaded;
            BytesResumed = bytesResumed;
        }

        /// <summary>The verified image file.</summary>
        public string Path { get; }

        /// <summary>The file was there already with the right hash; nothing was downloaded.</summary>
        public bool AlreadyPresent { get; }

        /// <summary>Bytes received by this call.</summary>
        public long BytesDownloaded { get; }

        /// <summary>Bytes of an earlier, interrupted download that were kept and not fetched again.</summary>
        public long BytesResumed { get; }
    }
}
