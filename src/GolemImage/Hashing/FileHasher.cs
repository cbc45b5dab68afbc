using System;
using System.Diagnostics;
using System.IO;
using System.Threading;
using System.Threading.Tasks;
using GolemImage.Reporting;

namespace GolemImage.Hashing
{
    /// <summary>SHA3-224 of a file or stream with throttled progress reports (what Golem calls the image hash).</summary>
    public static class FileHasher
    {
        private const long ProgressThreshold = 64L * 1024 * 1024;

        /// <summary>Hashes the whole file at <paramref name="path"/>; reports progress for files over 64 MiB.</summary>
        public static async Task<byte[]> HashFileAsync(string path, IEngineReporter reporter, int activityId, CancellationToken cancellationToken)
        {
            using (var stream = SharedFile.OpenRead(path, 1, FileOptions.SequentialScan))
            {
                return await HashStreamAsync(stream, path, reporter, activityId, cancellationToken).ConfigureAwait(false);
            }
        }

        /// <summary>Hashes <paramref name="stream"/> to its end; <paramref name="name"/> labels the progress.</summary>
        public static async Task<byte[]> HashStreamAsync(Stream stream, string name, IEngineReporter reporter, int activityId, CancellationToken cancellationToken)
        {
            long total = -1;
            if (stream.CanSeek)
            {
                total = stream.Length - stream.Position;
            }

            bool report = reporter != null && (total < 0 || total >= ProgressThreshold);
            string activity = $"Computing SHA3-224 of {name}";
            var clock = Stopwatch.StartNew();
            long lastReport = -1000;
            Action<long>? progress = null;
            if (report)
            {
                progress = done =>
                {
                    long now = clock.ElapsedMilliseconds;
                    if (now - lastReport < 250)
                    {
                        return;
                    }

                    lastReport = now;
                    var update = new ProgressReport(activityId, activity, total > 0 ? $"{done / (1024 * 1024)} of {total / (1024 * 1024)} MiB" : $"{done / (1024 * 1024)} MiB");
                    if (total > 0)
                    {
                        update.PercentComplete = (int)Math.Min(100, done * 100 / total);
                        double seconds = clock.Elapsed.TotalSeconds;
                        if (done > 0 && seconds > 1)
                        {
                            update.SecondsRemaining = (int)((total - done) * seconds / done);
                        }
                    }

                    reporter!.Progress(update);
                };
            }

            try
            {
                return await Sha3_224.HashStreamAsync(stream, progress, cancellationToken).ConfigureAwait(false);
            }
            finally
            {
                if (report)
                {
                    reporter!.Progress(new ProgressReport(activityId, activity, "Done") { Completed = true });
                }
            }
        }
    }
}
