using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using GolemImage.Sources;
using Xunit;

namespace GolemImage.Tests.Sources
{
    /// <summary>Where the Docker engine is looked for, with a fake HOME: contexts, Docker Desktop, Colima, Rancher Desktop, Podman.</summary>
    [Trait(Requires.Key, Requires.Portable)]
    public sealed class DockerEndpointDiscoveryTests
    {
        private static DockerEnvironment Environment(string home, Dictionary<string, string>? variables = null, bool windows = false, bool mac = true)
        {
            Dictionary<string, string> values = variables ?? new Dictionary<string, string>();
            return new DockerEnvironment(name => values.TryGetValue(name, out string? v) ? v : null, home, windows, mac);
        }

        private static void WriteContext(string home, string name, string host, bool skipTlsVerify = false)
        {
            // The docker CLI's own layout, checked against sha256sum: contexts/meta/<sha256 of the name>/meta.json.
            string id = name switch
            {
                "colima" => "f24fd3749c1368328e2b149bec149cb6795619f244c5b584e844961215dadd16",
                "desktop-linux" => "fe9c6bd7a66301f49ca9b6a70b217107cd1284598bfc254700c989b916da791e",
                _ => throw new ArgumentException(name),
            };
            string directory = Path.Combine(home, ".docker", "contexts", "meta", id);
            Directory.CreateDirectory(directory);
            File.WriteAllText(Path.Combine(directory, "meta.json"),
                "{\"Name\":\"" + name + "\",\"Metadata\":{\"Description\":\"test\"},\"Endpoints\":{\"docker\":{\"Host\":\"" + host + "\",\"SkipTLSVerify\":" + (skipTlsVerify ? "true" : "false") + "}}}");
        }

        [Fact]
        public void The_context_id_is_the_sha256_of_its_name()
        {
            Assert.Equal("fe9c6bd7a66301f49ca9b6a70b217107cd1284598bfc254700c989b916da791e", DockerEndpointDiscovery.ContextId("desktop-linux"));
        }

        [Fact]
        public void CurrentContext_in_config_json_names_the_endpoint()
        {
            using var home = new TempDirectory();
            WriteContext(home.Path, "colima", "unix:///Users/me/.colima/default/docker.sock");
            File.WriteAllText(home.Combine(".docker", "config.json"), "{\"auths\":{},\"currentContext\":\"colima\"}");

            DockerEndpoint endpoint = Assert.Single(DockerEndpointDiscovery.Candidates(Environment(home.Path)));

            Assert.Equal("unix:///Users/me/.colima/default/docker.sock", endpoint.Uri.ToString());
            Assert.Contains("colima", endpoint.Origin);
        }

        [Fact]
        public void DOCKER_CONTEXT_wins_over_config_json_and_DOCKER_HOST_over_both()
        {
            using var home = new TempDirectory();
            WriteContext(home.Path, "colima", "unix:///colima.sock");
            WriteContext(home.Path, "desktop-linux", "unix:///desktop.sock");
            File.WriteAllText(home.Combine(".docker", "config.json"), "{\"currentContext\":\"colima\"}");

            var byContext = new Dictionary<string, string> { ["DOCKER_CONTEXT"] = "desktop-linux" };
            Assert.Equal("unix:///desktop.sock", Assert.Single(DockerEndpointDiscovery.Candidates(Environment(home.Path, byContext))).Uri.ToString());

            byContext["DOCKER_HOST"] = "tcp://10.0.0.1:2375";
            Assert.Equal("tcp://10.0.0.1:2375/", Assert.Single(DockerEndpointDiscovery.Candidates(Environment(home.Path, byContext))).Uri.ToString());
        }

        [Fact]
        public void The_default_context_means_the_usual_places()
        {
            using var home = new TempDirectory();
            Directory.CreateDirectory(home.Combine(".docker"));
            File.WriteAllText(home.Combine(".docker", "config.json"), "{\"currentContext\":\"default\"}");
            Assert.Equal("unix:///var/run/docker.sock", DockerEndpointDiscovery.Candidates(Environment(home.Path))[0].Uri.ToString());
        }

        [Fact]
        public void A_context_that_does_not_exist_is_a_clear_error()
        {
            using var home = new TempDirectory();
            var error = Assert.Throws<GolemImageException>(() => DockerEndpointDiscovery.Candidates(Environment(home.Path, new Dictionary<string, string> { ["DOCKER_CONTEXT"] = "colima" })));
            Assert.Equal("DockerContextNotFound", error.ErrorId);
            Assert.Contains("'colima'", error.Message);
        }

        [Fact]
        public void A_context_with_TLS_files_uses_them_and_honours_SkipTLSVerify()
        {
            using var home = new TempDirectory();
            WriteContext(home.Path, "colima", "tcp://build.example:2376", skipTlsVerify: true);
            string tls = home.Combine(".docker", "contexts", "tls", DockerEndpointDiscovery.ContextId("colima"), "docker");
            Directory.CreateDirectory(tls);
            DockerEndpoint endpoint = Assert.Single(DockerEndpointDiscovery.Candidates(Environment(home.Path, new Dictionary<string, string> { ["DOCKER_CONTEXT"] = "colima" })));
            Assert.NotNull(endpoint.Tls);
            Assert.False(endpoint.Tls!.VerifyServer);
            Assert.Equal(tls, endpoint.Tls.CertificateDirectory);
        }

        [Fact]
        public void On_macOS_the_per_user_sockets_that_exist_follow_the_system_socket_in_order()
        {
            using var home = new TempDirectory();
            foreach (string socket in new[] { ".rd/docker.sock", ".colima/default/docker.sock", ".docker/run/docker.sock" })
            {
                Directory.CreateDirectory(Path.GetDirectoryName(home.Combine(socket))!);
                File.WriteAllText(home.Combine(socket), string.Empty);
            }

            List<string> found = DockerEndpointDiscovery.Candidates(Environment(home.Path)).Select(e => e.Uri.ToString()).ToList();

            Assert.Equal(
                new[] { "unix:///var/run/docker.sock", "unix://" + home.Combine(".docker/run/docker.sock"), "unix://" + home.Combine(".colima/default/docker.sock"), "unix://" + home.Combine(".rd/docker.sock") },
                found.Where(f => !f.Contains("podman", StringComparison.Ordinal)));
        }

        [Fact]
        public void On_Windows_Docker_Desktops_pipes_come_first_then_Podmans()
        {
            using var home = new TempDirectory();
            List<string> found = DockerEndpointDiscovery.Candidates(Environment(home.Path, windows: true, mac: false)).Select(e => e.ToString()).ToList();
            Assert.Equal(new[] { "npipe://./pipe/docker_engine", "npipe://./pipe/dockerDesktopLinuxEngine", "npipe://./pipe/podman-machine-default" }, found);
        }

        [Fact]
        public async Task Colimas_socket_is_reached_through_the_current_context()
        {
            using var home = new TempDirectory();
            string socket = home.Combine(".colima", "default", "docker.sock");
            using var engine = FakeHttpServer.OnUnixSocket(socket, FakeHttpServer.DockerEngine("linux"));
            WriteContext(home.Path, "colima", "unix://" + socket);
            File.WriteAllText(home.Combine(".docker", "config.json"), "{\"currentContext\":\"colima\"}");

            using DockerEngineSource docker = await DockerEngineSource.ConnectAsync(Environment(home.Path), ImagePlatform.LinuxAmd64, new RecordingReporter(), CancellationToken.None);

            Assert.Equal(socket, docker.EngineEndpoint.SocketPath);
            Assert.Contains(engine.Requests, r => r.Path == "/version");
        }

        [Fact]
        public async Task A_second_engine_is_tried_when_the_first_runs_Windows_containers()
        {
            using var home = new TempDirectory();
            // /var/run/docker.sock is whatever this machine has; the per-user sockets are ours.
            using var desktop = FakeHttpServer.OnUnixSocket(home.Combine(".docker", "run", "docker.sock"), FakeHttpServer.DockerEngine("windows"));
            using var colima = FakeHttpServer.OnUnixSocket(home.Combine(".colima", "default", "docker.sock"), FakeHttpServer.DockerEngine("linux"));
            var reporter = new RecordingReporter();

            using DockerEngineSource docker = await DockerEngineSource.ConnectAsync(Environment(home.Path), ImagePlatform.LinuxAmd64, reporter, CancellationToken.None);

            if (docker.EngineEndpoint.SocketPath != "/var/run/docker.sock")
            {
                Assert.Equal(colima.SocketPath, docker.EngineEndpoint.SocketPath);
                Assert.Contains(desktop.Requests, r => r.Path == "/version");
            }
        }
    }
}
