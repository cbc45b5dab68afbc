using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using System.Text;

namespace GolemImage.Sources
{
    /// <summary>
    /// TLS to a tcp Docker engine, as the docker CLI does it: DOCKER_TLS_VERIFY checks the engine's certificate
    /// against ca.pem (and its name), DOCKER_TLS alone encrypts without checking; cert.pem/key.pem, when present,
    /// authenticate the client. The files come from DOCKER_CERT_PATH, else the Docker config directory (or a
    /// context's TLS directory).
    /// </summary>
    public sealed class DockerTlsSettings
    {
        internal static readonly DockerTlsSettings Unverified = new DockerTlsSettings(false, null);

        public DockerTlsSettings(bool verifyServer, string? certificateDirectory)
        {
            VerifyServer = verifyServer;
            CertificateDirectory = certificateDirectory;
        }

        /// <summary>Checks the engine's certificate against ca.pem and its host name.</summary>
        public bool VerifyServer { get; }

        /// <summary>Where ca.pem, cert.pem and key.pem are; null for none.</summary>
        public string? CertificateDirectory { get; }

        public string? CaFile => FileIn("ca.pem");

        public string? CertificateFile => FileIn("cert.pem");

        public string? KeyFile => FileIn("key.pem");

        /// <summary>The TLS the environment asks for (DOCKER_TLS_VERIFY, DOCKER_TLS, DOCKER_CERT_PATH), or null for none.</summary>
        public static DockerTlsSettings? FromEnvironment(DockerEnvironment environment)
        {
            // The docker CLI turns verification on for any non-empty DOCKER_TLS_VERIFY, even "0".
            bool verify = environment.Variable("DOCKER_TLS_VERIFY") != null;
            bool tls = verify || environment.Variable("DOCKER_TLS") != null;
            if (!tls)
            {
                return null;
            }

            return new DockerTlsSettings(verify, environment.Variable("DOCKER_CERT_PATH") ?? environment.ConfigDirectory);
        }

        private string? FileIn(string name)
        {
            if (CertificateDirectory == null)
            {
                return null;
            }

            string path = Path.Combine(CertificateDirectory, name);
            return File.Exists(path) ? path : null;
        }

        /// <summary>The client certificate (cert.pem with key.pem), or null when there is none.</summary>
        internal X509Certificate2? LoadClientCertificate(string endpoint)
        {
            string? certificate = CertificateFile;
            string? key = KeyFile;
            if (certificate == null || key == null)
            {
                return null;
            }

#if NET5_0_OR_GREATER
            try
            {
                using (X509Certificate2 pem = X509Certificate2.CreateFromPemFile(certificate, key))
                {
                    // SChannel (Windows) wants the key in a key container, which a PFX round trip gives it.
#pragma warning disable SYSLIB0057
                    return new X509Certificate2(pem.Export(X509ContentType.Pkcs12));
#pragma warning restore SYSLIB0057
                }
            }
            catch (Exception ex) when (ex is System.Security.Cryptography.CryptographicException || ex is IOException || ex is ArgumentException)
            {
                throw new GolemImageException(ErrorIds.DockerTlsInvalid, GolemErrorCategory.InvalidData, $"The Docker client certificate {certificate} with key {key} cannot be loaded: {ex.Message}", certificate, ex);
            }
#else
            return PemClientCertificate.Load(certificate, key, endpoint);
#endif
        }

        /// <summary>The certificates of ca.pem (none when it is missing).</summary>
        internal IReadOnlyList<X509Certificate2> LoadAuthorities()
        {
            string? file = CaFile;
            if (file == null)
            {
                return Array.Empty<X509Certificate2>();
            }

            var result = new List<X509Certificate2>();
            string text = File.ReadAllText(file, Encoding.ASCII);
            const string begin = "-----BEGIN CERTIFICATE-----";
            const string end = "-----END CERTIFICATE-----";
            for (int start = text.IndexOf(begin, StringComparison.Ordinal); start >= 0; start = text.IndexOf(begin, start + begin.Length, StringComparison.Ordinal))
            {
                int stop = text.IndexOf(end, start, StringComparison.Ordinal);
                if (stop < 0)
                {
                    break;
                }

                string base64 = text.Substring(start + begin.Length, stop - start - begin.Length);
                try
                {
                    result.Add(new X509Certificate2(Convert.FromBase64String(base64.Replace("\r", string.Empty).Replace("\n", string.Empty).Trim())));
                }
                catch (Exception ex) when (ex is FormatException || ex is System.Security.Cryptography.CryptographicException)
                {
                    throw new GolemImageException(ErrorIds.DockerTlsInvalid, GolemErrorCategory.InvalidData, $"The Docker CA file {file} holds a certificate that cannot be read: {ex.Message}", file, ex);
                }
            }

            if (result.Count == 0)
            {
                throw new GolemImageException(ErrorIds.DockerTlsInvalid, GolemErrorCategory.InvalidData, $"The Docker CA file {file} holds no PEM certificate.", file);
            }

            return result;
        }

        /// <summary>Accepts the engine's certificate when it names the host and chains to one of ca.pem's certificates.</summary>
        internal RemoteCertificateValidationCallback CreateValidator(IReadOnlyList<X509Certificate2> authorities)
        {
            return (sender, certificate, chain, errors) =>
            {
                if (!VerifyServer)
                {
                    return true;
                }

                if (certificate == null || (errors & (SslPolicyErrors.RemoteCertificateNotAvailable | SslPolicyErrors.RemoteCertificateNameMismatch)) != 0)
                {
                    return false;
                }

                if (authorities.Count == 0)
                {
                    return errors == SslPolicyErrors.None;
                }

                using (var own = new X509Chain())
                using (var server = new X509Certificate2(certificate))
                {
                    own.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
#if NET5_0_OR_GREATER
                    own.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
                    own.ChainPolicy.CustomTrustStore.AddRange(authorities.ToArray());
                    return own.Build(server);
#else
                    own.ChainPolicy.ExtraStore.AddRange(authorities.ToArray());
                    own.ChainPolicy.VerificationFlags = X509VerificationFlags.AllowUnknownCertificateAuthority;
                    if (!own.Build(server))
                    {
                        return false;
                    }

                    X509Certificate2 root = own.ChainElements[own.ChainElements.Count - 1].Certificate;
                    return authorities.Any(a => a.Thumbprint == root.Thumbprint);
#endif
                }
            };
        }
    }
}
