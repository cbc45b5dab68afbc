using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Security.Cryptography;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using GolemImage.Sources;
using Xunit;

namespace GolemImage.Tests.Sources
{
    /// <summary>
    /// Each decision of the source resolver against fakes that speak the real protocols: a Docker engine answering
    /// /version (and image inspects) on TCP or a unix socket, a registry that has, or lacks, the linux/amd64 image.
    /// </summary>
    [Trait(Requires.Key, Requires.Portable)]
    public sealed class ImageSourceResolverTests
    {
        private static DockerEnvironment Environment(string home, Dictionary<string, string>? variables = null, bool windows = false, bool mac = false)
        {
            Dictionary<string, string> values = variables ?? new Dictionary<string, string>();
            return new DockerEnvironment(name => values.TryGetValue(name, out string? v) ? v : null, home, windows, mac);
        }

        private static ImageSourceOptions Options(DockerEnvironment environment, ImageSourceKind kind = ImageSourceKind.Auto) =>
            new ImageSourceOptions { Kind = kind, DockerEnvironment = environment, RegistryResponseTimeout = TimeSpan.FromSeconds(10) };

        [Fact]
        public async Task Auto_passes_over_an_engine_running_Windows_containers_and_warns_that_it_uses_the_registry()
        {
            using var home = new TempDirectory();
            using var engine = FakeHttpServer.OnTcp(FakeHttpServer.DockerEngine("windows"));
            var reporter = new RecordingReporter();
            var env = Environment(home.Path, new Dictionary<string, string> { ["DOCKER_HOST"] = $"tcp://127.0.0.1:{engine.Port}" });

            ImageSourcePlan plan = await ImageSourceResolver.PlanAsync("golemfactory/app:1.0", Options(env), reporter, CancellationToken.None);

            Assert.Equal(ImageSourceKind.Registry, plan.Kind);
            Assert.Contains("runs windows containers", plan.DockerReason);
            string warning = Assert.Single(reporter.Warnings);
            Assert.Contains("runs windows containers", warning);
            Assert.Contains("from its registry instead", warning);
            Assert.Contains(engine.Requests, r => r.Path == "/version");
        }

        [Fact]
        public async Task Source_Docker_refuses_an_engine_running_Windows_containers()
        {
            using var home = new TempDirectory();
            using var engine = FakeHttpServer.OnTcp(FakeHttpServer.DockerEngine("windows"));
            var env = Environment(home.Path, new Dictionary<string, string> { ["DOCKER_HOST"] = $"tcp://127.0.0.1:{engine.Port}" });

            var error = await Assert.ThrowsAsync<GolemImageException>(() => ImageSourceResolver.PlanAsync("golemfactory/app:1.0", Options(env, ImageSourceKind.Docker), new RecordingReporter(), CancellationToken.None));

            Assert.Equal("DockerUnavailable", error.ErrorId);
            Assert.Contains("runs windows containers, not linux ones", error.Message);
        }

        [Fact]
        public async Task Auto_uses_an_engine_running_Linux_containers_without_a_warning()
        {
            using var home = new TempDirectory();
            using var engine = FakeHttpServer.OnUnixSocket(home.Combine("engine.sock"), FakeHttpServer.DockerEngine("linux"));
            var reporter = new RecordingReporter();
            var env = Environment(home.Path, new Dictionary<string, string> { ["DOCKER_HOST"] = "unix://" + engine.SocketPath });

            ImageSourcePlan plan = await ImageSourceResolver.PlanAsync("golemfactory/app:1.0", Options(env), reporter, CancellationToken.None);

            Assert.Equal(ImageSourceKind.Docker, plan.Kind);
            Assert.Equal("unix://" + engine.SocketPath, plan.DockerEndpoint!.Uri.ToString());
            Assert.Empty(reporter.Warnings);
        }

        [Fact]
        public async Task Auto_warns_when_no_engine_answers_and_a_later_registry_failure_repeats_the_Docker_reason()
        {
            using var home = new TempDirectory();
            using var registry = FakeHttpServer.OnTcp(_ => FakeHttpResponse.NotFound());
            string socket = home.Combine("no-such.sock");
            var reporter = new RecordingReporter();
            ImageSourceOptions options = Options(Environment(home.Path, new Dictionary<string, string> { ["DOCKER_HOST"] = "unix://" + socket }));
            string image = $"127.0.0.1:{registry.Port}/golemimage/built-here:1.0";

            ImageSourcePlan plan = await ImageSourceResolver.PlanAsync(image, options, reporter, CancellationToken.None);
            Assert.Equal(ImageSourceKind.Registry, plan.Kind);
            Assert.Contains(socket, Assert.Single(reporter.Warnings));

            var error = await Assert.ThrowsAsync<GolemImageException>(() => ImageSourceResolver.OpenAsync(plan, options, reporter, CancellationToken.None));
            Assert.Equal("ImageNotFound", error.ErrorId);
            Assert.Contains("no Docker engine was", error.Message);
            Assert.Contains(socket, error.Message);
        }

        [Fact]
        public async Task Source_Registry_never_asks_a_Docker_engine()
        {
            using var home = new TempDirectory();
            using var engine = FakeHttpServer.OnTcp(FakeHttpServer.DockerEngine("linux"));
            var env = Environment(home.Path, new Dictionary<string, string> { ["DOCKER_HOST"] = $"tcp://127.0.0.1:{engine.Port}" });
            var reporter = new RecordingReporter();

            ImageSourcePlan plan = await ImageSourceResolver.PlanAsync("golemfactory/app:1.0", Options(env, ImageSourceKind.Registry), reporter, CancellationToken.None);

            Assert.Equal(ImageSourceKind.Registry, plan.Kind);
            Assert.Null(plan.DockerReason);
            Assert.Empty(engine.Requests);
            Assert.Empty(reporter.Warnings);
        }

        [Fact]
        public async Task An_image_id_is_never_looked_up_in_a_registry_when_no_engine_answers()
        {
            using var home = new TempDirectory();
            var env = Environment(home.Path, new Dictionary<string, string> { ["DOCKER_HOST"] = "unix://" + home.Combine("none.sock") });
            var error = await Assert.ThrowsAsync<GolemImageException>(() => ImageSourceResolver.PlanAsync("abcdefabcdef", Options(env), new RecordingReporter(), CancellationToken.None));
            Assert.Equal("DockerUnavailable", error.ErrorId);
        }

        [Fact]
        public async Task An_engine_that_holds_the_image_only_for_arm64_gives_way_to_the_registrys_amd64_image_with_a_warning()
        {
            using var home = new TempDirectory();
            using var registry = FakeHttpServer.OnTcp(AmdOnlyRegistry("golemimage/app", "1.0", out string configDigest));
            string image = $"127.0.0.1:{registry.Port}/golemimage/app:1.0";
            using var engine = FakeHttpServer.OnTcp(FakeHttpServer.DockerEngine("linux", new Dictionary<string, string>
            {
                [image] = "{\"Id\":\"sha256:" + new string('a', 64) + "\",\"Os\":\"linux\",\"Architecture\":\"arm64\",\"RepoTags\":[\"" + image + "\"]}",
            }));
            var reporter = new RecordingReporter();
            ImageSourceOptions options = Options(Environment(home.Path, new Dictionary<string, string> { ["DOCKER_HOST"] = $"tcp://127.0.0.1:{engine.Port}" }));

            ImageSourcePlan plan = await ImageSourceResolver.PlanAsync(image, options, reporter, CancellationToken.None);
            Assert.Equal(ImageSourceKind.Docker, plan.Kind);
            using ResolvedImage resolved = await ImageSourceResolver.OpenAsync(plan, options, reporter, CancellationToken.None);

            Assert.Equal("Registry", resolved.SourceKind);
            Assert.Equal(configDigest, resolved.ImageId);
            Assert.Equal("linux/amd64", resolved.Config.Platform.ToString());
            string warning = Assert.Single(reporter.Warnings);
            Assert.Contains("only as a linux/arm64 image", warning);
            Assert.DoesNotContain(engine.Requests, r => r.Path.Contains("/get", StringComparison.Ordinal) || r.Path.Contains("/create", StringComparison.Ordinal));
        }

        [Fact]
        public async Task An_arm64_image_that_was_never_pushed_says_how_to_build_it_for_amd64()
        {
            using var home = new TempDirectory();
            using var registry = FakeHttpServer.OnTcp(_ => FakeHttpResponse.NotFound());
            string image = $"127.0.0.1:{registry.Port}/golemimage/local-only:1.0";
            using var engine = FakeHttpServer.OnTcp(FakeHttpServer.DockerEngine("linux", new Dictionary<string, string>
            {
                [image] = "{\"Id\":\"sha256:" + new string('b', 64) + "\",\"Os\":\"linux\",\"Architecture\":\"arm64\"}",
            }));
            ImageSourceOptions options = Options(Environment(home.Path, new Dictionary<string, string> { ["DOCKER_HOST"] = $"tcp://127.0.0.1:{engine.Port}" }));

            ImageSourcePlan plan = await ImageSourceResolver.PlanAsync(image, options, new RecordingReporter(), CancellationToken.None);
            var error = await Assert.ThrowsAsync<GolemImageException>(() => ImageSourceResolver.OpenAsync(plan, options, new RecordingReporter(), CancellationToken.None));

            Assert.Equal("UnsupportedPlatform", error.ErrorId);
            Assert.Contains("docker build --platform linux/amd64", error.Message);
            Assert.Contains("linux/arm64", error.Message);
        }

        /// <summary>A registry holding one linux/amd64 image without layers (enough to resolve it).</summary>
        private static Func<FakeHttpRequest, FakeHttpResponse> AmdOnlyRegistry(string repository, string tag, out string configDigest)
        {
            byte[] config = Encoding.UTF8.GetBytes("{\"architecture\":\"amd64\",\"os\":\"linux\",\"config\":{\"Cmd\":[\"/bin/sh\"]},\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[]}}");
            string digest = "sha256:" + Convert.ToHexString(SHA256.HashData(config)).ToLowerInvariant();
            configDigest = digest;
            string manifest = "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.docker.distribution.manifest.v2+json\",\"config\":{\"mediaType\":\"application/vnd.docker.container.image.v1+json\",\"size\":"
                + config.Length + ",\"digest\":\"" + digest + "\"},\"layers\":[]}";
            return request =>
            {
                if (request.Path == $"/v2/{repository}/manifests/{tag}")
                {
                    var response = FakeHttpResponse.Json(manifest);
                    response.Headers["Content-Type"] = "application/vnd.docker.distribution.manifest.v2+json";
                    return response;
                }

                if (request.Path == $"/v2/{repository}/blobs/{digest}")
                {
                    return new FakeHttpResponse { Body = config };
                }

                return FakeHttpResponse.NotFound();
            };
        }
    }
}
