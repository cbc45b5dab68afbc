using GolemImage.Gvmi;

namespace GolemImage.Sources
{
    /// <summary>What <see cref="ImageConverter.ConvertAsync"/> wrote.</summary>
    public sealed class ImageConversionResult
    {
        public ImageConversionResult(GvmiWriteResult written, string hash, ContainerConfig config, long buildTime)
        {
            Written = written;
            Hash = hash;
            Config = config;
            BuildTime = buildTime;
        }

        public GvmiWriteResult Written { get; }

        /// <summary>SHA3-224 of the whole file, lowercase hex.</summary>
        public string Hash { get; }

        public ContainerConfig Config { get; }

        /// <summary>The mkfs time written, unix seconds.</summary>
        public long BuildTime { get; }
    }
}
