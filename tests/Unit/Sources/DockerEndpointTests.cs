using System;
using System.Collections.Generic;
using System.IO;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Threading;
using System.Threading.Tasks;
using GolemImage.Sources;
using Xunit;

namespace GolemImage.Tests.Sources
{
    /// <summary>Every DOCKER_HOST form Docker documents, and TLS to a tcp engine (DOCKER_TLS_VERIFY, DOCKER_CERT_PATH).</summary>
    [Trait(Requires.Key, Requires.Portable)]
    public sealed class DockerEndpointTests
    {
        [Theory]
        [InlineData("npipe:////./pipe/docker_engine", "npipe://./pipe/docker_engine")]
        [InlineData("npipe://./pipe/docker_engine", "npipe://./pipe/docker_engine")]
        [InlineData("npipe:///./pipe/dockerDesktopLinuxEngine", "npipe://./pipe/dockerDesktopLinuxEngine")]
        [InlineData("npipe:////buildhost/pipe/docker_engine", "npipe://buildhost/pipe/docker_engine")]
        [InlineData("npipe://localhost/pipe/docker_engine", "npipe://./pipe/docker_engine")]
        public void Named_pipes_are_understood_in_every_spelling(string value, string expected)
        {
            DockerEndpoint endpoint = DockerEndpoint.Parse(value, "DOCKER_HOST");
            Assert.Equal(expected, endpoint.ToString());
            Assert.Equal("npipe", endpoint.Uri.Scheme);
            // Docker.DotNet reads the server from the host and the pipe from the third segment.
            Assert.Equal(3, endpoint.Uri.Segments.Length);
            Assert.Equal("pipe/", endpoint.Uri.Segments[1]);
        }

        [Theory]
        [InlineData("unix:///var/run/docker.sock", "/var/run/docker.sock")]
        [InlineData("unix:///Users/me/.docker/run/docker.sock", "/Users/me/.docker/run/docker.sock")]
        public void Unix_sockets_keep_their_path(string value, string path)
        {
            Assert.Equal(path, DockerEndpoint.Parse(value, "DOCKER_HOST").SocketPath);
        }

        [Theory]
        [InlineData("tcp://10.1.2.3:2375", false, "tcp://10.1.2.3:2375/")]
        [InlineData("tcp://docker.example", false, "tcp://docker.example:2375/")]
        [InlineData("tcp://docker.example", true, "tcp://docker.example:2376/")]
        [InlineData("tcp://[::1]:2376/", true, "tcp://[::1]:2376/")]
        public void Tcp_hosts_get_Dockers_default_ports(string value, bool tls, string expected)
        {
            DockerEndpoint endpoint = DockerEndpoint.Parse(value, "DOCKER_HOST", tls ? new DockerTlsSettings(true, null) : null);
            Assert.Equal(expected, endpoint.Uri.ToString());
            Assert.Equal(tls, endpoint.Tls != null);
        }

        [Fact]
        public void Ssh_is_refused_with_advice_not_a_bare_exception()
        {
            var error = Assert.Throws<GolemImageException>(() => DockerEndpoint.Parse("ssh://me@buildhost", "DOCKER_HOST"));
            Assert.Equal("DockerHostUnsupported", error.ErrorId);
            Assert.Equal(GolemErrorCategory.NotImplemented, error.Category);
            Assert.Contains("ssh -NL", error.Message);
            Assert.Equal("ssh://me@buildhost", error.Target);
        }

        [Theory]
        [InlineData("docker.example:2375")]
        [InlineData("npipe://./docker_engine")]
        [InlineData("unix://")]
        [InlineData("ftp://docker.example")]
        [InlineData("tcp://docker.example/path")]
        public void Malformed_hosts_are_invalid_arguments(string value)
        {
            var error = Assert.Throws<GolemImageException>(() => DockerEndpoint.Parse(value, "DOCKER_HOST"));
            Assert.Equal("DockerHostInvalid", error.ErrorId);
            Assert.Equal(GolemErrorCategory.InvalidArgument, error.Category);
        }

        [Fact]
        public void DOCKER_TLS_VERIFY_and_DOCKER_CERT_PATH_turn_TLS_on_for_DOCKER_HOST()
        {
            var variables = new Dictionary<string, string> { ["DOCKER_HOST"] = "tcp://docker.example", ["DOCKER_TLS_VERIFY"] = "1", ["DOCKER_CERT_PATH"] = "/certs" };
            var environment = new DockerEnvironment(name => variables.TryGetValue(name, out string? v) ? v : null, "/home/me", false, false);
            DockerEndpoint endpoint = Assert.Single(DockerEndpointDiscovery.Candidates(environment));
            Assert.Equal(2376, endpoint.Uri.Port);
            Assert.True(endpoint.Tls!.VerifyServer);
            Assert.Equal("/certs", endpoint.Tls.CertificateDirectory);

            variables.Remove("DOCKER_TLS_VERIFY");
            variables.Remove("DOCKER_CERT_PATH");
            Assert.Null(Assert.Single(DockerEndpointDiscovery.Candidates(environment)).Tls);
            variables["DOCKER_TLS"] = "1";
            DockerEndpoint unverified = Assert.Single(DockerEndpointDiscovery.Candidates(environment));
            Assert.False(unverified.Tls!.VerifyServer);
            Assert.Equal(Path.Combine("/home/me", ".docker"), unverified.Tls.CertificateDirectory);
        }

        [Fact]
        public async Task A_TLS_engine_is_reached_with_the_client_certificate_and_checked_against_ca_pem()
        {
            using var certs = new TempDirectory();
            using var ca = CreateAuthority("GolemImage test CA");
            using X509Certificate2 server = Issue(ca, "localhost", serverAuth: true);
            using X509Certificate2 client = Issue(ca, "client", serverAuth: false);
            File.WriteAllText(certs.Combine("ca.pem"), ca.ExportCertificatePem());
            File.WriteAllText(certs.Combine("cert.pem"), client.ExportCertificatePem());
            File.WriteAllText(certs.Combine("key.pem"), client.GetRSAPrivateKey()!.ExportPkcs8PrivateKeyPem());
            using var engine = FakeHttpServer.OnTcpTls(server, ca, FakeHttpServer.DockerEngine("linux"));
            var variables = new Dictionary<string, string> { ["DOCKER_HOST"] = $"tcp://localhost:{engine.Port}", ["DOCKER_TLS_VERIFY"] = "1", ["DOCKER_CERT_PATH"] = certs.Path };
            var environment = new DockerEnvironment(name => variables.TryGetValue(name, out string? v) ? v : null, certs.Path, false, false);

            using (DockerEngineSource docker = await DockerEngineSource.ConnectAsync(environment, ImagePlatform.LinuxAmd64, new RecordingReporter(), CancellationToken.None))
            {
                Assert.Equal("linux", docker.EnginePlatform.Os);
            }

            Assert.Contains(engine.Requests, r => r.Path == "/version");

            // Another CA in ca.pem: the engine's certificate is refused, so nothing is sent to it.
            using var other = CreateAuthority("Someone else");
            File.WriteAllText(certs.Combine("ca.pem"), other.ExportCertificatePem());
            int before = engine.Requests.Count;
            var error = await Assert.ThrowsAsync<GolemImageException>(() => DockerEngineSource.ConnectAsync(environment, ImagePlatform.LinuxAmd64, new RecordingReporter(), CancellationToken.None));
            Assert.Equal("DockerUnavailable", error.ErrorId);
            Assert.Equal(before, engine.Requests.Count);
        }

        internal static X509Certificate2 CreateAuthority(string name)
        {
            using RSA key = RSA.Create(2048);
            var request = new CertificateRequest("CN=" + name, key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
            request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
            request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
            return request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30));
        }

        internal static X509Certificate2 Issue(X509Certificate2 authority, string name, bool serverAuth)
        {
            using RSA key = RSA.Create(2048);
            var request = new CertificateRequest("CN=" + name, key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
            request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, false));
            request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension(new OidCollection { new Oid(serverAuth ? "1.3.6.1.5.5.7.3.1" : "1.3.6.1.5.5.7.3.2") }, false));
            if (serverAuth)
            {
                var names = new SubjectAlternativeNameBuilder();
                names.AddDnsName(name);
                request.CertificateExtensions.Add(names.Build());
            }

            byte[] serial = new byte[8];
            RandomNumberGenerator.Fill(serial);
            using X509Certificate2 issued = request.Create(authority, DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(10), serial);
            using X509Certificate2 withKey = issued.CopyWithPrivateKey(key);
            return X509CertificateLoader.LoadPkcs12(withKey.Export(X509ContentType.Pkcs12), null);
        }
    }
}
