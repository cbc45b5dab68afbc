using System;

namespace GolemImage.Sources
{
    /// <summary>
    /// A parsed image reference in the Docker CLI's grammar: [registry/]repository[:tag][@digest]. Docker Hub
    /// names are normalised the way the CLI does (registry docker.io, "library/" for single-component names,
    /// tag "latest" when neither tag nor digest is given), so that the same image is named the same everywhere.
    /// </summary>
    public sealed class ImageReference
    {
        public const string DockerHubRegistry = "docker.io";

        private ImageReference(string registry, string repository, string? tag, string? digest, string original)
        {
            Registry = registry;
            Repository = repository;
            Tag = tag;
            Digest = digest;
            Original = original;
        }

        /// <summary>Registry host[:port], "docker.io" for Docker Hub.</summary>
        public string Registry { get; }

        /// <summary>Repository path inside the registry ("library/alpine" on Docker Hub).</summary>
        public string Repository { get; }

        public string? Tag { get; }

        /// <summary>"sha256:..." when the reference pins a manifest digest.</summary>
        public string? Digest { get; }

        /// <summary>The text the user gave.</summary>
        public string Original { get; }

        public bool IsDockerHub => Registry == DockerHubRegistry;

        /// <summary>The repository as the Docker CLI prints it: no docker.io/ and no library/ prefix.</summary>
        public string FamiliarRepository
        {
            get
            {
                if (!IsDockerHub)
                {
                    return Registry + "/" + Repository;
                }

                return Repository.StartsWith("library/", StringComparison.Ordinal) ? Repository.Substring(8) : Repository;
            }
        }

        /// <summary>The tag or digest to ask a registry for.</summary>
        public string ManifestReference => Digest ?? Tag ?? "latest";

        public static bool TryParse(string text, out ImageReference? reference)
        {
            reference = null;
            if (string.IsNullOrWhiteSpace(text) || text.Trim() != text)
            {
                return false;
            }

            string rest = text;
            string? digest = null;
            int at = rest.IndexOf('@');
            if (at >= 0)
            {
                digest = rest.Substring(at + 1);
                rest = rest.Substring(0, at);
                if (!IsDigest(digest))
                {
                    return false;
                }
            }

            string? tag = null;
            int lastColon = rest.LastIndexOf(':');
            if (lastColon > rest.LastIndexOf('/'))
            {
                tag = rest.Substring(lastColon + 1);
                rest = rest.Substring(0, lastColon);
                if (!IsTag(tag))
                {
                    return false;
                }
            }

            string registry = DockerHubRegistry;
            string repository = rest;
            int slash = rest.IndexOf('/');
            if (slash > 0)
            {
                string first = rest.Substring(0, slash);
                if (first.IndexOf('.') >= 0 || first.IndexOf(':') >= 0 || first == "localhost")
                {
                    registry = first;
                    repository = rest.Substring(slash + 1);
                }
            }

            if (registry == "index.docker.io" || registry == "registry-1.docker.io")
            {
                registry = DockerHubRegistry;
            }

            if (repository.Length == 0 || !IsRepository(repository))
            {
                return false;
            }

            if (registry == DockerHubRegistry && repository.IndexOf('/') < 0)
            {
                repository = "library/" + repository;
            }

            if (tag == null && digest == null)
            {
                tag = "latest";
            }

            reference = new ImageReference(registry, repository, tag, digest, text);
            return true;
        }

        public static ImageReference Parse(string text)
        {
            if (!TryParse(text, out ImageReference? reference))
            {
                throw new GolemImageException(
                    ErrorIds.InvalidImageReference,
                    GolemErrorCategory.InvalidArgument,
                    $"'{text}' is not a valid image reference; expected [registry/]repository[:tag][@sha256:digest], for example 'alpine:3.20'.",
                    text);
            }

            return reference!;
        }

        /// <summary>True for "sha256:" followed by 64 lowercase hex digits.</summary>
        public static bool IsDigest(string text)
        {
            if (!text.StartsWith("sha256:", StringComparison.Ordinal) || text.Length != 71)
            {
                return false;
            }

            for (int i = 7; i < text.Length; i++)
            {
                char c = text[i];
                if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')))
                {
                    return false;
                }
            }

            return true;
        }

        /// <summary>True for an image id or an unambiguous-looking prefix of one ("sha256:" optional, 12+ hex digits).</summary>
        public static bool LooksLikeImageId(string text)
        {
            string hex = text.StartsWith("sha256:", StringComparison.Ordinal) ? text.Substring(7) : text;
            if (hex.Length < 12 || hex.Length > 64)
            {
                return false;
            }

            foreach (char c in hex)
            {
                if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')))
                {
                    return false;
                }
            }

            return true;
        }

        public override string ToString()
        {
            string text = FamiliarRepository;
            if (Tag != null)
            {
                text += ":" + Tag;
            }

            if (Digest != null)
            {
                text += "@" + Digest;
            }

            return text;
        }

        private static bool IsTag(string tag)
        {
            if (tag.Length == 0 || tag.Length > 128)
            {
                return false;
            }

            foreach (char c in tag)
            {
                if (!(char.IsLetterOrDigit(c) && c < 128) && c != '_' && c != '.' && c != '-')
                {
                    return false;
                }
            }

            return tag[0] != '.' && tag[0] != '-';
        }

        private static bool IsRepository(string repository)
        {
            foreach (string component in repository.Split('/'))
            {
                if (component.Length == 0)
                {
                    return false;
                }

                foreach (char c in component)
                {
                    bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
                    if (!ok)
                    {
                        return false;
                    }
                }
            }

            return true;
        }
    }
}
