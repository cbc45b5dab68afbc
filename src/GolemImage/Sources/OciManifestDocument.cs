using System;
using System.Collections.Generic;
using System.Text.Json;

namespace GolemImage.Sources
{
    /// <summary>A parsed image index / manifest list, or an image manifest.</summary>
    internal sealed class OciManifestDocument
    {
        private OciManifestDocument(bool isIndex, IReadOnlyList<OciDescriptor> manifests, OciDescriptor? config, IReadOnlyList<OciDescriptor> layers)
        {
            IsIndex = isIndex;
            Manifests = manifests;
            Config = config;
            Layers = layers;
        }

        public bool IsIndex { get; }

        /// <summary>For an index: the manifests (or nested indexes) it lists.</summary>
        public IReadOnlyList<OciDescriptor> Manifests { get; }

        /// <summary>For a manifest: the config blob.</summary>
        public OciDescriptor? Config { get; }

        /// <summary>For a manifest: the layers, base first.</summary>
        public IReadOnlyList<OciDescriptor> Layers { get; }

        /// <param name="declaredMediaType">The media type from the descriptor or the Content-Type header, if any.</param>
        public static OciManifestDocument Parse(byte[] json, string? declaredMediaType, string context, string errorId)
        {
            try
            {
                using (JsonDocument document = JsonDocument.Parse(json))
                {
                    JsonElement root = document.RootElement;
                    if (root.ValueKind != JsonValueKind.Object)
                    {
                        throw new JsonException("not a JSON object");
                    }

                    string? mediaType = root.TryGetProperty("mediaType", out JsonElement m) && m.ValueKind == JsonValueKind.String ? m.GetString() : null;
                    if (root.TryGetProperty("schemaVersion", out JsonElement version) && version.ValueKind == JsonValueKind.Number && version.GetInt32() == 1)
                    {
                        throw new GolemImageException(errorId, GolemErrorCategory.NotImplemented, $"{context} is a Docker schema-1 manifest, which is deprecated and not supported; re-push the image with a current tool.", context);
                    }

                    bool isIndex = OciMediaTypes.IsIndex(mediaType) || OciMediaTypes.IsIndex(declaredMediaType)
                        || (mediaType == null && root.TryGetProperty("manifests", out _));
                    if (isIndex)
                    {
                        var manifests = new List<OciDescriptor>();
                        if (root.TryGetProperty("manifests", out JsonElement list) && list.ValueKind == JsonValueKind.Array)
                        {
                            foreach (JsonElement item in list.EnumerateArray())
                            {
                                manifests.Add(OciDescriptor.Parse(item, context));
                            }
                        }

                        return new OciManifestDocument(true, manifests, null, Array.Empty<OciDescriptor>());
                    }

                    if (!root.TryGetProperty("config", out JsonElement config))
                    {
                        throw new JsonException("it is neither an image index nor an image manifest (no 'manifests', no 'config')");
                    }

                    var layers = new List<OciDescriptor>();
                    if (root.TryGetProperty("layers", out JsonElement layerList) && layerList.ValueKind == JsonValueKind.Array)
                    {
                        foreach (JsonElement item in layerList.EnumerateArray())
                        {
                            layers.Add(OciDescriptor.Parse(item, context));
                        }
                    }

                    return new OciManifestDocument(false, Array.Empty<OciDescriptor>(), OciDescriptor.Parse(config, context), layers);
                }
            }
            catch (JsonException ex)
            {
                throw new GolemImageException(errorId, GolemErrorCategory.InvalidData, $"{context} is not a valid image manifest or index: {ex.Message}", context, ex);
            }
            catch (Exception ex) when (ex is InvalidOperationException || ex is FormatException)
            {
                throw new GolemImageException(errorId, GolemErrorCategory.InvalidData, $"{context} is not a valid image manifest or index: {ex.Message}", context, ex);
            }
        }
    }
}
