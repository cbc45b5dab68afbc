using System.Net.Http;
using System.Security.Cryptography.X509Certificates;
using Docker.DotNet;
using Microsoft.Net.Http.Client;

namespace GolemImage.Sources
{
    /// <summary>Docker.DotNet's hook for TLS: the client certificate and the server check of <see cref="DockerTlsSettings"/>.</summary>
    internal sealed class DockerTlsCredentials : Credentials
    {
        private readonly DockerTlsSettings settings;
        private readonly X509Certificate2? clientCertificate;
        private readonly System.Collections.Generic.IReadOnlyList<X509Certificate2> authorities;

        public DockerTlsCredentials(DockerTlsSettings settings, string endpoint)
        {
            this.settings = settings;
            clientCertificate = settings.LoadClientCertificate(endpoint);
            authorities = settings.LoadAuthorities();
        }

        public override bool IsTlsCredentials() => true;

        public override HttpMessageHandler GetHandler(HttpMessageHandler innerHandler)
        {
            if (innerHandler is ManagedHandler handler)
            {
                if (clientCertificate != null)
                {
                    handler.ClientCertificates = new X509CertificateCollection { clientCertificate };
                }

                handler.ServerCertificateValidationCallback = settings.CreateValidator(authorities);
            }

            return innerHandler;
        }

        public override void Dispose()
        {
            clientCertificate?.Dispose();
            foreach (X509Certificate2 authority in authorities)
            {
                authority.Dispose();
            }
        }
    }
}
