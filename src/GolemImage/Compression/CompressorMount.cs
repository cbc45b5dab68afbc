namespace GolemImage.Compression
{
    /// <summary>Who can mount a squashfs image made with a compressor.</summary>
    public enum CompressorMount
    {
        /// <summary>No Linux kernel: the squashfs driver has no decompressor for it.</summary>
        NoKernel,

        /// <summary>Linux kernels built with it, but not the Golem provider kernel.</summary>
        LinuxOnly,

        /// <summary>The Golem provider kernel (and Linux generally).</summary>
        GolemProviders,
    }
}
