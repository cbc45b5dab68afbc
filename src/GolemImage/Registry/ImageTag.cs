using System.Text.RegularExpressions;

namespace GolemImage.Registry
{
    /// <summary>A registry tag, <c>&lt;user&gt;/&lt;repository&gt;:&lt;tag&gt;</c>; the tag part defaults to "latest" like Docker's.</summary>
    public sealed class ImageTag
    {
        private static readonly Regex Syntax = new Regex(
            @"^(?<user>[A-Za-z0-9][A-Za-z0-9._-]{0,63})/(?<repository>[a-z0-9]+(?:[._-][a-z0-9]+)*)(?::(?<tag>[A-Za-z0-9_][A-Za-z0-9._-]{0,127}))?$",
            RegexOptions.CultureInvariant);

        private ImageTag(string user, string repository, string tag)
        {
            User = user;
            Repository = repository;
            Tag = tag;
        }

        public string User { get; }

        public string Repository { get; }

        public string Tag { get; }

        public static ImageTag Parse(string text)
        {
            Match match = Syntax.Match(text ?? string.Empty);
            if (!match.Success)
            {
                throw new GolemImageException(
                    ErrorIds.InvalidImageTag,
                    GolemErrorCategory.InvalidArgument,
                    $"'{text}' is not a registry tag of the form <user>/<repository>:<tag> (for example 'alice/hello:1.0'): the repository is lower case letters and digits separated by '.', '_' or '-', the tag at most 128 letters, digits, '.', '_' or '-'.",
                    text);
            }

            string tag = match.Groups["tag"].Success ? match.Groups["tag"].Value : "latest";
            return new ImageTag(match.Groups["user"].Value, match.Groups["repository"].Value, tag);
        }

        public override string ToString() => $"{User}/{Repository}:{Tag}";
    }
}
