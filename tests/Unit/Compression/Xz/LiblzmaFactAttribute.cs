using Xunit;

namespace GolemImage.Tests.Compression.Xz
{
    /// <summary>A fact that needs liblzma; skipped, with the reason, where the library cannot be loaded.</summary>
    public sealed class LiblzmaFactAttribute : FactAttribute
    {
        public LiblzmaFactAttribute()
        {
            if (NativeLzma.Unavailable is string reason)
            {
                Skip = reason;
            }
        }
    }
}
