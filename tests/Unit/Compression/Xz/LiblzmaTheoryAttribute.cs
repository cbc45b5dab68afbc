using Xunit;

namespace GolemImage.Tests.Compression.Xz
{
    /// <summary>A theory that needs liblzma; skipped, with the reason, where the library cannot be loaded.</summary>
    public sealed class LiblzmaTheoryAttribute : TheoryAttribute
    {
        public LiblzmaTheoryAttribute()
        {
            if (NativeLzma.Unavailable is string reason)
            {
                Skip = reason;
            }
        }
    }
}
