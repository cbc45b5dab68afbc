using System.Text.RegularExpressions;

namespace GolemImage.RegistryServer
{
    /// <summary>The registry's names: user, repository (lower case, Docker-like) and tag (Docker's tag syntax).</summary>
    internal static class TagSyntax
    {
        public static readonly Regex User = new Regex(@"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$");

        public static readonly Regex Repository = new Regex(@"^[a-z0-9]+(?:[._-][a-z0-9]+)*$");

        public static readonly Regex Tag = new Regex(@"^[A-Za-z0-9_][A-Za-z0-9._-]{0,127}$");

        public static readonly Regex FullTag = new Regex(@"^(?<user>[^/:]+)/(?<repository>[^/:]+):(?<tag>[^/:]+)$");
    }
}
