using Xunit;

namespace GolemImage.Tests.Compression.Lzo
{
    /// <summary>A fact that needs liblzo2; skipped, with the reason, where the library cannot be loaded.</summary>
    public sealed class LiblzoFactAttribute : FactAttribute
    {
        public LiblzoFactAttribute()
        {
            if (NativeLzo.Unavailable is string reason)
            {
                Skip = reason;
            }
        }
    }
}
