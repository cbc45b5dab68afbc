using System;
using System.IO;
using System.Threading;
using System.Threading.Tasks;
using GolemImage.Reporting;

namespace GolemImage.Registry
{
    /// <summary>
    /// The descriptor cached beside an image as <c>&lt;image&gt;.descr.bin</c> (gvmkit-build's name and format),
    /// so that publishing again, or resuming, does not read the whole image a second time.
    /// </summary>
    public static class ImageDescriptorFile
    {
        public const string Suffix = ".descr.bin";

        public static string PathFor(string imagePath) => imagePath + Suffix;

        /// <summary>
        /// The cached descriptor when it is still valid for the image: written after the image was last
        /// changed, for the same file size and chunk size. Null otherwise (a damaged cache is ignored).
        /// </summary>
        public static ImageDescriptor? TryLoad(string imagePath, long chunkSize, IEngineReporter reporter)
        {
            string cachePath = PathFor(imagePath);
            var image = new FileInfo(imagePath);
            var cache = new FileInfo(cachePath);
            if (!cache.Exists)
            {
                return null;
            }

            if (cache.LastWriteTimeUtc <= image.LastWriteTimeUtc)
            {
                reporter.Verbose($"Ignoring '{cachePath}': it is older than the image.");
                return null;
            }

            ImageDescriptor descriptor;
            try
            {
                descriptor = ImageDescriptor.Parse(SharedFile.ReadAllBytes(cachePath), cachePath);
            }
            catch (Exception ex) when (ex is GolemImageException || ex is IOException || ex is UnauthorizedAccessException)
            {
                reporter.Verbose($"Ignoring '{cachePath}': {ex.Message}");
                return null;
            }

            if (descriptor.FileSize != image.Length || descriptor.ChunkSize != chunkSize)
            {
                reporter.Verbose($"Ignoring '{cachePath}': it describes {descriptor.FileSize} bytes in chunks of {descriptor.ChunkSize}, the image has {image.Length} bytes and the chunk size is {chunkSize}.");
                return null;
            }

            return descriptor;
        }

        /// <summary>
        /// Writes the cache through a temporary file and a rename, so that a run killed midway never leaves a
        /// truncated cache. A read-only image folder only costs a warning: the cache is an optimisation.
        /// </summary>
        public static void Save(string imagePath, ImageDescriptor descriptor, IEngineReporter reporter)
        {
            string cachePath = PathFor(imagePath);
            string temporary = cachePath + "." + Guid.NewGuid().ToString("N").Substring(0, 8) + ".tmp";
            try
            {
                File.WriteAllBytes(temporary, descriptor.Bytes);
                SharedFile.RetryWhileShared(() =>
                {
                    if (File.Exists(cachePath))
                    {
                        File.Delete(cachePath);
                    }

                    File.Move(temporary, cachePath);
                    return true;
                });
            }
            catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException)
            {
                reporter.Warning($"Could not cache the image descriptor at '{cachePath}' ({ex.Message}); the next publish will read the image again.");
                try
                {
                    File.Delete(temporary);
                }
                catch (Exception cleanup) when (cleanup is IOException || cleanup is UnauthorizedAccessException)
                {
                }
            }
        }

        /// <summary>The cached descriptor if valid, else one computed in a single pass over the image and cached.</summary>
        public static async Task<ImageDescriptor> GetOrComputeAsync(string imagePath, long chunkSize, IEngineReporter reporter, CancellationToken cancellationToken)
        {
            ImageDescriptor? cached = TryLoad(imagePath, chunkSize, reporter);
            if (cached != null)
            {
                reporter.Verbose($"Using the cached descriptor '{PathFor(imagePath)}'.");
                return cached;
            }

            const int ActivityId = 0x601;
            string activity = $"Hashing {Path.GetFileName(imagePath)}";
            using (var stream = SharedFile.OpenRead(imagePath, 1, FileOptions.Asynchronous | FileOptions.SequentialScan))
            {
                long size = stream.Length;
                var rate = new TransferRate(size);
                ImageDescriptor descriptor = await ImageDescriptor.ComputeAsync(
                    stream,
                    size,
                    chunkSize,
                    total =>
                    {
                        rate.Set(total);
                        reporter.Progress(rate.ToReport(ActivityId, activity, "read"));
                    },
                    cancellationToken).ConfigureAwait(false);
                reporter.Progress(new ProgressReport(ActivityId, activity, "done") { Completed = true });
                Save(imagePath, descriptor, reporter);
                return descriptor;
            }
        }
    }
}
