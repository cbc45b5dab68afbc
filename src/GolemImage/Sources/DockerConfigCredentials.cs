using System;
using System.IO;
using System.Text;
using System.Text.Json;

namespace GolemImage.Sources
{
    /// <summary>
    /// Reads registry credentials the Docker CLI stored in config.json (<c>auths</c> entries with a base64
    /// "user:password" <c>auth</c> field). Credential helpers (credsStore/credHelpers) are not run.
    /// </summary>
    public static class DockerConfigCredentials
    {
        /// <summary>$DOCKER_CONFIG/config.json, or ~/.docker/config.json.</summary>
        public static string DefaultPath
        {
            get
            {
                string? directory = Environment.GetEnvironmentVariable("DOCKER_CONFIG");
                if (string.IsNullOrEmpty(directory))
                {
                    directory = Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".docker");
                }

                return Path.Combine(directory!, "config.json");
            }
        }

        public static RegistryCredential? Find(string registry, string? configPath = null)
        {
            string path = configPath ?? DefaultPath;
            if (!File.Exists(path))
            {
                return null;
            }

            try
            {
                using (JsonDocument document = JsonDocument.Parse(File.ReadAllBytes(path)))
                {
                    if (!document.RootElement.TryGetProperty("auths", out JsonElement auths) || auths.ValueKind != JsonValueKind.Object)
                    {
                        return null;
                    }

                    foreach (JsonProperty entry in auths.EnumerateObject())
                    {
                        if (!KeyMatches(entry.Name, registry) || entry.Value.ValueKind != JsonValueKind.Object)
                        {
                            continue;
                        }

                        if (entry.Value.TryGetProperty("auth", out JsonElement auth) && auth.ValueKind == JsonValueKind.String)
                        {
                            string decoded = Encoding.UTF8.GetString(Convert.FromBase64String(auth.GetString() ?? string.Empty));
                            int colon = decoded.IndexOf(':');
                            if (colon > 0)
                            {
                                return new RegistryCredential(decoded.Substring(0, colon), decoded.Substring(colon + 1));
                            }
                        }

                        if (entry.Value.TryGetProperty("username", out JsonElement user) && entry.Value.TryGetProperty("password", out JsonElement password))
                        {
                            return new RegistryCredential(user.GetString() ?? string.Empty, password.GetString() ?? string.Empty);
                        }
                    }
                }
            }
            catch (Exception ex) when (ex is JsonException || ex is FormatException || ex is IOException || ex is UnauthorizedAccessException)
            {
                throw new GolemImageException("InvalidDockerConfig", GolemErrorCategory.InvalidData, $"Cannot read registry credentials from {path}: {ex.Message}", path, ex);
            }

            return null;
        }

        private static bool KeyMatches(string key, string registry)
        {
            string host = key;
            int scheme = host.IndexOf("://", StringComparison.Ordinal);
            if (scheme >= 0)
            {
                host = host.Substring(scheme + 3);
            }

            int slash = host.IndexOf('/');
            if (slash >= 0)
            {
                host = host.Substring(0, slash);
            }

            if (registry == ImageReference.DockerHubRegistry)
            {
                return host == "index.docker.io" || host == "docker.io" || host == "registry-1.docker.io";
            }

            return string.Equals(host, registry, StringComparison.OrdinalIgnoreCase);
        }
    }
}
