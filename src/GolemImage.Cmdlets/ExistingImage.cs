using System;
using System.IO;
using System.Threading;
using System.Threading.Tasks;
using GolemImage.Gvmi;
using GolemImage.Reporting;
using GolemImage.Sources;

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
            var superblock = new byte[96];
            long size;
            try
            {
                using (var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read | FileShare.Delete))
                {
                    size = stream.Length;
                    trailer = GvmiTrailer.Read(stream, path);
                    stream.Position = 0;
                    if (stream.Read(superblock, 0, superblock.Length) != superblock.Length || BitConverter.ToUInt32(superblock, 0) != 0x73717368)
                    {
                        return null;
                    }
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
            ushort compression = BitConverter.ToUInt16(superblock, 20);
            return new GolemImageFile
            {
                Path = Path.GetFullPath(path),
                Hash = hash,
                Size = size,
                Compression = compression switch { 1 => "gzip", 2 => "lzma", 3 => "lzo", 4 => "xz", 5 => "lz4", 6 => "zstd", _ => compression.ToString(System.Globalization.CultureInfo.InvariantCulture) },
                BlockSize = (int)BitConverter.ToUInt32(superblock, 12),
                InodeCount = BitConverter.ToUInt32(superblock, 4),
                Created = DateTimeOffset.FromUnixTimeSeconds(BitConverter.ToUInt32(superblock, 8)).UtcDateTime,
                Config = trailer.Config,
                ImageId = imageId,
            };
        }
    }
}
