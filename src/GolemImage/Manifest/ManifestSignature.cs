namespace GolemImage.Manifest
{
    /// <summary>A manifest's signature as a demand carries it (golem.srv.comp.payload.sig, .sig.algorithm, .cert).</summary>
    public sealed class ManifestSignature
    {
        public ManifestSignature(string signature, string? certificate)
        {
            Signature = signature;
            Certificate = certificate;
        }

        /// <summary>RSA-SHA256 (PKCS#1 v1.5) over the ASCII text of the manifest's base64, in base64.</summary>
        public string Signature { get; }

        /// <summary>"sha256", golem.srv.comp.payload.sig.algorithm.</summary>
        public string Algorithm => ManifestSigner.Algorithm;

        /// <summary>The signing certificate's PEM text, in base64 (golem.srv.comp.payload.cert); null without a certificate.</summary>
        public string? Certificate { get; }
    }
}
