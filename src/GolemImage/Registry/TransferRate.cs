using System;
using System.Diagnostics;
using System.Globalization;
using System.Threading;
using GolemImage.Reporting;

namespace GolemImage.Registry
{
    /// <summary>Bytes done of a known total, and the rate and time left that follow; safe to update from many threads.</summary>
    internal sealed class TransferRate
    {
        private readonly Stopwatch clock = Stopwatch.StartNew();
        private readonly long total;
        private long done;
        private long baseline;

        public TransferRate(long total)
        {
            this.total = total;
        }

        /// <param name="alreadyDone">Bytes done before this transfer (a resumed download): counted as done, not in the rate.</param>
        public TransferRate(long total, long alreadyDone)
        {
            this.total = total;
            done = alreadyDone;
            baseline = alreadyDone;
        }

        public long Done => Interlocked.Read(ref done);

        public void Add(long bytes) => Interlocked.Add(ref done, bytes);

        public void Set(long bytes) => Interlocked.Exchange(ref done, bytes);

        /// <summary>Starts over from <paramref name="bytes"/> (a server that ignored the resume): those bytes are not in the rate.</summary>
        public void Restart(long bytes)
        {
            Interlocked.Exchange(ref done, bytes);
            Interlocked.Exchange(ref baseline, bytes);
        }

        public ProgressReport ToReport(int activityId, string activity, string verb)
        {
            long now = Done;
            double seconds = clock.Elapsed.TotalSeconds;
            long moved = now - Interlocked.Read(ref baseline);
            double bytesPerSecond = seconds > 0.05 && moved > 0 ? moved / seconds : 0;
            string status = string.Format(
                CultureInfo.InvariantCulture,
                "{0} of {1} {2}{3}",
                FormatBytes(now),
                FormatBytes(total),
                verb,
                bytesPerSecond > 0 ? ", " + FormatBytes((long)bytesPerSecond) + "/s" : string.Empty);
            return new ProgressReport(activityId, activity, status)
            {
                PercentComplete = total > 0 ? (int)Math.Min(100, now * 100 / total) : 100,
                SecondsRemaining = bytesPerSecond > 0 ? (int)Math.Min(int.MaxValue, (total - now) / bytesPerSecond) : -1,
            };
        }

        public static string FormatBytes(long bytes)
        {
            if (bytes < 1024)
            {
                return bytes.ToString(CultureInfo.InvariantCulture) + " B";
            }

            string[] units = { "KiB", "MiB", "GiB", "TiB" };
            double value = bytes;
            int unit = -1;
            while (value >= 1024 && unit < units.Length - 1)
            {
                value /= 1024;
                unit++;
            }

            return value.ToString("0.0", CultureInfo.InvariantCulture) + " " + units[unit];
        }
    }
}
