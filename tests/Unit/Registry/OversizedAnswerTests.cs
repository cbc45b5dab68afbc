using System;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using GolemImage.Registry;
using GolemImage.Reporting;
using GolemImage.Sources;
using Xunit;

namespace GolemImage.Tests.Registry
{
    /// <summary>
    /// Registry answers are read whole, so their size is capped: a server that sends more (with or without saying so
    /// in Content-Length) is refused naming the URL, before the module holds it in memory. Each answer here is valid
    /// JSON, so that without the cap it would be taken.
    /// </summary>
    [Trait(Requires.Key, Requires.Portable)]
    public class OversizedAnswerTests
    {
        private const string Hash = "529f7fdaf1cf46ce3126eb6bbcd3b213c314fe8fe884914f5d1106d4";

        /// <summary>A JSON object with the given fields, padded with an extra field to 5 MiB.</summary>
        private static byte[] Padded(string fields) =>
            Encoding.UTF8.GetBytes("{" + fields + ",\"padding\":\"" + new string('x', 5 << 20) + "\"}");

        [Theory]
        [InlineData(false)]
        [InlineData(true)]
        public async Task A_Golem_registry_info_answer_over_4_MiB_is_refused_naming_the_url(bool withoutLength)
        {
            byte[] answer = Padded($"\"http\":\"http://r/download/{Hash}\",\"https\":\"https://r/download/{Hash}\",\"sha3\":\"{Hash}\",\"size\":1");
            using var server = FakeHttpServer.OnTcp(_ => new FakeHttpResponse { Body = answer, WithoutLength = withoutLength });
            var registry = new Uri($"http://127.0.0.1:{server.Port}/");
            var error = await Assert.ThrowsAsync<GolemImageException>(() => RegistryImageFinder.FindAsync(registry, ImageQuery.ForTag("golem/big:1"), new RetrySettings { MaximumRetryCount = 0 }, NullReporter.Instance, CancellationToken.None));
            Assert.Equal(ErrorIds.RegistryProtocolError, error.ErrorId);
            Assert.Contains($"({registry}v1/image/info?tag=golem%2Fbig%3A1&dev=true)", error.Message);
            Assert.Contains(withoutLength ? "with more than the 4 MiB" : $"with {answer.Length} bytes, more than the 4 MiB", error.Message);
        }

        [Theory]
        [InlineData(false)]
        [InlineData(true)]
        public async Task An_OCI_manifest_over_4_MiB_is_refused_naming_the_url(bool withoutLength)
        {
            byte[] manifest = Padded("\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"config\":{\"mediaType\":\"application/vnd.oci.image.config.v1+json\",\"digest\":\"sha256:" + new string('a', 64) + "\",\"size\":10},\"layers\":[]");
            using var server = FakeHttpServer.OnTcp(request => request.Path.Contains("/manifests/")
                ? new FakeHttpResponse { Body = manifest, WithoutLength = withoutLength, Headers = { ["Content-Type"] = "application/vnd.oci.image.manifest.v1+json" } }
                : FakeHttpResponse.NotFound());
            var error = await Assert.ThrowsAsync<GolemImageException>(() => OciRegistrySource.OpenAsync($"127.0.0.1:{server.Port}/golemimage/big:1.0", ImagePlatform.LinuxAmd64, false, null, false, new RecordingReporter(), TimeSpan.FromSeconds(20), CancellationToken.None));
            Assert.Equal(ErrorIds.RegistryError, error.ErrorId);
            Assert.Contains($"http://127.0.0.1:{server.Port}/v2/golemimage/big/manifests/1.0 answered with a manifest of", error.Message);
            Assert.Contains("more than the 4 MiB", error.Message);
        }

        [Fact]
        public async Task A_token_answer_over_4_MiB_is_refused_naming_the_url()
        {
            byte[] token = Padded("\"token\":\"abc\"");
            FakeHttpServer? server = null;
            server = FakeHttpServer.OnTcp(request => request.Path == "/token"
                ? new FakeHttpResponse { Body = token, WithoutLength = true }
                : new FakeHttpResponse { Status = 401, Reason = "Unauthorized", Headers = { ["WWW-Authenticate"] = $"Bearer realm=\"http://127.0.0.1:{server!.Port}/token\",service=\"fake\"" } });
            using (server)
            {
                var error = await Assert.ThrowsAsync<GolemImageException>(() => OciRegistrySource.OpenAsync($"127.0.0.1:{server.Port}/golemimage/big:1.0", ImagePlatform.LinuxAmd64, false, null, false, new RecordingReporter(), TimeSpan.FromSeconds(20), CancellationToken.None));
                Assert.Equal(ErrorIds.RegistryError, error.ErrorId);
                Assert.Contains($"http://127.0.0.1:{server.Port}/token?service=fake&scope=", error.Message);
                Assert.Contains("answered with a token answer of more than the 4 MiB", error.Message);
            }
        }
    }
}
