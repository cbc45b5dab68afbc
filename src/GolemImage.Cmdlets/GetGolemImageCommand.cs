using System;
using System.IO;
using System.Management.Automation;
using System.Text.RegularExpressions;
using GolemImage.Cmdlets.Infrastructure;
using GolemImage.Gvmi;

namespace GolemImage.Cmdlets
{
    /// <summary>
    /// Get-GolemImage: reads a .gvmi's trailer (checked as ya-runtime-vm checks it) and squashfs superblock and
    /// returns the image as a GolemImageFile: hash, size, compression, block size, inode count, creation time, config.
    /// </summary>
    [Cmdlet(VerbsCommon.Get, "GolemImage", DefaultParameterSetName = LiteralPathSet)]
    [OutputType(typeof(GolemImageFile))]
    public sealed class GetGolemImageCommand : ImageFileCmdlet
    {

        private static readonly Regex ImageIdPattern = new Regex("^(sha256:)?[0-9a-f]{64}$|^[0-9a-f]{12}$", RegexOptions.CultureInvariant);

        private int activity;

        protected override void ProcessRecord()
        {
            foreach (string file in ResolveImageFiles())
            {
                try
                {
                    int id = ++activity;
                    GvmiImageInfo info = RunEngine((reporter, token) => GvmiImageReader.ReadAsync(file, true, reporter, id, token));
                    WriteObject(ToImageFile(info));
                }
                catch (Exception ex) when (!(ex is PipelineStoppedException))
                {
                    WriteEngineError(ex, file);
                }
            }
        }

        internal static GolemImageFile ToImageFile(GvmiImageInfo info)
        {
            ContainerConfig config = info.Trailer.Config;
            var image = new GolemImageFile
            {
                Path = info.Path,
                Hash = info.Hash ?? string.Empty,
                Size = info.Size,
                Compression = info.Superblock.CompressionName,
                BlockSize = (int)info.Superblock.BlockSize,
                InodeCount = info.Superblock.InodeCount,
                Created = info.Superblock.Created,
                Config = config,
            };

            // The trailer's Image is an image id when gvmkit-build wrote it, a reference when a human did.
            if (!string.IsNullOrEmpty(config.Image))
            {
                if (ImageIdPattern.IsMatch(config.Image))
                {
                    image.ImageId = config.Image!.Length == 64 ? "sha256:" + config.Image : config.Image;
                }
                else
                {
                    image.SourceImage = config.Image;
                }
            }

            if (config.Labels != null)
            {
                if (image.SourceImage == null && config.Labels.TryGetValue("org.opencontainers.image.ref.name", out string? reference))
                {
                    image.SourceImage = reference;
                }
            }

            return image;
        }
    }
}
