using System;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using GolemImage.Gvmi;
using GolemImage.Hashing;
using GolemImage.Reporting;

namespace GolemImage.Sources
{
    /// <summary>
    /// Turns a resolved image into a .gvmi file: flattened layers into the squashfs writer, the image config into
    /// the trailer, the mkfs time from the image (so the same image gives the same bytes through every source),
    /// then the SHA3-224 of the result.
    /// </summary>
    public static class ImageConverter
    {
        internal const int HashActivityId = 71;

        public static ContainerConfig ToContainerConfig(ImageConfig config, IEngineReporter reporter)
        {
            if (!string.IsNullOrEmpty(config.User) && !ContainerConfig.IsNumericUser(config.User))
            {
                reporter.Warning($"The image's User is '{config.User}', not a numeric uid:gid; Golem providers run it as root (0:0).");
            }

            return new ContainerConfig
            {
                User = config.User,
                Env = config.Env.ToArray(),
                Cmd = config.Cmd?.ToArray(),
                Entrypoint = config.Entrypoint?.ToArray(),
                WorkingDir = config.WorkingDir,
                Volumes = config.Volumes.Count > 0 ? config.Volumes.ToArray() : null,
                ExposedPorts = config.ExposedPorts.Count > 0 ? config.ExposedPorts.ToArray() : null,
                Labels = config.Labels.Count > 0 ? config.Labels.ToDictionary(p => p.Key, p => p.Value, StringComparer.Ordinal) : null,
                Image = config.ImageId,
            };
        }

        /// <summary>The squashfs mkfs time: SOURCE_DATE_EPOCH if set, else the image's Created time, else 0.</summary>
        public static long BuildTime(ImageConfig config, long? sourceDateEpoch)
        {
            if (sourceDateEpoch.HasValue)
            {
                return sourceDateEpoch.Value;
            }

            string? fromEnvironment = Environment.GetEnvironmentVariable("SOURCE_DATE_EPOCH");
            if (!string.IsNullOrEmpty(fromEnvironment) && long.TryParse(fromEnvironment, NumberStyles.Integer, CultureInfo.InvariantCulture, out long epoch))
            {
                return epoch;
            }

            return config.Created?.ToUnixTimeSeconds() ?? 0;
        }

        private static string Threads(int count) => count == 1 ? "1 compression thread" : $"{count} compression threads";

        public static async Task<ImageConversionResult> ConvertAsync(ResolvedImage image, string outputPath, ImageConversionOptions options, IEngineReporter reporter, CancellationToken cancellationToken)
        {
            ContainerConfig containerConfig = ToContainerConfig(image.Config, reporter);
            long buildTime = BuildTime(image.Config, options.SourceDateEpoch);
            options.Squashfs.MkfsTime = buildTime;
            options.Squashfs.DefaultModificationTime = buildTime;
            var flattener = new LayerFlattener(reporter);
            var volumeContent = new VolumeContentCheck(image.Config.Volumes);
            reporter.Verbose($"Converting {image.Reference ?? image.ImageId} ({image.SourceDescription}) to {outputPath} with {options.Squashfs.Compression}, {options.Squashfs.BlockSize}-byte blocks, {Threads(options.Squashfs.EffectiveWorkerCount)}, mkfs time {buildTime}.");
            GvmiWriteResult written = await GvmiImageWriter.WriteAsync(
                outputPath,
                containerConfig,
                (writer, ct) => flattener.FlattenAsync(
                    image.Layers,
                    (entry, c) =>
                    {
                        volumeContent.Observe(entry);
                        return writer.AddAsync(entry, c);
                    },
                    ct),
                options.Squashfs,
                reporter,
                cancellationToken).ConfigureAwait(false);
            volumeContent.Report(reporter);

            string hash = await HashFileAsync(written.Path, reporter, cancellationToken).ConfigureAwait(false);
            return new ImageConversionResult(written, hash, containerConfig, buildTime);
        }

        /// <summary>The image hash (SHA3-224, lower-case hex) of a written .gvmi, with progress for big files.</summary>
        public static async Task<string> HashFileAsync(string path, IEngineReporter reporter, CancellationToken cancellationToken) =>
            HexString.Lower(await FileHasher.HashFileAsync(path, reporter, HashActivityId, cancellationToken).ConfigureAwait(false));
    }
}
