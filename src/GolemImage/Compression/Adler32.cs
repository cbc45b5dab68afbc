using System;

namespace GolemImage.Compression
{
    /// <summary>The zlib (RFC 1950) checksum; written by hand so the netstandard2.0 and net8.0 builds emit the same zlib streams.</summary>
    internal static class Adler32
    {
        // The largest n such that 255 n (n + 1) / 2 + (n + 1)(65520) fits in 32 bits: sums may be deferred that long.
        private const int MaxDeferredBytes = 5552;

        public static uint Compute(ReadOnlySpan<byte> data)
        {
            uint a = 1, b = 0;
            while (data.Length > 0)
            {
                int n = Math.Min(data.Length, MaxDeferredBytes);
                for (int i = 0; i < n; i++)
                {
                    a += data[i];
                    b += a;
                }

                a %= 65521;
                b %= 65521;
                data = data.Slice(n);
            }

            return (b << 16) | a;
        }
    }
}
