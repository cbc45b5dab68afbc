using System;
using System.Collections.Generic;
using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;

namespace GolemImage.Sources
{
    /// <summary>
    /// The parts of an OCI / Docker image configuration blob that a Golem image needs: the runtime settings
    /// (Env, Entrypoint, Cmd, WorkingDir, Volumes, User, Labels), the platform, the creation time and the
    /// layer diff ids. The image id is the SHA-256 of the blob's exact bytes.
    /// </summary>
    public sealed class ImageConfig
    {
        private ImageConfig(byte[] raw)
        {
            Raw = raw;
            using (var sha = SHA256.Create())
            {
                ImageId = "sha256:" + ToHex(sha.ComputeHash(raw));
            }
        }

        public byte[] Raw { get; }

        /// <summary>"sha256:" + the config blob's digest, which is what Docker calls the image ID.</summary>
        public string ImageId { get; }

        public ImagePlatform Platform { get; private set; } = ImagePlatform.LinuxAmd64;

        /// <summary>The image's creation time; null when the config has none or it cannot be parsed.</summary>
        public DateTimeOffset? Created { get; private set; }

        public IReadOnlyList<string> Env { get; private set; } = Array.Empty<string>();

        public IReadOnlyList<string>? Entrypoint { get; private set; }

        public IReadOnlyList<string>? Cmd { get; private set; }

        public string? WorkingDir { get; private set; }

        public string? User { get; private set; }

        public IReadOnlyList<string> Volumes { get; private set; } = Array.Empty<string>();

        public IReadOnlyList<string> ExposedPorts { get; private set; } = Array.Empty<string>();

        public IReadOnlyDictionary<string, string> Labels { get; private set; } = new Dictionary<string, string>();

        public string? StopSignal { get; private set; }

        /// <summary>"sha256:..." of each uncompressed layer tar, oldest first.</summary>
        public IReadOnlyList<string> DiffIds { get; private set; } = Array.Empty<string>();

        public static ImageConfig Parse(byte[] raw, string sourceName)
        {
            var config = new ImageConfig(raw);
            try
            {
                using (JsonDocument document = JsonDocument.Parse(raw))
                {
                    JsonElement root = document.RootElement;
                    if (root.ValueKind != JsonValueKind.Object)
                    {
                        throw new JsonException("the document is not a JSON object");
                    }

                    config.Platform = new ImagePlatform(
                        GetString(root, "os") ?? "linux",
                        GetString(root, "architecture") ?? "amd64",
                        GetString(root, "variant"));
                    string? created = GetString(root, "created");
                    if (created != null && DateTimeOffset.TryParse(created, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out DateTimeOffset time))
                    {
                        config.Created = time;
                    }

                    if (root.TryGetProperty("config", out JsonElement runtime) && runtime.ValueKind == JsonValueKind.Object)
                    {
                        config.Env = GetStrings(runtime, "Env") ?? (IReadOnlyList<string>)Array.Empty<string>();
                        config.Entrypoint = GetStrings(runtime, "Entrypoint");
                        config.Cmd = GetStrings(runtime, "Cmd");
                        config.WorkingDir = GetString(runtime, "WorkingDir");
                        config.User = GetString(runtime, "User");
                        config.StopSignal = GetString(runtime, "StopSignal");
                        config.Volumes = GetKeys(runtime, "Volumes");
                        config.ExposedPorts = GetKeys(runtime, "ExposedPorts");
                        var labels = new SortedDictionary<string, string>(StringComparer.Ordinal);
                        if (runtime.TryGetProperty("Labels", out JsonElement labelObject) && labelObject.ValueKind == JsonValueKind.Object)
                        {
                            foreach (JsonProperty label in labelObject.EnumerateObject())
                            {
                                labels[label.Name] = label.Value.ValueKind == JsonValueKind.String ? label.Value.GetString() ?? string.Empty : label.Value.GetRawText();
                            }
                        }

                        config.Labels = labels;
                    }

                    if (root.TryGetProperty("rootfs", out JsonElement rootfs) && rootfs.ValueKind == JsonValueKind.Object)
                    {
                        config.DiffIds = GetStrings(rootfs, "diff_ids") ?? (IReadOnlyList<string>)Array.Empty<string>();
                    }
                }
            }
            catch (Exception ex) when (ex is JsonException || ex is InvalidOperationException || ex is FormatException)
            {
                throw new GolemImageException(ErrorIds.InvalidImageConfig, GolemErrorCategory.InvalidData, $"The image configuration from {sourceName} is not valid JSON: {ex.Message}", sourceName, ex);
            }

            return config;
        }

        internal static string ToHex(byte[] bytes)
        {
            var chars = new char[bytes.Length * 2];
            const string digits = "0123456789abcdef";
            for (int i = 0; i < bytes.Length; i++)
            {
                chars[i * 2] = digits[bytes[i] >> 4];
                chars[(i * 2) + 1] = digits[bytes[i] & 15];
            }

            return new string(chars);
        }

        private static string? GetString(JsonElement element, string name) =>
            element.TryGetProperty(name, out JsonElement value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

        private static IReadOnlyList<string>? GetStrings(JsonElement element, string name)
        {
            if (!element.TryGetProperty(name, out JsonElement value) || value.ValueKind != JsonValueKind.Array)
            {
                return null;
            }

            var list = new List<string>();
            foreach (JsonElement item in value.EnumerateArray())
            {
                list.Add(item.ValueKind == JsonValueKind.String ? item.GetString() ?? string.Empty : item.GetRawText());
            }

            return list;
        }

        private static IReadOnlyList<string> GetKeys(JsonElement element, string name)
        {
            var keys = new List<string>();
            if (element.TryGetProperty(name, out JsonElement value) && value.ValueKind == JsonValueKind.Object)
            {
                foreach (JsonProperty property in value.EnumerateObject())
                {
                    keys.Add(property.Name);
                }
            }

            keys.Sort(StringComparer.Ordinal);
            return keys;
        }
    }
}
