using System;
using System.Collections.Generic;
using System.IO;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace GolemImage.Sources
{
    /// <summary>
    /// Where to look for a Docker engine, in the docker CLI's order: DOCKER_HOST; else the context named by
    /// DOCKER_CONTEXT or by currentContext in config.json (its endpoint from contexts/meta/&lt;sha256 of the
    /// name&gt;/meta.json); else the platform's usual engines: on Windows Docker Desktop's pipes and Podman's; on
    /// macOS and Linux /var/run/docker.sock, then Docker Desktop's per-user socket (~/.docker/run/docker.sock),
    /// Colima, Rancher Desktop and Podman, those that exist.
    /// </summary>
    public static class DockerEndpointDiscovery
    {
        /// <summary>The endpoints to try, first to last; an explicit choice (DOCKER_HOST, a context) is the only one.</summary>
        public static IReadOnlyList<DockerEndpoint> Candidates(DockerEnvironment environment)
        {
            string? dockerHost = environment.Variable("DOCKER_HOST");
            if (dockerHost != null)
            {
                return new[] { DockerEndpoint.Parse(dockerHost, "DOCKER_HOST", DockerTlsSettings.FromEnvironment(environment)) };
            }

            DockerEndpoint? fromContext = FromContext(environment);
            if (fromContext != null)
            {
                return new[] { fromContext };
            }

            var candidates = new List<DockerEndpoint>();
            if (environment.IsWindows)
            {
                candidates.Add(DockerEndpoint.Parse("npipe:////./pipe/docker_engine", "the default engine"));
                // Docker Desktop keeps its Linux engine here while docker_engine is switched to Windows containers.
                candidates.Add(DockerEndpoint.Parse("npipe:////./pipe/dockerDesktopLinuxEngine", "Docker Desktop's Linux engine"));
                candidates.Add(DockerEndpoint.Parse("npipe:////./pipe/podman-machine-default", "Podman"));
                return candidates;
            }

            candidates.Add(DockerEndpoint.Parse("unix:///var/run/docker.sock", "the default engine"));
            string home = environment.HomeDirectory;
            var others = new List<(string Path, string Origin)>
            {
                (Path.Combine(home, ".docker", "run", "docker.sock"), "Docker Desktop"),
                (Path.Combine(home, ".colima", "default", "docker.sock"), "Colima"),
                (Path.Combine(home, ".colima", "docker.sock"), "Colima"),
                (Path.Combine(home, ".rd", "docker.sock"), "Rancher Desktop"),
            };
            string? runtime = environment.Variable("XDG_RUNTIME_DIR");
            if (runtime != null)
            {
                others.Add((Path.Combine(runtime, "podman", "podman.sock"), "Podman"));
            }

            others.Add((Path.Combine(home, ".local", "share", "containers", "podman", "machine", "podman.sock"), "Podman machine"));
            others.Add((Path.Combine(home, ".local", "share", "containers", "podman", "machine", "qemu", "podman.sock"), "Podman machine"));
            others.Add(("/var/run/podman/podman.sock", "Podman"));
            foreach ((string path, string origin) in others)
            {
                if (DockerEndpoint.SocketExists(path))
                {
                    candidates.Add(DockerEndpoint.Parse("unix://" + path, origin));
                }
            }

            return candidates;
        }

        /// <summary>The endpoint of the current context; null for none or the "default" context.</summary>
        internal static DockerEndpoint? FromContext(DockerEnvironment environment)
        {
            string? name = environment.Variable("DOCKER_CONTEXT");
            string origin = "DOCKER_CONTEXT";
            if (name == null)
            {
                name = ReadCurrentContext(Path.Combine(environment.ConfigDirectory, "config.json"));
                origin = "currentContext in config.json";
            }

            if (name == null || name == "default")
            {
                return null;
            }

            string id = ContextId(name);
            string meta = Path.Combine(environment.ConfigDirectory, "contexts", "meta", id, "meta.json");
            if (!File.Exists(meta))
            {
                throw new GolemImageException(ErrorIds.DockerContextNotFound,
                    GolemErrorCategory.ObjectNotFound,
                    $"The Docker context '{name}' ({origin}) does not exist: there is no {meta}. Run 'docker context ls', or use -Source Registry or -ArchivePath.",
                    name);
            }

            string? host;
            bool skipVerify;
            try
            {
                using (JsonDocument document = JsonDocument.Parse(File.ReadAllBytes(meta)))
                {
                    JsonElement docker = document.RootElement.GetProperty("Endpoints").GetProperty("docker");
                    host = docker.TryGetProperty("Host", out JsonElement h) && h.ValueKind == JsonValueKind.String ? h.GetString() : null;
                    skipVerify = docker.TryGetProperty("SkipTLSVerify", out JsonElement s) && s.ValueKind == JsonValueKind.True;
                }
            }
            catch (Exception ex) when (ex is JsonException || ex is KeyNotFoundException || ex is InvalidOperationException || ex is IOException || ex is UnauthorizedAccessException)
            {
                throw new GolemImageException(ErrorIds.DockerContextInvalid, GolemErrorCategory.InvalidData, $"The Docker context '{name}' cannot be read from {meta}: {ex.Message}", meta, ex);
            }

            if (string.IsNullOrEmpty(host))
            {
                throw new GolemImageException(ErrorIds.DockerContextInvalid, GolemErrorCategory.InvalidData, $"The Docker context '{name}' ({meta}) names no Docker endpoint.", meta);
            }

            // A context keeps its TLS files under contexts/tls/<id>/docker/ (ca.pem, cert.pem, key.pem).
            string tlsDirectory = Path.Combine(environment.ConfigDirectory, "contexts", "tls", id, "docker");
            DockerTlsSettings? tls = Directory.Exists(tlsDirectory) ? new DockerTlsSettings(!skipVerify, tlsDirectory) : null;
            return DockerEndpoint.Parse(host!, $"Docker context '{name}'", tls);
        }

        /// <summary>A context's directory name: the lowercase hex SHA-256 of its name.</summary>
        public static string ContextId(string name)
        {
            using (SHA256 sha = SHA256.Create())
            {
                return ImageConfig.ToHex(sha.ComputeHash(Encoding.UTF8.GetBytes(name)));
            }
        }

        private static string? ReadCurrentContext(string configFile)
        {
            if (!File.Exists(configFile))
            {
                return null;
            }

            try
            {
                using (JsonDocument document = JsonDocument.Parse(File.ReadAllBytes(configFile), new JsonDocumentOptions { AllowTrailingCommas = true, CommentHandling = JsonCommentHandling.Skip }))
                {
                    return document.RootElement.ValueKind == JsonValueKind.Object
                        && document.RootElement.TryGetProperty("currentContext", out JsonElement current)
                        && current.ValueKind == JsonValueKind.String
                        && current.GetString()!.Length > 0
                        ? current.GetString()
                        : null;
                }
            }
            catch (Exception ex) when (ex is JsonException || ex is IOException || ex is UnauthorizedAccessException)
            {
                // A config.json the docker CLI cannot read either; the credential lookup reports it.
                return null;
            }
        }
    }
}
