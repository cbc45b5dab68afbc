using System;
using System.IO;

namespace GolemImage.Sources
{
    /// <summary>
    /// One Docker engine address, parsed from a DOCKER_HOST value or a context's endpoint into the form the Docker
    /// client accepts, with the TLS material that goes with it. Every form Docker documents is understood:
    /// <c>npipe:////./pipe/docker_engine</c> (what <c>docker context inspect</c> prints) and <c>npipe://./pipe/...</c>,
    /// <c>unix:///path</c>, <c>tcp://host[:port]</c> (2375, or 2376 with TLS) and http(s); <c>ssh://</c> and <c>fd://</c>
    /// are refused with a clear error, as they need the docker CLI's own transport.
    /// </summary>
    public sealed class DockerEndpoint
    {
        private DockerEndpoint(string original, Uri uri, string origin, DockerTlsSettings? tls)
        {
            Original = original;
            Uri = uri;
            Origin = origin;
            Tls = tls;
        }

        /// <summary>The address as the user (or the context) wrote it.</summary>
        public string Original { get; }

        /// <summary>The normalised address handed to the Docker client (npipe://server/pipe/name, unix:///path, tcp://host:port; TLS decides https).</summary>
        public Uri Uri { get; }

        /// <summary>Where the address came from (DOCKER_HOST, a context, the platform default), for messages.</summary>
        public string Origin { get; }

        /// <summary>TLS to use with a tcp endpoint; null for plain connections.</summary>
        public DockerTlsSettings? Tls { get; }

        public bool IsUnixSocket => Uri.Scheme == "unix";

        /// <summary>The socket file of a unix endpoint.</summary>
        public string? SocketPath => IsUnixSocket ? Uri.LocalPath : null;

        public override string ToString() => Uri.Scheme == "npipe" ? "npipe://" + Uri.Host + Uri.AbsolutePath : Original;

        /// <summary>
        /// Parses <paramref name="value"/>; throws DockerHostInvalid (InvalidArgument) for a malformed value and
        /// DockerHostUnsupported (NotImplemented) for ssh:// and fd://.
        /// </summary>
        public static DockerEndpoint Parse(string value, string origin, DockerTlsSettings? tls = null)
        {
            string text = (value ?? string.Empty).Trim();
            int schemeEnd = text.IndexOf("://", StringComparison.Ordinal);
            if (schemeEnd <= 0)
            {
                throw Invalid(text, origin, "it has no scheme; expected unix:///path, npipe:////./pipe/name or tcp://host:port");
            }

            string scheme = text.Substring(0, schemeEnd).ToLowerInvariant();
            string rest = text.Substring(schemeEnd + 3);
            switch (scheme)
            {
                case "npipe":
                    return new DockerEndpoint(text, ParsePipe(text, rest, origin), origin, null);
                case "unix":
                    // unix:///var/run/docker.sock has an empty authority; Docker also accepts unix://relative/path.
                    if (rest.Length == 0)
                    {
                        throw Invalid(text, origin, "it names no socket");
                    }

                    string path = rest.StartsWith("/", StringComparison.Ordinal) ? rest : "/" + rest;
                    return new DockerEndpoint(text, new Uri("unix://" + path), origin, null);
                case "tcp":
                case "http":
                case "https":
                    return new DockerEndpoint(text, ParseTcp(text, scheme, rest, origin, tls), origin, tls ?? (scheme == "https" ? DockerTlsSettings.Unverified : null));
                case "ssh":
                    throw new GolemImageException(ErrorIds.DockerHostUnsupported,
                        GolemErrorCategory.NotImplemented,
                        $"The Docker host '{text}' ({origin}) uses ssh://, which only the docker CLI can reach. Forward the engine's socket instead, for example 'ssh -NL 23750:/var/run/docker.sock {rest.TrimEnd('/')}' and DOCKER_HOST=tcp://127.0.0.1:23750, or use -Source Registry or -ArchivePath.",
                        text);
                case "fd":
                    throw new GolemImageException(ErrorIds.DockerHostUnsupported,
                        GolemErrorCategory.NotImplemented,
                        $"The Docker host '{text}' ({origin}) uses fd://, which only works for a daemon's own socket activation; point DOCKER_HOST at the engine's unix socket.",
                        text);
                default:
                    throw Invalid(text, origin, $"the scheme '{scheme}' is not one of unix, npipe, tcp, http, https");
            }
        }

        /// <summary>npipe:////./pipe/name, npipe://./pipe/name, npipe:///./pipe/name and npipe://server/pipe/name.</summary>
        private static Uri ParsePipe(string text, string rest, string origin)
        {
            string path = rest.Replace('\\', '/').TrimStart('/');
            string[] parts = path.Split('/');
            if (parts.Length != 3 || parts[0].Length == 0 || !string.Equals(parts[1], "pipe", StringComparison.OrdinalIgnoreCase) || parts[2].Length == 0)
            {
                throw Invalid(text, origin, "a named pipe is written npipe:////./pipe/<name> (or npipe://./pipe/<name>)");
            }

            string server = parts[0] == "localhost" ? "." : parts[0];
            return new Uri("npipe://" + server + "/pipe/" + parts[2]);
        }

        private static Uri ParseTcp(string text, string scheme, string rest, string origin, DockerTlsSettings? tls)
        {
            string authority = rest.TrimEnd('/');
            if (authority.Length == 0 || authority.IndexOf('/') >= 0)
            {
                throw Invalid(text, origin, "a tcp host is written tcp://host[:port]");
            }

            bool secure = tls != null || scheme == "https";
            bool hasPort = authority.StartsWith("[", StringComparison.Ordinal) ? authority.IndexOf("]:", StringComparison.Ordinal) > 0 : authority.IndexOf(':') > 0;
            if (!hasPort)
            {
                authority += secure ? ":2376" : ":2375";
            }

            // The Docker client speaks https to a tcp:// address exactly when it is given TLS credentials.
            if (!Uri.TryCreate("tcp://" + authority, UriKind.Absolute, out Uri? uri) || uri.Port <= 0)
            {
                throw Invalid(text, origin, "its host or port is not valid");
            }

            return uri;
        }

        private static GolemImageException Invalid(string text, string origin, string why) =>
            new GolemImageException(ErrorIds.DockerHostInvalid, GolemErrorCategory.InvalidArgument, $"The Docker host '{text}' ({origin}) is not understood: {why}.", text);

        internal static bool SocketExists(string path)
        {
            try
            {
                return File.Exists(path) || new FileInfo(path).Exists;
            }
            catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException || ex is ArgumentException || ex is NotSupportedException)
            {
                return false;
            }
        }
    }
}
