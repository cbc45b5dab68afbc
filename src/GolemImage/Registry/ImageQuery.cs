using System;

namespace GolemImage.Registry
{
    /// <summary>
    /// What to look up in the Golem registry: a tag (<c>user/repository:tag</c>) or an image hash (SHA3-224 hex, also
    /// written <c>sha3:&lt;hex&gt;</c> as manifests do). Exactly one of <see cref="Tag"/> and <see cref="Sha3Hex"/> is set.
    /// </summary>
    public sealed class ImageQuery
    {
        private ImageQuery(ImageTag? tag, string? sha3Hex)
        {
            Tag = tag;
            Sha3Hex = sha3Hex;
        }

        public ImageTag? Tag { get; }

        /// <summary>Lowercase hex, 56 characters.</summary>
        public string? Sha3Hex { get; }

        public static bool IsSha3Hex(string? text)
        {
            if (text == null || text.Length != 56)
            {
                return false;
            }

            foreach (char c in text)
            {
                if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')))
                {
                    return false;
                }
            }

            return true;
        }

        public static ImageQuery ForTag(string text) => new ImageQuery(ImageTag.Parse(text), null);

        public static ImageQuery ForHash(string text)
        {
            string hex = StripPrefix(text?.Trim() ?? string.Empty);
            if (!IsSha3Hex(hex))
            {
                throw new GolemImageException(ErrorIds.InvalidImageHash,
                    GolemErrorCategory.InvalidArgument,
                    $"'{text}' is not an image hash: Golem names images by the SHA3-224 of the file, 56 hex digits (optionally written sha3:<hex>), as Get-GolemImageHash prints it.",
                    text);
            }

            return new ImageQuery(null, hex.ToLowerInvariant());
        }

        /// <summary>A hash when the text is one (a tag always holds a '/', a hash never does), else a tag.</summary>
        public static ImageQuery Parse(string text)
        {
            string trimmed = text?.Trim() ?? string.Empty;
            return IsSha3Hex(StripPrefix(trimmed)) ? ForHash(trimmed) : ForTag(trimmed);
        }

        /// <summary>The query string of GET /v1/image/info; dev=true keeps a lookup out of the image's download count.</summary>
        public string ToInfoQuery() =>
            (Tag != null ? "tag=" + Uri.EscapeDataString(Tag.ToString()) : "hash=" + Sha3Hex) + "&dev=true";

        public override string ToString() => Tag?.ToString() ?? Sha3Hex!;

        private static string StripPrefix(string text) =>
            text.StartsWith("sha3:", StringComparison.OrdinalIgnoreCase) ? text.Substring(5) : text;
    }
}
