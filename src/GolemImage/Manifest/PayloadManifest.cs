using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace GolemImage.Manifest
{
    /// <summary>
    /// A Computation Payload Manifest: the JSON golem-sdk-cli's `manifest create` and `manifest net add-outbound` write
    /// (version 0.1.0, createdAt, expiresAt, metadata, payload[] with platform linux/x86_64, "sha3:&lt;hex&gt;" and urls,
    /// compManifest.net.inet.out with urls and the protocols of their schemes), and the base64 form a demand carries in
    /// golem.srv.comp.payload.
    /// </summary>
    public sealed class PayloadManifest
    {
        public const string ManifestVersion = "0.1.0";
        public const string CompManifestVersion = "0.1.0";

        /// <summary>The outbound protocols the schema names; anything else providers would refuse.</summary>
        public static readonly IReadOnlyList<string> OutboundSchemes = new[] { "http", "https", "ws", "wss" };

        private PayloadManifest(byte[] bytes, DateTimeOffset createdAt, DateTimeOffset expiresAt)
        {
            Bytes = bytes;
            Json = Encoding.UTF8.GetString(bytes);
            Base64 = Convert.ToBase64String(bytes);
            CreatedAt = createdAt;
            ExpiresAt = expiresAt;
        }

        /// <summary>The manifest file's bytes (UTF-8 JSON, no BOM): what is signed, in its base64 form.</summary>
        public byte[] Bytes { get; }

        public string Json { get; }

        /// <summary>The value of golem.srv.comp.payload (yapapi manifest=, golem-js manifest:).</summary>
        public string Base64 { get; }

        public DateTimeOffset CreatedAt { get; }

        public DateTimeOffset ExpiresAt { get; }

        public static PayloadManifest Create(ManifestRequest request)
        {
            if (request.Payloads.Count == 0)
            {
                throw new GolemImageException(ErrorIds.PayloadRequired, GolemErrorCategory.InvalidArgument, "A manifest needs at least one payload: pipe in Find-GolemImage, Publish-GolemImage or Get-GolemImageHash -Url output, or give -Hash with -Url.", null);
            }

            if (string.IsNullOrWhiteSpace(request.Name) || string.IsNullOrWhiteSpace(request.Version))
            {
                throw new GolemImageException(ErrorIds.InvalidManifestMetadata, GolemErrorCategory.InvalidArgument, "The manifest's metadata needs a name and a version.", request.Name);
            }

            DateTimeOffset created = Truncate(request.CreatedAt);
            DateTimeOffset expires = Truncate(request.ExpiresAt ?? created.AddDays(90));
            if (expires <= created)
            {
                throw new GolemImageException(ErrorIds.InvalidExpiry, GolemErrorCategory.InvalidArgument, $"The manifest would expire ({Timestamp(expires)}) no later than it is created ({Timestamp(created)}).", expires);
            }

            foreach (Uri url in request.OutboundUrls)
            {
                if (!url.IsAbsoluteUri || !OutboundSchemes.Contains(url.Scheme) || string.IsNullOrEmpty(url.Host))
                {
                    throw new GolemImageException(ErrorIds.InvalidOutboundUrl, GolemErrorCategory.InvalidArgument, $"'{url.OriginalString}' is not an outbound URL a manifest can allow: it must be absolute, with a host, and use {string.Join(", ", OutboundSchemes)}.", url.OriginalString);
                }
            }

            var options = new JsonWriterOptions { Indented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };
            using (var buffer = new MemoryStream())
            {
                using (var json = new Utf8JsonWriter(buffer, options))
                {
                    json.WriteStartObject();
                    json.WriteString("version", ManifestVersion);
                    json.WriteString("createdAt", Timestamp(created));
                    json.WriteString("expiresAt", Timestamp(expires));
                    json.WriteStartObject("metadata");
                    json.WriteString("name", request.Name);
                    if (request.Description != null)
                    {
                        json.WriteString("description", request.Description);
                    }

                    json.WriteString("version", request.Version);
                    if (request.Authors.Count > 0)
                    {
                        json.WriteStartArray("authors");
                        request.Authors.ForEach(json.WriteStringValue);
                        json.WriteEndArray();
                    }

                    if (request.Homepage != null)
                    {
                        json.WriteString("homepage", request.Homepage.OriginalString);
                    }

                    json.WriteEndObject();
                    json.WriteStartArray("payload");
                    foreach (ManifestPayload payload in request.Payloads)
                    {
                        json.WriteStartObject();
                        json.WriteStartObject("platform");
                        json.WriteString("os", "linux");
                        json.WriteString("arch", "x86_64");
                        json.WriteEndObject();
                        json.WriteString("hash", "sha3:" + payload.Sha3Hex);
                        json.WriteStartArray("urls");
                        foreach (Uri url in payload.Urls)
                        {
                            json.WriteStringValue(url.AbsoluteUri);
                        }

                        json.WriteEndArray();
                        json.WriteEndObject();
                    }

                    json.WriteEndArray();
                    if (request.OutboundUrls.Count > 0)
                    {
                        json.WriteStartObject("compManifest");
                        json.WriteString("version", CompManifestVersion);
                        json.WriteStartObject("net");
                        json.WriteStartObject("inet");
                        json.WriteStartObject("out");
                        json.WriteStartArray("protocols");
                        foreach (string scheme in request.OutboundUrls.Select(u => u.Scheme).Distinct())
                        {
                            json.WriteStringValue(scheme);
                        }

                        json.WriteEndArray();
                        json.WriteStartArray("urls");
                        foreach (string url in request.OutboundUrls.Select(u => u.OriginalString).Distinct())
                        {
                            json.WriteStringValue(url);
                        }

                        json.WriteEndArray();
                        json.WriteEndObject();
                        json.WriteEndObject();
                        json.WriteEndObject();
                        json.WriteEndObject();
                    }

                    json.WriteEndObject();
                }

                return new PayloadManifest(buffer.ToArray(), created, expires);
            }
        }

        /// <summary>Writes the manifest file through a temporary file, so a failure never leaves half a manifest.</summary>
        public void Save(string path, bool overwrite)
        {
            if (Directory.Exists(path))
            {
                throw new GolemImageException(ErrorIds.OutputIsDirectory, GolemErrorCategory.InvalidArgument, $"Cannot write the manifest to '{path}': it is a directory.", path);
            }

            if (File.Exists(path) && !overwrite)
            {
                throw new GolemImageException(ErrorIds.OutputExists, GolemErrorCategory.ResourceExists, $"'{path}' exists. Use -Force to replace it, or choose another -OutputPath.", path);
            }

            string temporary = path + "." + Guid.NewGuid().ToString("N").Substring(0, 8) + ".tmp";
            try
            {
                File.WriteAllBytes(temporary, Bytes);
                SharedFile.MoveIntoPlace(temporary, path);
            }
            catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException)
            {
                File.Delete(temporary);
                throw new GolemImageException(ErrorIds.ManifestWriteFailed, GolemErrorCategory.WriteError, $"Cannot write the manifest to '{path}': {ex.Message}", path, ex);
            }
        }

        /// <summary>RFC 3339 in UTC with milliseconds, as JavaScript's toISOString writes it.</summary>
        public static string Timestamp(DateTimeOffset time) =>
            time.UtcDateTime.ToString("yyyy'-'MM'-'dd'T'HH':'mm':'ss'.'fff'Z'", CultureInfo.InvariantCulture);

        private static DateTimeOffset Truncate(DateTimeOffset time) =>
            new DateTimeOffset(time.UtcTicks - (time.UtcTicks % TimeSpan.TicksPerMillisecond), TimeSpan.Zero);
    }
}
