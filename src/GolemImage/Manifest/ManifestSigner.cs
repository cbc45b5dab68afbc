using System;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;

namespace GolemImage.Manifest
{
    /// <summary>
    /// Signs a manifest as `golem-sdk manifest sign` does: RSA-SHA256 over the base64 text of the manifest file (not its
    /// bytes), the signature in base64. Providers check it against the certificate sent beside it.
    /// </summary>
    public static class ManifestSigner
    {
        public const string Algorithm = "sha256";

        /// <param name="key">The private key; null to take it from <paramref name="certificate"/>.</param>
        public static ManifestSignature Sign(PayloadManifest manifest, RSA? key, X509Certificate2? certificate)
        {
            RSA? ownKey = null;
            try
            {
                if (key == null)
                {
                    if (certificate == null)
                    {
                        throw new ArgumentException("A key or a certificate with a private key is needed.", nameof(key));
                    }

                    ownKey = PrivateKeyOf(certificate);
                    key = ownKey;
                }

                byte[] text = Encoding.ASCII.GetBytes(manifest.Base64);
                byte[] signature;
                try
                {
                    signature = key.SignData(text, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
                }
                catch (CryptographicException ex)
                {
                    throw new GolemImageException(ErrorIds.SigningFailed, GolemErrorCategory.InvalidArgument, $"Signing the manifest failed: {ex.Message}", null, ex);
                }

                string? certificateText = null;
                if (certificate != null)
                {
                    using (RSA? publicKey = certificate.GetRSAPublicKey())
                    {
                        if (publicKey == null)
                        {
                            throw new GolemImageException(ErrorIds.CertificateNotRsa, GolemErrorCategory.InvalidArgument, $"The certificate '{certificate.Subject}' does not hold an RSA key; manifests are signed with RSA-SHA256.", certificate.Subject);
                        }

                        if (!publicKey.VerifyData(text, signature, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1))
                        {
                            throw new GolemImageException(ErrorIds.KeyDoesNotMatchCertificate, GolemErrorCategory.InvalidArgument, $"The private key does not belong to the certificate '{certificate.Subject}': providers would reject the signature.", certificate.Subject);
                        }
                    }

                    certificateText = Convert.ToBase64String(Encoding.ASCII.GetBytes(CertificatePem(certificate)));
                }

                return new ManifestSignature(Convert.ToBase64String(signature), certificateText);
            }
            finally
            {
                ownKey?.Dispose();
            }
        }

        /// <summary>The certificate as PEM text (64-character lines, LF), as openssl writes it.</summary>
        public static string CertificatePem(X509Certificate2 certificate)
        {
            string base64 = Convert.ToBase64String(certificate.RawData);
            var pem = new StringBuilder("-----BEGIN CERTIFICATE-----\n");
            for (int i = 0; i < base64.Length; i += 64)
            {
                pem.Append(base64, i, Math.Min(64, base64.Length - i)).Append('\n');
            }

            return pem.Append("-----END CERTIFICATE-----\n").ToString();
        }

        private static RSA PrivateKeyOf(X509Certificate2 certificate)
        {
            RSA? key = null;
            try
            {
                key = certificate.HasPrivateKey ? certificate.GetRSAPrivateKey() : null;
            }
            catch (CryptographicException)
            {
            }

            return key ?? throw new GolemImageException(ErrorIds.CertificateWithoutPrivateKey, GolemErrorCategory.InvalidArgument, $"The certificate '{certificate.Subject}' comes without its RSA private key: load it with the key (a .pfx, or Cert:\\CurrentUser\\My), or give the key with -PrivateKeyPath.", certificate.Subject);
        }
    }
}
