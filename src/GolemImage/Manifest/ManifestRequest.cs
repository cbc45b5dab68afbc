using System;
using System.Collections.Generic;

namespace GolemImage.Manifest
{
    /// <summary>What goes into a Computation Payload Manifest (GAP-5, version 0.1.0, as golem-sdk-cli writes it).</summary>
    public sealed class ManifestRequest
    {
        public List<ManifestPayload> Payloads { get; } = new List<ManifestPayload>();

        /// <summary>metadata.name (required by the schema).</summary>
        public string Name { get; set; } = string.Empty;

        /// <summary>metadata.version (required by the schema).</summary>
        public string Version { get; set; } = "1.0.0";

        public string? Description { get; set; }

        public List<string> Authors { get; } = new List<string>();

        public Uri? Homepage { get; set; }

        public DateTimeOffset CreatedAt { get; set; } = DateTimeOffset.UtcNow;

        /// <summary>Default: 90 days after <see cref="CreatedAt"/>, as golem-sdk-cli sets it.</summary>
        public DateTimeOffset? ExpiresAt { get; set; }

        /// <summary>compManifest.net.inet.out.urls; the protocols are derived from their schemes.</summary>
        public List<Uri> OutboundUrls { get; } = new List<Uri>();
    }
}
