using System;
using System.Collections.Generic;
using System.IO;
using System.IO.Compression;
using System.Linq;
using System.Security.Cryptography;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;
using GolemImage.Reporting;

namespace GolemImage.Sources
{
    /// <summary>
    /// Images from files, no daemon: <c>docker save</c> archives in the legacy manifest.json layout and in the OCI
    /// layout Docker 25+ writes, OCI image-layout directories and their tar form; the archive itself may be gzip or
    /// zstd compressed (then it is decompressed to a temporary file once, because layers are read out of order).
    /// Every digest the archive declares is checked while the layers stream.
    /// </summary>
    public static class ImageArchiveSource
    {
        private const long MaxJsonSize = 16 << 20;

        /// <param name="path">A tar file (optionally compressed) or an OCI image-layout directory.</param>
        /// <param name="image">Which image of the archive (name[:tag] or image id prefix); null when it holds just one.</param>
        /// <param name="spoolDirectory">Where a compressed archive is decompressed to; null for the temporary directory.</param>
        public static async Task<ResolvedImage> OpenAsync(string path, string? image, ImagePlatform platform, bool force, string? spoolDirectory, IEngineReporter reporter, CancellationToken cancellationToken)
        {
            string? temporary = null;
            try
            {
                ArchiveFiles files;
                if (Directory.Exists(path))
                {
                    reporter.Verbose($"Reading the image layout directory {path}.");
                    files = new DirectoryArchiveFiles(path);
                }
                else if (File.Exists(path))
                {
                    string tarPath = path;
                    string? compression = DetectCompression(path);
                    if (compression != null)
                    {
                        temporary = SpoolFiles.NewPath(spoolDirectory, reporter);
                        reporter.Verbose($"{path} is {compression} compressed; decompressing it to {temporary} for random access to its layers.");
                        await DecompressAsync(path, compression, temporary, cancellationToken).ConfigureAwait(false);
                        tarPath = temporary;
                    }

                    reporter.Verbose($"Indexing the image archive {path}.");
                    files = TarArchiveFiles.Index(tarPath, path, cancellationToken);
                }
                else
                {
                    throw new GolemImageException(ErrorIds.ArchiveNotFound, GolemErrorCategory.ObjectNotFound, $"The image archive '{path}' does not exist.", path);
                }

                ResolvedImage resolved = Open(files, image, platform, force, "Archive", reporter);
                string? toDelete = temporary;
                if (toDelete != null)
                {
                    resolved.OnDispose(() => File.Delete(toDelete));
                    temporary = null;
                }

                return resolved;
            }
            finally
            {
                if (temporary != null)
                {
                    TryDelete(temporary);
                }
            }
        }

        internal static ResolvedImage Open(ArchiveFiles files, string? image, ImagePlatform platform, bool force, string sourceKind, IEngineReporter reporter)
        {
            if (files.Exists("manifest.json"))
            {
                return OpenDockerSave(files, image, platform, force, sourceKind, reporter);
            }

            if (files.Exists("index.json"))
            {
                return OpenOciLayout(files, image, platform, force, sourceKind, reporter);
            }

            // A root file system tar (docker export, debootstrap, a flattened layer) is the commonest wrong input, and it
            // lacks what a .gvmi needs besides the files: the image config (Env, Cmd, Entrypoint, ...).
            bool rootFileSystem = files.Exists("etc/passwd") || files.Exists("etc/os-release") || files.Exists("bin/sh") || files.Exists("usr/lib/os-release");
            throw new GolemImageException(
                ErrorIds.InvalidArchive,
                GolemErrorCategory.InvalidData,
                $"{files.DisplayName} is not an image archive: it has neither manifest.json (docker save) nor index.json (OCI image layout)." +
                (rootFileSystem ? " It holds a root file system (what docker export writes), without the image config a .gvmi carries (Env, Cmd, Entrypoint, ...): make an image of it, for example with 'docker import <file> <name>' (--change 'CMD ...' sets the config), and convert that image." : string.Empty),
                files.DisplayName);
        }

        private static ResolvedImage OpenDockerSave(ArchiveFiles files, string? image, ImagePlatform platform, bool force, string sourceKind, IEngineReporter reporter)
        {
            var entries = new List<SaveEntry>();
            try
            {
                using (JsonDocument document = JsonDocument.Parse(files.ReadAll("manifest.json", MaxJsonSize)))
                {
                    if (document.RootElement.ValueKind != JsonValueKind.Array)
                    {
                        throw new JsonException("manifest.json is not a JSON array");
                    }

                    foreach (JsonElement item in document.RootElement.EnumerateArray())
                    {
                        string configPath = item.GetProperty("Config").GetString() ?? throw new JsonException("an entry has no Config");
                        var tags = new List<string>();
                        if (item.TryGetProperty("RepoTags", out JsonElement repoTags) && repoTags.ValueKind == JsonValueKind.Array)
                        {
                            tags.AddRange(repoTags.EnumerateArray().Select(t => t.GetString() ?? string.Empty));
                        }

                        var layers = item.GetProperty("Layers").EnumerateArray().Select(l => l.GetString() ?? string.Empty).ToList();
                        entries.Add(new SaveEntry(configPath, tags, layers));
                    }
                }
            }
            catch (Exception ex) when (ex is JsonException || ex is KeyNotFoundException || ex is InvalidOperationException)
            {
                throw new GolemImageException(ErrorIds.InvalidArchive, GolemErrorCategory.InvalidData, $"manifest.json in {files.DisplayName} is malformed: {ex.Message}", files.DisplayName, ex);
            }

            SaveEntry chosen = ChooseSaveEntry(entries, image, files.DisplayName);
            string? configDigest = DigestFromPath(chosen.Config);
            ImageConfig config = ReadConfig(files, chosen.Config, configDigest);
            string context = $"image {chosen.RepoTags.FirstOrDefault() ?? config.ImageId} in {files.DisplayName}";
            PlatformSelector.CheckConfig(config, platform, force, context, reporter);
            if (config.DiffIds.Count != chosen.Layers.Count)
            {
                throw new GolemImageException(ErrorIds.InvalidArchive, GolemErrorCategory.InvalidData, $"{context}: manifest.json lists {chosen.Layers.Count} layers but the configuration has {config.DiffIds.Count} diff ids.", files.DisplayName);
            }

            var layerList = new List<ImageLayer>();
            for (int i = 0; i < chosen.Layers.Count; i++)
            {
                string layerPath = chosen.Layers[i];
                if (!files.Exists(layerPath))
                {
                    throw new GolemImageException(ErrorIds.InvalidArchive, GolemErrorCategory.InvalidData, $"{context}: layer '{layerPath}' is missing from the archive.", files.DisplayName);
                }

                layerList.Add(new ImageLayer(
                    i,
                    $"layer {i + 1}/{chosen.Layers.Count} ('{layerPath}') of {files.DisplayName}",
                    DigestFromPath(layerPath),
                    config.DiffIds[i],
                    files.GetSize(layerPath),
                    (_, _) => Task.FromResult(files.Open(layerPath)),
                    ErrorIds.InvalidArchive));
            }

            string? reference = Familiar(image != null && !ImageReference.LooksLikeImageId(image) ? MatchingTag(chosen, image) : chosen.RepoTags.FirstOrDefault());
            reporter.Verbose($"Found {context}: {config.Platform}, {layerList.Count} layers, image id {config.ImageId}.");
            return new ResolvedImage(config, layerList, reference, sourceKind, $"docker-save archive {files.DisplayName}");
        }

        private static SaveEntry ChooseSaveEntry(List<SaveEntry> entries, string? image, string displayName)
        {
            if (entries.Count == 0)
            {
                throw new GolemImageException(ErrorIds.InvalidArchive, GolemErrorCategory.InvalidData, $"manifest.json in {displayName} lists no images.", displayName);
            }

            if (image == null)
            {
                if (entries.Count == 1)
                {
                    return entries[0];
                }

                throw new GolemImageException(ErrorIds.AmbiguousImage, GolemErrorCategory.InvalidArgument, $"{displayName} holds {entries.Count} images ({Describe(entries)}); choose one with -Image.", displayName);
            }

            if (ImageReference.LooksLikeImageId(image))
            {
                string hex = image.StartsWith("sha256:", StringComparison.Ordinal) ? image.Substring(7) : image;
                var byId = entries.Where(e => (DigestFromPath(e.Config) ?? string.Empty).StartsWith("sha256:" + hex, StringComparison.Ordinal)).ToList();
                if (byId.Count == 1)
                {
                    return byId[0];
                }
            }

            foreach (SaveEntry entry in entries)
            {
                if (MatchingTag(entry, image) != null)
                {
                    return entry;
                }
            }

            throw new GolemImageException(ErrorIds.ImageNotFound, GolemErrorCategory.ObjectNotFound, $"{displayName} has no image '{image}'; it has {Describe(entries)}.", image);
        }

        private static string? MatchingTag(SaveEntry entry, string image)
        {
            if (!ImageReference.TryParse(image, out ImageReference? wanted))
            {
                return null;
            }

            foreach (string tag in entry.RepoTags)
            {
                if (ImageReference.TryParse(tag, out ImageReference? have) && have!.ToString() == wanted!.ToString())
                {
                    return tag;
                }
            }

            return null;
        }

        private static string Describe(List<SaveEntry> entries) =>
            string.Join(", ", entries.Select(e => e.RepoTags.Count > 0 ? string.Join(" ", e.RepoTags) : (DigestFromPath(e.Config) ?? e.Config)));

        private static ResolvedImage OpenOciLayout(ArchiveFiles files, string? image, ImagePlatform platform, bool force, string sourceKind, IEngineReporter reporter)
        {
            OciManifestDocument index = OciManifestDocument.Parse(files.ReadAll("index.json", MaxJsonSize), OciMediaTypes.OciIndex, $"index.json of {files.DisplayName}", ErrorIds.InvalidArchive);
            if (!index.IsIndex)
            {
                throw new GolemImageException(ErrorIds.InvalidArchive, GolemErrorCategory.InvalidData, $"index.json of {files.DisplayName} is not an image index.", files.DisplayName);
            }

            OciDescriptor descriptor;
            string? reference = null;
            if (image == null)
            {
                var distinct = index.Manifests.GroupBy(m => m.Digest).Select(g => g.First()).ToList();
                if (distinct.Count != 1)
                {
                    throw new GolemImageException(ErrorIds.AmbiguousImage, GolemErrorCategory.InvalidArgument, $"{files.DisplayName} holds {distinct.Count} images ({DescribeIndex(distinct)}); choose one with -Image.", files.DisplayName);
                }

                descriptor = distinct[0];
                reference = NameOf(descriptor);
            }
            else
            {
                OciDescriptor? found = null;
                foreach (OciDescriptor candidate in index.Manifests)
                {
                    if (MatchesName(candidate, image))
                    {
                        found = candidate;
                        reference = NameOf(candidate) ?? image;
                        break;
                    }
                }

                if (found == null && ImageReference.LooksLikeImageId(image))
                {
                    string digest = image.StartsWith("sha256:", StringComparison.Ordinal) ? image : "sha256:" + image;
                    found = index.Manifests.FirstOrDefault(m => m.Digest.StartsWith(digest, StringComparison.Ordinal));
                }

                descriptor = found ?? throw new GolemImageException(ErrorIds.ImageNotFound, GolemErrorCategory.ObjectNotFound, $"{files.DisplayName} has no image '{image}'; it has {DescribeIndex(index.Manifests)}.", image);
            }

            string context = $"image {reference ?? descriptor.Digest} in {files.DisplayName}";
            for (int depth = 0; descriptor.IsIndex || descriptor.MediaType.Length == 0; depth++)
            {
                OciManifestDocument document = OciManifestDocument.Parse(ReadBlob(files, descriptor.Digest), descriptor.MediaType, context, ErrorIds.InvalidArchive);
                if (!document.IsIndex)
                {
                    return FromManifest(files, document, reference, context, platform, force, sourceKind, reporter);
                }

                if (depth > 4)
                {
                    throw new GolemImageException(ErrorIds.InvalidArchive, GolemErrorCategory.InvalidData, $"{context}: image indexes nest too deeply.", files.DisplayName);
                }

                descriptor = PlatformSelector.Select(document.Manifests, platform, force, context, reporter);
                reporter.Verbose($"{context}: chose the {descriptor.Platform?.ToString() ?? "only"} manifest {descriptor.Digest}.");
            }

            OciManifestDocument manifest = OciManifestDocument.Parse(ReadBlob(files, descriptor.Digest), descriptor.MediaType, context, ErrorIds.InvalidArchive);
            return FromManifest(files, manifest, reference, context, platform, force, sourceKind, reporter);
        }

        private static ResolvedImage FromManifest(ArchiveFiles files, OciManifestDocument manifest, string? reference, string context, ImagePlatform platform, bool force, string sourceKind, IEngineReporter reporter)
        {
            if (manifest.IsIndex || manifest.Config == null)
            {
                throw new GolemImageException(ErrorIds.InvalidArchive, GolemErrorCategory.InvalidData, $"{context}: expected an image manifest.", files.DisplayName);
            }

            ImageConfig config = ReadConfig(files, BlobPath(manifest.Config.Digest), manifest.Config.Digest);
            PlatformSelector.CheckConfig(config, platform, force, context, reporter);
            if (config.DiffIds.Count != manifest.Layers.Count)
            {
                throw new GolemImageException(ErrorIds.InvalidArchive, GolemErrorCategory.InvalidData, $"{context}: the manifest lists {manifest.Layers.Count} layers but the configuration has {config.DiffIds.Count} diff ids.", files.DisplayName);
            }

            var layers = new List<ImageLayer>();
            for (int i = 0; i < manifest.Layers.Count; i++)
            {
                OciDescriptor layer = manifest.Layers[i];
                string blobPath = BlobPath(layer.Digest);
                if (!files.Exists(blobPath))
                {
                    throw new GolemImageException(ErrorIds.InvalidArchive, GolemErrorCategory.InvalidData, $"{context}: layer blob {layer.Digest} is missing (a foreign or non-distributable layer?).", files.DisplayName);
                }

                layers.Add(new ImageLayer(
                    i,
                    $"layer {i + 1}/{manifest.Layers.Count} ({layer.Digest}) of {files.DisplayName}",
                    layer.Digest,
                    config.DiffIds[i],
                    files.GetSize(blobPath),
                    (_, _) => Task.FromResult(files.Open(blobPath)),
                    ErrorIds.InvalidArchive));
            }

            reporter.Verbose($"Found {context}: {config.Platform}, {layers.Count} layers, image id {config.ImageId}.");
            return new ResolvedImage(config, layers, Familiar(reference), sourceKind, $"OCI image layout {files.DisplayName}");
        }

        private static bool MatchesName(OciDescriptor descriptor, string image)
        {
            string? refName = descriptor.Annotation("org.opencontainers.image.ref.name");
            string? fullName = descriptor.Annotation("io.containerd.image.name");
            if (refName == image || fullName == image)
            {
                return true;
            }

            if (!ImageReference.TryParse(image, out ImageReference? wanted))
            {
                return false;
            }

            foreach (string? name in new[] { fullName, refName })
            {
                if (name != null && ImageReference.TryParse(name, out ImageReference? have) && have!.ToString() == wanted!.ToString())
                {
                    return true;
                }
            }

            // A bare tag annotation ("1.0") matches any repository with that tag: OCI layouts name images by tag only.
            return refName != null && refName.IndexOf(':') < 0 && refName.IndexOf('/') < 0 && refName == wanted!.Tag && image.IndexOf(':') >= 0;
        }

        private static string? NameOf(OciDescriptor descriptor)
        {
            string? fullName = descriptor.Annotation("io.containerd.image.name");
            if (fullName != null)
            {
                return fullName;
            }

            string? refName = descriptor.Annotation("org.opencontainers.image.ref.name");
            return refName != null && (refName.IndexOf(':') > 0 || refName.IndexOf('/') > 0) ? refName : null;
        }

        private static string DescribeIndex(IEnumerable<OciDescriptor> manifests) =>
            string.Join(", ", manifests.Select(m => m.Annotation("io.containerd.image.name") ?? m.Annotation("org.opencontainers.image.ref.name") ?? m.Digest));

        private static string? Familiar(string? name) =>
            name != null && ImageReference.TryParse(name, out ImageReference? parsed) ? parsed!.ToString() : name;

        private static ImageConfig ReadConfig(ArchiveFiles files, string path, string? expectedDigest)
        {
            if (!files.Exists(path))
            {
                throw new GolemImageException(ErrorIds.InvalidArchive, GolemErrorCategory.InvalidData, $"{files.DisplayName} has no image configuration '{path}'.", files.DisplayName);
            }

            byte[] raw = files.ReadAll(path, MaxJsonSize);
            ImageConfig config = ImageConfig.Parse(raw, $"'{path}' in {files.DisplayName}");
            if (expectedDigest != null && config.ImageId != expectedDigest)
            {
                throw new GolemImageException(ErrorIds.InvalidArchive, GolemErrorCategory.InvalidData, $"The image configuration '{path}' in {files.DisplayName} has digest {config.ImageId}, not {expectedDigest}; the archive is corrupt or was modified.", files.DisplayName);
            }

            return config;
        }

        private static byte[] ReadBlob(ArchiveFiles files, string digest)
        {
            string path = BlobPath(digest);
            if (!files.Exists(path))
            {
                throw new GolemImageException(ErrorIds.InvalidArchive, GolemErrorCategory.InvalidData, $"{files.DisplayName} has no blob {digest}.", files.DisplayName);
            }

            byte[] bytes = files.ReadAll(path, MaxJsonSize);
            using (var sha = SHA256.Create())
            {
                string actual = "sha256:" + ImageConfig.ToHex(sha.ComputeHash(bytes));
                if (actual != digest)
                {
                    throw new GolemImageException(ErrorIds.InvalidArchive, GolemErrorCategory.InvalidData, $"Blob {digest} in {files.DisplayName} has digest {actual}; the archive is corrupt or was modified.", files.DisplayName);
                }
            }

            return bytes;
        }

        private static string BlobPath(string digest) => "blobs/" + digest.Replace(':', '/');

        /// <summary>The digest a path encodes: "blobs/sha256/&lt;hex&gt;" or the legacy "&lt;hex&gt;.json"; null otherwise.</summary>
        private static string? DigestFromPath(string path)
        {
            string normalized = ArchiveFiles.Normalize(path);
            string candidate;
            if (normalized.StartsWith("blobs/sha256/", StringComparison.Ordinal))
            {
                candidate = "sha256:" + normalized.Substring(13);
            }
            else if (normalized.EndsWith(".json", StringComparison.Ordinal) && normalized.IndexOf('/') < 0)
            {
                candidate = "sha256:" + normalized.Substring(0, normalized.Length - 5);
            }
            else
            {
                return null;
            }

            return ImageReference.IsDigest(candidate) ? candidate : null;
        }

        private static string? DetectCompression(string path)
        {
            var magic = new byte[4];
            int have;
            using (var stream = SharedFile.OpenRead(path))
            {
                have = stream.Read(magic, 0, 4);
            }

            if (have >= 2 && magic[0] == 0x1f && magic[1] == 0x8b)
            {
                return "gzip";
            }

            if (have == 4 && magic[0] == 0x28 && magic[1] == 0xb5 && magic[2] == 0x2f && magic[3] == 0xfd)
            {
                return "zstd";
            }

            return null;
        }

        private static async Task DecompressAsync(string path, string compression, string destination, CancellationToken cancellationToken)
        {
            // Errors name the user's archive, never the temporary copy (which is deleted anyway).
            using (var input = SharedFile.OpenRead(path, 1 << 16, FileOptions.SequentialScan))
            using (Stream decoded = new DecompressingStream(input, compression, (problem, inner) => new GolemImageException(ErrorIds.InvalidArchive, GolemErrorCategory.InvalidData, $"The {compression} compressed archive {path} is corrupt: {problem}.", path, inner)))
            using (var output = new FileStream(destination, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16))
            {
                await decoded.CopyToAsync(output, 1 << 16, cancellationToken).ConfigureAwait(false);
            }
        }

        private static void TryDelete(string path)
        {
            try
            {
                File.Delete(path);
            }
            catch (IOException)
            {
            }
            catch (UnauthorizedAccessException)
            {
            }
        }

        private sealed class SaveEntry
        {
            public SaveEntry(string config, List<string> repoTags, List<string> layers)
            {
                Config = config;
                RepoTags = repoTags;
                Layers = layers;
            }

            public string Config { get; }

            public List<string> RepoTags { get; }

            public List<string> Layers { get; }
        }
    }
}
