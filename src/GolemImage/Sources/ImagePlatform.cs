using System;

namespace GolemImage.Sources
{
    /// <summary>An OCI platform (os/architecture[/variant]) with the aliases tools use normalised away.</summary>
    public sealed class ImagePlatform : IEquatable<ImagePlatform>
    {
        public static readonly ImagePlatform LinuxAmd64 = new ImagePlatform("linux", "amd64", null);

        public ImagePlatform(string os, string architecture, string? variant)
        {
            Os = (os ?? string.Empty).ToLowerInvariant();
            Architecture = NormalizeArchitecture(architecture ?? string.Empty);
            Variant = string.IsNullOrEmpty(variant) ? null : variant!.ToLowerInvariant();
        }

        public string Os { get; }

        public string Architecture { get; }

        public string? Variant { get; }

        /// <summary>Golem providers run x86_64 virtual machines only.</summary>
        public bool IsGolemCompatible => Os == "linux" && Architecture == "amd64";

        public static ImagePlatform Parse(string text)
        {
            string[] parts = (text ?? string.Empty).Split('/');
            if (parts.Length < 2 || parts.Length > 3 || parts[0].Length == 0 || parts[1].Length == 0)
            {
                throw new GolemImageException(
                    ErrorIds.InvalidPlatform,
                    GolemErrorCategory.InvalidArgument,
                    $"'{text}' is not a platform; expected os/architecture[/variant], for example 'linux/amd64'.",
                    text);
            }

            return new ImagePlatform(parts[0], parts[1], parts.Length == 3 ? parts[2] : null);
        }

        /// <summary>
        /// True when an image built for <paramref name="candidate"/> satisfies a request for this platform:
        /// os and architecture equal, and the variant equal when this platform names one.
        /// </summary>
        public bool Matches(ImagePlatform candidate)
        {
            if (Os != candidate.Os || Architecture != candidate.Architecture)
            {
                return false;
            }

            return Variant == null || Variant == candidate.Variant || (candidate.Variant == null && IsDefaultVariant(Architecture, Variant));
        }

        public bool Equals(ImagePlatform? other) =>
            other != null && Os == other.Os && Architecture == other.Architecture && Variant == other.Variant;

        public override bool Equals(object? obj) => Equals(obj as ImagePlatform);

        public override int GetHashCode() => (Os + "/" + Architecture + "/" + Variant).GetHashCode();

        public override string ToString() => Variant == null ? Os + "/" + Architecture : Os + "/" + Architecture + "/" + Variant;

        private static string NormalizeArchitecture(string architecture)
        {
            switch (architecture.ToLowerInvariant())
            {
                case "x86_64":
                case "x86-64":
                    return "amd64";
                case "aarch64":
                    return "arm64";
                case "i386":
                case "i686":
                    return "386";
                default:
                    return architecture.ToLowerInvariant();
            }
        }

        private static bool IsDefaultVariant(string architecture, string variant) =>
            (architecture == "arm64" && variant == "v8") || (architecture == "amd64" && variant == "v1");
    }
}
