using System;
using System.IO;
using System.Threading;
using System.Threading.Tasks;
using GolemImage.Reporting;
using GolemImage.Squashfs;
using GolemImage.Tar;

namespace GolemImage.Gvmi
{
    /// <summary>
    /// Writes a complete .gvmi file: squashfs image, zero padding to 4 KiB, then the trailer (CRC, ContainerConfig JSON,
    /// length). Everything goes to a temporary file beside the target, which is renamed over the target only when
    /// complete: on failure or cancellation the temporary file is deleted and an existing target is left untouched.
    /// </summary>
    public static class GvmiImageWriter
    {
        /// <summary>
        /// Builds the image from whatever <paramref name="addEntries"/> adds to the writer it is given.
        /// </summary>
        public static async Task<GvmiWriteResult> WriteAsync(
            string outputPath,
            ContainerConfig config,
            Func<SquashfsWriter, CancellationToken, Task> addEntries,
            SquashfsWriterOptions options,
            IEngineReporter? reporter,
            CancellationToken cancellationToken)
        {
            if (outputPath == null)
            {
                throw new ArgumentNullException(nameof(outputPath));
            }

            if (config == null)
            {
                throw new ArgumentNullException(nameof(config));
            }

            if (addEntries == null)
            {
                throw new ArgumentNullException(nameof(addEntries));
            }

            reporter ??= NullReporter.Instance;
            string fullPath;
            try
            {
                fullPath = Path.GetFullPath(outputPath);
            }
            catch (PathTooLongException ex)
            {
                throw new GolemImageException(ErrorIds.OutputPathTooLong, GolemErrorCategory.InvalidArgument,
                    $"The output path '{outputPath}' is longer than this system allows; choose a shorter one, or enable long paths (LongPathsEnabled) on Windows.", outputPath, ex);
            }

            string directory = Path.GetDirectoryName(fullPath) ?? ".";
            if (!Directory.Exists(LongPath.ForFileSystem(directory)))
            {
                throw new GolemImageException(ErrorIds.OutputDirectoryNotFound, GolemErrorCategory.ObjectNotFound,
                    $"Cannot write '{fullPath}': the directory '{directory}' does not exist.", fullPath);
            }

            // A short temporary name, never longer than the default output names, so that it does not push a path
            // that fits over the 260-character limit of Windows PowerShell 5.1; longer paths get the \\?\ prefix.
            string tempPath = LongPath.ForFileSystem(Path.Combine(directory, TemporaryName()));
            string finalPath = LongPath.ForFileSystem(fullPath);
            bool success = false;
            try
            {
                SquashfsWriteResult squashfs;
                long fileSize;
                using (FileStream stream = OutputOperation(fullPath, () => new FileStream(tempPath, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None, 1 << 20, FileOptions.None)))
                {
                    using (var writer = new SquashfsWriter(stream, options, reporter))
                    {
                        await addEntries(writer, cancellationToken).ConfigureAwait(false);
                        cancellationToken.ThrowIfCancellationRequested();
                        squashfs = await writer.FinishAsync(cancellationToken).ConfigureAwait(false);
                    }

                    stream.Position = squashfs.ImageSize;
                    GvmiTrailer.Write(stream, config);
                    fileSize = stream.Position;
                    stream.SetLength(fileSize);
                    stream.Flush();
                }

                cancellationToken.ThrowIfCancellationRequested();
                // Someone reading the old image (a publish, a web server, antivirus) only delays the replace.
                OutputOperation(fullPath, () =>
                {
                    SharedFile.MoveIntoPlace(tempPath, finalPath, cancellationToken);
                    return true;
                });

                success = true;
                reporter.Verbose($"Wrote '{fullPath}': {fileSize} bytes, {squashfs.InodeCount} inodes, {squashfs.DuplicateFiles} duplicate files stored once, {squashfs.SharedBlockRuns} more sharing an earlier file's blocks.");
                return new GvmiWriteResult(fullPath, fileSize, squashfs);
            }
            finally
            {
                if (!success)
                {
                    TryDelete(tempPath);
                }
            }
        }

        /// <summary>
        /// Converts a whole tar stream of a root filesystem (what `docker export` or a flattened image gives) into a
        /// .gvmi file. <paramref name="sourceName"/> names the input in error messages.
        /// </summary>
        public static Task<GvmiWriteResult> WriteFromTarAsync(
            string outputPath,
            ContainerConfig config,
            Stream tar,
            string sourceName,
            SquashfsWriterOptions options,
            IEngineReporter? reporter,
            CancellationToken cancellationToken)
        {
            if (tar == null)
            {
                throw new ArgumentNullException(nameof(tar));
            }

            return WriteAsync(outputPath, config, (writer, ct) => AddTarAsync(writer, new TarReader(tar, sourceName, reporter, leaveOpen: true), ct), options, reporter, cancellationToken);
        }

        /// <summary>Adds every entry of <paramref name="reader"/> to <paramref name="writer"/>, then disposes the reader.</summary>
        public static async Task AddTarAsync(SquashfsWriter writer, TarReader reader, CancellationToken cancellationToken)
        {
            using (reader)
            {
                TarEntry? entry;
                while ((entry = await reader.GetNextEntryAsync(cancellationToken).ConfigureAwait(false)) != null)
                {
                    await writer.AddAsync(entry, cancellationToken).ConfigureAwait(false);
                }
            }
        }

        /// <summary>The name of the file an image is written to before it is renamed over the output: ".gvmi-" and 8 hex digits.</summary>
        internal static string TemporaryName() => ".gvmi-" + Guid.NewGuid().ToString("N").Substring(0, 8) + ".tmp";

        private static T OutputOperation<T>(string fullPath, Func<T> operation)
        {
            try
            {
                return operation();
            }
            catch (IOException ex)
            {
                throw new GolemImageException(ErrorIds.OutputWriteFailed, GolemErrorCategory.WriteError,
                    $"Cannot write the image '{fullPath}': {ex.Message}", fullPath, ex);
            }
            catch (UnauthorizedAccessException ex)
            {
                throw new GolemImageException(ErrorIds.OutputAccessDenied, GolemErrorCategory.PermissionDenied,
                    $"Cannot write the image '{fullPath}': {ex.Message}", fullPath, ex);
            }
        }

        private static void TryDelete(string path)
        {
            try
            {
                File.Delete(path);
            }
            catch (IOException)
            {
            }
            catch (UnauthorizedAccessException)
            {
            }
        }
    }
}
