using System;
using System.Collections.Generic;
using GolemImage.Manifest;

namespace GolemImage
{
    /// <summary>
    /// What New-GolemManifest emits: the Computation Payload Manifest as JSON and in the base64 form a demand carries
    /// (golem.srv.comp.payload), and its signature when signed.
    /// </summary>
    public sealed class GolemManifest
    {
        internal GolemManifest(PayloadManifest manifest, IReadOnlyList<string> hashes, string? path, ManifestSignature? signature)
        {
            Json = manifest.Json;
            Base64 = manifest.Base64;
            CreatedAt = manifest.CreatedAt.UtcDateTime;
            ExpiresAt = manifest.ExpiresAt.UtcDateTime;
            Hashes = hashes;
            Path = path;
            Signature = signature?.Signature;
            SignatureAlgorithm = signature?.Algorithm;
            Certificate = signature?.Certificate;
        }

        /// <summary>The manifest file written (-OutputPath), or null.</summary>
        public string? Path { get; }

        /// <summary>The manifest as written to the file (UTF-8, indented as golem-sdk-cli writes it).</summary>
        public string Json { get; }

        /// <summary>base64 of the manifest file: golem.srv.comp.payload (yapapi manifest=, golem-js manifest).</summary>
        public string Base64 { get; }

        /// <summary>The payload images' SHA3-224 hashes, in manifest order.</summary>
        public IReadOnlyList<string> Hashes { get; }

        public DateTime CreatedAt { get; }

        public DateTime ExpiresAt { get; }

        /// <summary>RSA-SHA256 over the Base64 text, in base64: golem.srv.comp.payload.sig (golem-js manifestSig).</summary>
        public string? Signature { get; }

        /// <summary>"sha256" when signed: golem.srv.comp.payload.sig.algorithm (golem-js manifestSigAlgorithm).</summary>
        public string? SignatureAlgorithm { get; }

        /// <summary>base64 of the certificate's PEM: golem.srv.comp.payload.cert (golem-js manifestCert).</summary>
        public string? Certificate { get; }

        public override string ToString() => Base64;
    }
}
