using System;
using System.IO;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Threading.Tasks;
using GolemImage.Sources;
using Xunit;

namespace GolemImage.Tests.Sources
{
    /// <summary>
    /// The client certificate loader of the netstandard2.0 build (Windows PowerShell 5.1 has no PEM APIs), run here on
    /// .NET: the certificate it returns must carry the very key of key.pem, in both PEM forms Docker's tools write.
    /// </summary>
    [Trait(Requires.Key, Requires.Portable)]
    public sealed class PemClientCertificateTests : IDisposable
    {
        private readonly TempDirectory work = new TempDirectory();

        public void Dispose() => work.Dispose();

        [Theory]
        [InlineData("pkcs1")]
        [InlineData("pkcs8")]
        public void Cert_pem_and_an_RSA_key_pem_make_a_certificate_that_signs_with_that_key(string form)
        {
            using RSA key = RSA.Create(2048);
            var request = new CertificateRequest("CN=client", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
            using X509Certificate2 issued = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
            File.WriteAllText(work.Combine("cert.pem"), issued.ExportCertificatePem());
            File.WriteAllText(work.Combine("key.pem"), form == "pkcs1" ? key.ExportRSAPrivateKeyPem() : key.ExportPkcs8PrivateKeyPem());

            using X509Certificate2 loaded = PemClientCertificate.Load(work.Combine("cert.pem"), work.Combine("key.pem"), "tcp://docker.example:2376");
            Assert.True(loaded.HasPrivateKey);
            Assert.Equal(issued.Thumbprint, loaded.Thumbprint);
            byte[] data = Encoding.UTF8.GetBytes("handshake transcript");
            byte[] signature = loaded.GetRSAPrivateKey()!.SignData(data, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
            Assert.True(key.VerifyData(data, signature, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1));
        }

        [Fact]
        public async Task An_engine_that_demands_a_client_certificate_accepts_the_loaded_one()
        {
            using var ca = DockerEndpointTests.CreateAuthority("GolemImage test CA");
            using X509Certificate2 server = DockerEndpointTests.Issue(ca, "localhost", serverAuth: true);
            using X509Certificate2 client = DockerEndpointTests.Issue(ca, "client", serverAuth: false);
            File.WriteAllText(work.Combine("cert.pem"), client.ExportCertificatePem());
            File.WriteAllText(work.Combine("key.pem"), client.GetRSAPrivateKey()!.ExportRSAPrivateKeyPem());
            using var engine = FakeHttpServer.OnTcpTls(server, ca, FakeHttpServer.DockerEngine("linux"));
            using X509Certificate2 loaded = PemClientCertificate.Load(work.Combine("cert.pem"), work.Combine("key.pem"), "tcp://localhost");

            using var tcp = new TcpClient();
            await tcp.ConnectAsync(IPAddress.Loopback, engine.Port);
            using var tls = new SslStream(tcp.GetStream(), false, (_, _, _, _) => true);
            await tls.AuthenticateAsClientAsync("localhost", new X509CertificateCollection { loaded }, SslProtocols.None, false);
            await tls.WriteAsync(Encoding.ASCII.GetBytes("GET /version HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"));
            string answer = await new StreamReader(tls).ReadToEndAsync();
            Assert.StartsWith("HTTP/1.1 200", answer);
            Assert.Contains("27.0.0-fake", answer);
        }

        [Fact]
        public void An_EC_key_is_DockerTlsUnsupported_and_a_key_of_another_certificate_is_DockerTlsInvalid()
        {
            using RSA key = RSA.Create(2048);
            var request = new CertificateRequest("CN=client", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
            using X509Certificate2 issued = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
            File.WriteAllText(work.Combine("cert.pem"), issued.ExportCertificatePem());
            using ECDsa ec = ECDsa.Create(ECCurve.NamedCurves.nistP256);
            File.WriteAllText(work.Combine("key.pem"), ec.ExportPkcs8PrivateKeyPem());
            var unsupported = Assert.Throws<GolemImageException>(() => PemClientCertificate.Load(work.Combine("cert.pem"), work.Combine("key.pem"), "tcp://docker.example:2376"));
            Assert.Equal(ErrorIds.DockerTlsUnsupported, unsupported.ErrorId);

            using RSA other = RSA.Create(2048);
            File.WriteAllText(work.Combine("key.pem"), other.ExportRSAPrivateKeyPem());
            var invalid = Assert.Throws<GolemImageException>(() => PemClientCertificate.Load(work.Combine("cert.pem"), work.Combine("key.pem"), "tcp://docker.example:2376"));
            Assert.Equal(ErrorIds.DockerTlsInvalid, invalid.ErrorId);
        }
    }
}
