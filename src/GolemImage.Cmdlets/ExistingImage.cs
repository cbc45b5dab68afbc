using System;
using System.IO;
using System.Threading;
using System.Threading.Tasks;
using GolemImage.Gvmi;
using GolemImage.Reporting;
using GolemImage.Sources;
using GolemImage.Squashfs;

namespace GolemImage.Cmdlets
{
    /// <summary>Recognises a .gvmi that already holds an image (its trailer's Image field is the image id), so the work can be skipped.</summary>
    internal static class ExistingImage
    {
        public static async Task<GolemImageFile?> TryReadAsync(string path, string imageId, IEngineReporter reporter, CancellationToken cancellationToken)
        {
            if (!File.Exists(path))
            {
                return null;
            }

            GvmiTrailerInfo trailer;
            SquashfsSuperblock superblock;
            long size;
            try
            {
                using (var stream = SharedFile.OpenRead(path))
                {
                    size = stream.Length;
                    trailer = GvmiTrailer.Read(stream, path);
                    superblock = SquashfsSuperblock.Read(stream, path);
                }
            }
            catch (Exception ex) when (ex is GolemImageException || ex is IOException || ex is UnauthorizedAccessException)
            {
                reporter.Verbose($"{path} exists but is not a readable .gvmi ({ex.Message}); it will be replaced.");
                return null;
            }

            if (!string.Equals(trailer.Config.Image, imageId, StringComparison.Ordinal))
            {
                reporter.Verbose($"{path} holds image {trailer.Config.Image ?? "(unknown)"}, not {imageId}; it will be replaced.");
                return null;
            }

            string hash = await ImageConverter.HashFileAsync(path, reporter, cancellationToken).ConfigureAwait(false);
            return new GolemImageFile
            {
                Path = Path.GetFullPath(path),
                Hash = hash,
                Size = size,
                Compression = superblock.CompressionName,
                BlockSize = (int)superblock.BlockSize,
                InodeCount = superblock.InodeCount,
                Created = superblock.Created,
                Config = trailer.Config,
                ImageId = imageId,
            };
        }
    }
}
