using System;
using System.IO;
using System.Text;
using System.Text.Json;
using GolemImage.Reporting;

namespace GolemImage.Sources
{
    /// <summary>
    /// Finds the registry credentials <c>docker login</c> saved, the way the Docker CLI looks them up: the credential
    /// helper config.json names for the registry (<c>credHelpers</c>, else <c>credsStore</c>), then the
    /// <c>auths</c> entry (a base64 "user:password" <c>auth</c> field, or username and password).
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

        /// <summary>
        /// The credentials for <paramref name="registry"/>, or null; where they came from is reported as a verbose
        /// message. A helper that is not installed or fails is reported as a warning and skipped (as are identity
        /// tokens, which need an OAuth2 exchange we do not do), so that public images still pull anonymously.
        /// </summary>
        public static RegistryCredential? Find(string registry, string? configPath = null, IEngineReporter? reporter = null)
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
                    string? helper = HelperFor(document.RootElement, registry);
                    if (helper != null)
                    {
                        RegistryCredential? fromHelper = FromHelper(helper, registry, path, reporter);
                        if (fromHelper != null)
                        {
                            reporter?.Verbose($"Using the credentials for {registry} from the Docker credential helper '{helper}' ({path}).");
                            return fromHelper;
                        }
                    }

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
                                reporter?.Verbose($"Using the credentials for {registry} from {path}.");
                                return new RegistryCredential(decoded.Substring(0, colon), decoded.Substring(colon + 1));
                            }
                        }

                        if (entry.Value.TryGetProperty("username", out JsonElement user) && entry.Value.TryGetProperty("password", out JsonElement password))
                        {
                            reporter?.Verbose($"Using the credentials for {registry} from {path}.");
                            return new RegistryCredential(user.GetString() ?? string.Empty, password.GetString() ?? string.Empty);
                        }
                    }
                }
            }
            catch (Exception ex) when (ex is JsonException || ex is FormatException || ex is InvalidOperationException || ex is IOException || ex is UnauthorizedAccessException)
            {
                throw new GolemImageException(ErrorIds.InvalidDockerConfig, GolemErrorCategory.InvalidData, $"Cannot read registry credentials from {path}: {ex.Message}", path, ex);
            }

            return null;
        }

        private static string? HelperFor(JsonElement root, string registry)
        {
            if (root.TryGetProperty("credHelpers", out JsonElement helpers) && helpers.ValueKind == JsonValueKind.Object)
            {
                foreach (JsonProperty entry in helpers.EnumerateObject())
                {
                    if (KeyMatches(entry.Name, registry) && entry.Value.ValueKind == JsonValueKind.String && !string.IsNullOrEmpty(entry.Value.GetString()))
                    {
                        return entry.Value.GetString();
                    }
                }
            }

            if (root.TryGetProperty("credsStore", out JsonElement store) && store.ValueKind == JsonValueKind.String && !string.IsNullOrEmpty(store.GetString()))
            {
                return store.GetString();
            }

            return null;
        }

        private static RegistryCredential? FromHelper(string name, string registry, string configPath, IEngineReporter? reporter)
        {
            DockerCredentialHelper helper;
            try
            {
                helper = new DockerCredentialHelper(name);
            }
            catch (ArgumentException ex)
            {
                throw new GolemImageException(ErrorIds.InvalidDockerConfig, GolemErrorCategory.InvalidData, $"Cannot read registry credentials from {configPath}: {ex.Message}", configPath, ex);
            }

            // The address docker login stores under: Docker Hub's legacy index URL, otherwise host[:port].
            string serverAddress = registry == ImageReference.DockerHubRegistry ? "https://index.docker.io/v1/" : registry;
            RegistryCredential? credential;
            try
            {
                credential = helper.Get(serverAddress, DockerCredentialHelper.DefaultTimeout);
            }
            catch (GolemImageException ex) when (ex.ErrorId == ErrorIds.CredentialHelperNotFound)
            {
                reporter?.Warning($"{ex.Message} Continuing without it; pass -Credential or install the helper.");
                return null;
            }
            catch (GolemImageException ex) when (ex.ErrorId == "CredentialHelperFailed")
            {
                // A public image needs no credentials: a locked keychain or a helper that cannot run under a scheduled
                // task must not stop its pull. A private image then fails with AuthenticationFailed, after this warning.
                reporter?.Warning($"{ex.Message} Continuing without credentials for {registry} (anonymously, unless config.json's auths has them); pass -Credential if the registry needs them.");
                return null;
            }

            if (credential != null && credential.UserName == DockerCredentialHelper.IdentityTokenUserName)
            {
                reporter?.Warning($"The Docker credential helper '{name}' holds an identity token for {registry}, which GolemImage cannot exchange; pass -Credential with a user name and password or access token.");
                return null;
            }

            return credential;
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
