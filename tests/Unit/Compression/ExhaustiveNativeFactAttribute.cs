using System;
using Xunit;

namespace GolemImage.Tests.Compression
{
    /// <summary>
    /// A slow comparison against a native library: runs only with GOLEMIMAGE_EXHAUSTIVE=1 and where the library
    /// loads (the derived attribute passes why it does not, or null).
    /// </summary>
    public abstract class ExhaustiveNativeFactAttribute : FactAttribute
    {
        protected ExhaustiveNativeFactAttribute(Func<string?> unavailableReason)
        {
            if (Environment.GetEnvironmentVariable("GOLEMIMAGE_EXHAUSTIVE") != "1")
            {
                Skip = "slow; runs with GOLEMIMAGE_EXHAUSTIVE=1";
            }
            else if (unavailableReason() is string reason)
            {
                Skip = reason;
            }
        }
    }
}
