using System.Collections.Generic;
using System.Text.Json;

namespace GolemImage.Sources
{
    /// <summary>An OCI content descriptor (also used for Docker schema-2 manifests and manifest lists).</summary>
    internal sealed class OciDescriptor
    {
        public OciDescriptor(string mediaType, string digest, long size, ImagePlatform? platform, IReadOnlyDictionary<string, string> annotations)
        {
            MediaType = mediaType;
            Digest = digest;
            Size = size;
            Platform = platform;
            Annotations = annotations;
        }

        public string MediaType { get; }

        public string Digest { get; }

        public long Size { get; }

        public ImagePlatform? Platform { get; }

        public IReadOnlyDictionary<string, string> Annotations { get; }

        public bool IsIndex => OciMediaTypes.IsIndex(MediaType);

        public string? Annotation(string key) => Annotations.TryGetValue(key, out string? value) ? value : null;

        public static OciDescriptor Parse(JsonElement element, string context)
        {
            if (element.ValueKind != JsonValueKind.Object)
            {
                throw new JsonException($"a descriptor in {context} is not an object");
            }

            string mediaType = element.TryGetProperty("mediaType", out JsonElement m) && m.ValueKind == JsonValueKind.String ? m.GetString() ?? string.Empty : string.Empty;
            if (!element.TryGetProperty("digest", out JsonElement d) || d.ValueKind != JsonValueKind.String)
            {
                throw new JsonException($"a descriptor in {context} has no digest");
            }

            string digest = d.GetString() ?? string.Empty;
            if (!ImageReference.IsDigest(digest))
            {
                throw new JsonException($"a descriptor in {context} has the unsupported digest '{digest}' (only sha256 is supported)");
            }

            long size = element.TryGetProperty("size", out JsonElement s) && s.ValueKind == JsonValueKind.Number ? s.GetInt64() : -1;
            ImagePlatform? platform = null;
            if (element.TryGetProperty("platform", out JsonElement p) && p.ValueKind == JsonValueKind.Object)
            {
                platform = new ImagePlatform(
                    p.TryGetProperty("os", out JsonElement os) ? os.GetString() ?? string.Empty : string.Empty,
                    p.TryGetProperty("architecture", out JsonElement arch) ? arch.GetString() ?? string.Empty : string.Empty,
                    p.TryGetProperty("variant", out JsonElement variant) ? variant.GetString() : null);
            }

            var annotations = new Dictionary<string, string>();
            if (element.TryGetProperty("annotations", out JsonElement a) && a.ValueKind == JsonValueKind.Object)
            {
                foreach (JsonProperty property in a.EnumerateObject())
                {
                    if (property.Value.ValueKind == JsonValueKind.String)
                    {
                        annotations[property.Name] = property.Value.GetString() ?? string.Empty;
                    }
                }
            }

            return new OciDescriptor(mediaType, digest, size, platform, annotations);
        }
    }
}
