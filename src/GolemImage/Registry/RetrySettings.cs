using System;

namespace GolemImage.Registry
{
    /// <summary>How often and how patiently transient registry failures are retried.</summary>
    public sealed class RetrySettings
    {
        /// <summary>Retries after the first attempt, per request (per chunk for uploads).</summary>
        public int MaximumRetryCount { get; set; } = 5;

        /// <summary>The first pause; each further retry doubles it (with jitter), up to <see cref="MaximumDelay"/>.</summary>
        public TimeSpan InitialDelay { get; set; } = TimeSpan.FromSeconds(1);

        public TimeSpan MaximumDelay { get; set; } = TimeSpan.FromSeconds(30);

        /// <summary>How long one small request (not a chunk upload) may take before it counts as failed.</summary>
        public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(100);

        /// <summary>The slowest upload rate a chunk may see before its attempt counts as timed out.</summary>
        public long MinimumBytesPerSecond { get; set; } = 32 * 1024;
    }
}
