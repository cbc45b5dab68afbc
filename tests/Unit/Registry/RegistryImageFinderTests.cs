using System;
using System.Net;
using System.Net.Http;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using GolemImage.Registry;
using GolemImage.Reporting;
using Xunit;

namespace GolemImage.Tests.Registry
{
    /// <summary>Tag and hash lookups (Find-GolemImage): the query sent, and the registry answers that must be refused.</summary>
    [Trait(Requires.Key, Requires.Portable)]
    public class RegistryImageFinderTests
    {
        private const string Hash = "529f7fdaf1cf46ce3126eb6bbcd3b213c314fe8fe884914f5d1106d4";

        [Theory]
        [InlineData("golem/alpine:latest", "tag=golem%2Falpine%3Alatest&dev=true")]
        [InlineData("golem/alpine", "tag=golem%2Falpine%3Alatest&dev=true")]
        [InlineData(Hash, "hash=" + Hash + "&dev=true")]
        [InlineData("sha3:529F7FDAF1CF46CE3126EB6BBCD3B213C314FE8FE884914F5D1106D4", "hash=" + Hash + "&dev=true")]
        public void Sends_a_tag_or_a_hash_and_dev_true(string input, string query)
        {
            Assert.Equal(query, ImageQuery.Parse(input).ToInfoQuery());
        }

        [Theory]
        [InlineData("529f7fdaf1")]
        [InlineData("sha3:xyz")]
        [InlineData("529f7fdaf1cf46ce3126eb6bbcd3b213c314fe8fe884914f5d1106d4ff")]
        public void Refuses_a_hash_that_is_not_56_hex_digits(string input)
        {
            var ex = Assert.Throws<GolemImageException>(() => ImageQuery.ForHash(input));
            Assert.Equal("InvalidImageHash", ex.ErrorId);
            Assert.Contains(input, ex.Message);
        }

        [Fact]
        public void Writes_the_task_package_as_yapapi_and_golem_js_do()
        {
            Assert.Equal($"hash:sha3:{Hash}:http://registry.golem.network/download/{Hash}", TaskPackage.Format(Hash.ToUpperInvariant(), $"http://registry.golem.network/download/{Hash}"));
            Assert.Throws<ArgumentException>(() => TaskPackage.Format("abc", "http://x/"));
        }

        [Fact]
        public async Task Reports_a_404_as_ImageNotFound_naming_the_tag()
        {
            var ex = await Assert.ThrowsAsync<GolemImageException>(() => Find("alice/none:1", HttpStatusCode.NotFound, "image not found"));
            Assert.Equal("ImageNotFound", ex.ErrorId);
            Assert.Equal(GolemErrorCategory.ObjectNotFound, ex.Category);
            Assert.Contains("tag alice/none:1", ex.Message);
        }

        [Fact]
        public async Task Returns_what_the_registry_says_with_the_hash_in_lower_case()
        {
            RegistryImage image = await Find("golem/alpine:latest", HttpStatusCode.OK, $"{{\"http\":\"http://r/download/{Hash}\",\"https\":\"https://r/download/{Hash}\",\"sha3\":\"{Hash.ToUpperInvariant()}\",\"size\":1234}}");
            Assert.Equal(Hash, image.Sha3Hex);
            Assert.Equal("golem/alpine:latest", image.Tag);
            Assert.Equal(1234, image.Size);
            Assert.Equal($"hash:sha3:{Hash}:http://r/download/{Hash}", image.TaskPackage);
        }

        [Theory]
        [InlineData("{\"http\":\"http://r/d\",\"https\":\"https://r/d\",\"sha3\":\"00112233445566778899aabbccddeeff00112233445566778899aabb\",\"size\":1}", "the image 00112233")]
        [InlineData("{\"http\":\"http://r/d\",\"https\":\"https://r/d\",\"sha3\":\"12\",\"size\":1}", "not a SHA3-224 hash")]
        [InlineData("{\"http\":\"/download/x\",\"https\":\"\",\"sha3\":\"" + Hash + "\",\"size\":1}", "not an absolute http or https URL")]
        [InlineData("<html>gateway</html>", "not the expected JSON")]
        public async Task Refuses_an_answer_that_would_pin_the_wrong_image(string body, string problem)
        {
            var ex = await Assert.ThrowsAsync<GolemImageException>(() => Find(Hash, HttpStatusCode.OK, body));
            Assert.Equal("RegistryProtocolError", ex.ErrorId);
            Assert.Contains(problem, ex.Message);
        }

        private static async Task<RegistryImage> Find(string query, HttpStatusCode status, string body)
        {
            var handler = new StubHandler(status, body);
            using (var client = new GolemRegistryClient(new Uri("http://127.0.0.1:9/"), new RetrySettings { MaximumRetryCount = 0 }, NullReporter.Instance, null, handler))
            {
                RegistryImage image = await RegistryImageFinder.FindAsync(client, ImageQuery.Parse(query), CancellationToken.None);
                Assert.Equal("/v1/image/info?" + ImageQuery.Parse(query).ToInfoQuery(), handler.LastRequest!.PathAndQuery);
                return image;
            }
        }

        private sealed class StubHandler : HttpMessageHandler
        {
            private readonly HttpStatusCode status;
            private readonly string body;

            public StubHandler(HttpStatusCode status, string body)
            {
                this.status = status;
                this.body = body;
            }

            public Uri? LastRequest { get; private set; }

            protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
            {
                LastRequest = request.RequestUri;
                return Task.FromResult(new HttpResponseMessage(status) { Content = new StringContent(body, Encoding.UTF8, "application/json") });
            }
        }
    }
}
