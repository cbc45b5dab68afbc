using System;
using System.IO;
using System.Threading;
using System.Threading.Tasks;
using GolemImage.Hashing;
using GolemImage.Reporting;
using GolemImage.Squashfs;

namespace GolemImage.Gvmi
{
    /// <summary>
    /// Reads a .gvmi's trailer (checked as ya-runtime-vm checks it) and its squashfs superblock, and optionally
    /// hashes the file. Fails with a GolemImageException naming the file when either part is unreadable.
    /// </summary>
    public static class GvmiImageReader
    {
        public static async Task<GvmiImageInfo> ReadAsync(string path, bool computeHash, IEngineReporter reporter, int activityId, CancellationToken cancellationToken)
        {
            SquashfsSuperblock superblock;
            GvmiTrailerInfo trailer;
            long size;
            try
            {
                using (var stream = SharedFile.OpenRead(path, 4096))
                {
                    size = stream.Length;
                    trailer = GvmiTrailer.Read(stream, path);
                    superblock = SquashfsSuperblock.Read(stream, path);
                }
            }
            catch (FileNotFoundException ex)
            {
                throw new GolemImageException(ErrorIds.ImageNotFound, GolemErrorCategory.ObjectNotFound, $"Cannot find the image file '{path}'.", path, ex);
            }
            catch (DirectoryNotFoundException ex)
            {
                throw new GolemImageException(ErrorIds.ImageNotFound, GolemErrorCategory.ObjectNotFound, $"Cannot find the image file '{path}'.", path, ex);
            }
            catch (UnauthorizedAccessException ex)
            {
                throw new GolemImageException(ErrorIds.ImageNotReadable, GolemErrorCategory.PermissionDenied, $"Cannot read '{path}': {ex.Message}", path, ex);
            }
            catch (IOException ex) when (!(ex is EndOfStreamException))
            {
                throw new GolemImageException(ErrorIds.ImageNotReadable, GolemErrorCategory.ReadError, $"Cannot read '{path}': {ex.Message}", path, ex);
            }

            string? hash = null;
            if (computeHash)
            {
                hash = HexString.Lower(await FileHasher.HashFileAsync(path, reporter, activityId, cancellationToken).ConfigureAwait(false));
            }

            return new GvmiImageInfo(path, size, superblock, trailer, hash);
        }
    }
}
