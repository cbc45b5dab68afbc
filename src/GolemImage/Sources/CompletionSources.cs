using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;
using Docker.DotNet;
using Docker.DotNet.Models;

namespace GolemImage.Sources
{
    /// <summary>
    /// What tab completion offers for ConvertTo-GolemImage: the local Docker engine's repo:tag names, and the platforms
    /// an image archive holds. Both are best effort: any failure is an empty answer, since a completer must never
    /// print errors or hang the prompt.
    /// </summary>
    public static class CompletionSources
    {
        /// <summary>The platforms worth offering when no archive says otherwise; Golem providers run the first.</summary>
        public static readonly IReadOnlyList<string> UsualPlatforms = new[] { "linux/amd64", "linux/arm64", "linux/arm/v7", "linux/386" };

        private const long MaxJsonSize = 4 << 20;

        /// <summary>repo:tag of every image in the engine at DOCKER_HOST (or the default socket), sorted; empty when none answers in time.</summary>
        public static async Task<IReadOnlyList<string>> DockerImageNamesAsync(TimeSpan timeout, CancellationToken cancellationToken)
        {
            try
            {
                string? dockerHost = Environment.GetEnvironmentVariable("DOCKER_HOST");
                string endpoint = string.IsNullOrEmpty(dockerHost) ? DockerEngineSource.DefaultEndpoint : dockerHost!;
                using (var cancel = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
                using (DockerClient client = new DockerClientConfiguration(new Uri(endpoint), null, timeout).CreateClient())
                {
                    cancel.CancelAfter(timeout);
                    Task<IList<ImagesListResponse>> list = client.Images.ListImagesAsync(new ImagesListParameters(), cancel.Token);

                    // Docker.DotNet may not notice the token while it connects; the prompt must not wait for it.
                    if (await Task.WhenAny(list, Task.Delay(timeout, cancel.Token)).ConfigureAwait(false) != list)
                    {
                        Observe(list);
                        return Array.Empty<string>();
                    }

                    return (await list.ConfigureAwait(false))
                        .SelectMany(image => image.RepoTags ?? (IList<string>)Array.Empty<string>())
                        .Where(tag => !string.IsNullOrEmpty(tag) && tag != "<none>:<none>")
                        .Distinct(StringComparer.Ordinal)
                        .OrderBy(tag => tag, StringComparer.Ordinal)
                        .ToList();
                }
            }
            catch (Exception)
            {
                return Array.Empty<string>();
            }
        }

        /// <summary>
        /// The platforms in an uncompressed docker save archive or OCI layout (directory or tar): the index's platforms,
        /// one nested index deep, or each docker save config's os/architecture. Compressed archives and anything
        /// unreadable give an empty list (decompressing a whole archive is no job for a key press).
        /// </summary>
        public static IReadOnlyList<string> ArchivePlatforms(string path)
        {
            var found = new List<string>();
            try
            {
                ArchiveFiles files;
                if (Directory.Exists(path))
                {
                    files = new DirectoryArchiveFiles(path);
                }
                else if (File.Exists(path) && ImageArchiveSourceCompression(path) == null)
                {
                    files = TarArchiveFiles.Index(path);
                }
                else
                {
                    return found;
                }

                using (files as IDisposable)
                {
                    if (files.Exists("index.json"))
                    {
                        using (JsonDocument index = JsonDocument.Parse(files.ReadAll("index.json", MaxJsonSize)))
                        {
                            foreach (JsonElement manifest in Manifests(index.RootElement))
                            {
                                if (!AddPlatform(manifest, found) && Blob(manifest) is string blob && files.Exists(blob))
                                {
                                    using (JsonDocument nested = JsonDocument.Parse(files.ReadAll(blob, MaxJsonSize)))
                                    {
                                        foreach (JsonElement inner in Manifests(nested.RootElement))
                                        {
                                            AddPlatform(inner, found);
                                        }
                                    }
                                }
                            }
                        }
                    }

                    if (found.Count == 0 && files.Exists("manifest.json"))
                    {
                        using (JsonDocument save = JsonDocument.Parse(files.ReadAll("manifest.json", MaxJsonSize)))
                        {
                            foreach (JsonElement entry in save.RootElement.EnumerateArray())
                            {
                                string? config = entry.TryGetProperty("Config", out JsonElement c) ? c.GetString() : null;
                                if (config != null && files.Exists(config))
                                {
                                    using (JsonDocument document = JsonDocument.Parse(files.ReadAll(config, MaxJsonSize)))
                                    {
                                        Add(document.RootElement, "os", "architecture", "variant", found);
                                    }
                                }
                            }
                        }
                    }
                }
            }
            catch (Exception)
            {
                return found.Distinct(StringComparer.Ordinal).ToList();
            }

            return found.Distinct(StringComparer.Ordinal).ToList();
        }

        private static IEnumerable<JsonElement> Manifests(JsonElement root) =>
            root.ValueKind == JsonValueKind.Object && root.TryGetProperty("manifests", out JsonElement manifests) && manifests.ValueKind == JsonValueKind.Array
                ? manifests.EnumerateArray().ToList()
                : new List<JsonElement>();

        private static string? Blob(JsonElement descriptor)
        {
            string? digest = descriptor.TryGetProperty("digest", out JsonElement d) && d.ValueKind == JsonValueKind.String ? d.GetString() : null;
            int colon = digest?.IndexOf(':') ?? -1;
            return colon > 0 ? "blobs/" + digest!.Substring(0, colon) + "/" + digest.Substring(colon + 1) : null;
        }

        private static bool AddPlatform(JsonElement descriptor, List<string> found) =>
            descriptor.TryGetProperty("platform", out JsonElement platform) && platform.ValueKind == JsonValueKind.Object && Add(platform, "os", "architecture", "variant", found);

        private static bool Add(JsonElement element, string osName, string architectureName, string variantName, List<string> found)
        {
            string? os = Text(element, osName);
            string? architecture = Text(element, architectureName);
            if (os == null || architecture == null || os == "unknown")
            {
                return false;
            }

            string? variant = Text(element, variantName);
            found.Add(os + "/" + architecture + (variant == null ? string.Empty : "/" + variant));
            return true;
        }

        private static string? Text(JsonElement element, string name) =>
            element.TryGetProperty(name, out JsonElement value) && value.ValueKind == JsonValueKind.String && value.GetString()!.Length > 0 ? value.GetString() : null;

        private static string? ImageArchiveSourceCompression(string path)
        {
            var magic = new byte[4];
            using (var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete))
            {
                int read = stream.Read(magic, 0, 4);
                if (read >= 2 && magic[0] == 0x1F && magic[1] == 0x8B)
                {
                    return "gzip";
                }

                if (read == 4 && magic[0] == 0x28 && magic[1] == 0xB5 && magic[2] == 0x2F && magic[3] == 0xFD)
                {
                    return "zstd";
                }
            }

            return null;
        }

        private static void Observe(Task task) => task.ContinueWith(t => _ = t.Exception, TaskScheduler.Default);
    }
}
