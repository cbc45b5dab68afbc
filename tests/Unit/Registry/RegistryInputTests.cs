using System;
using System.IO;
using System.Threading;
using System.Threading.Tasks;
using GolemImage.Registry;
using Xunit;

namespace GolemImage.Tests.Registry
{
    [Trait(Requires.Key, Requires.Portable)]
    public class RegistryInputTests
    {
        [Theory]
        [InlineData("alice/hello:1.0", "alice", "hello", "1.0")]
        [InlineData("alice/hello", "alice", "hello", "latest")]
        [InlineData("Bob-2/my.app_x:v1_2-rc.3", "Bob-2", "my.app_x", "v1_2-rc.3")]
        public void ImageTag_parses_user_repository_and_tag(string text, string user, string repository, string tag)
        {
            ImageTag parsed = ImageTag.Parse(text);
            Assert.Equal((user, repository, tag), (parsed.User, parsed.Repository, parsed.Tag));
        }

        [Theory]
        [InlineData("hello:1.0")]
        [InlineData("alice/Hello:1")]
        [InlineData("alice/hello:")]
        [InlineData("alice/hello:-x")]
        [InlineData("alice/team/hello:1")]
        [InlineData("/hello:1")]
        [InlineData("alice/hello:1 ")]
        [InlineData("")]
        public void ImageTag_refuses_malformed_tags(string text)
        {
            var error = Assert.Throws<GolemImageException>(() => ImageTag.Parse(text));
            Assert.Equal("InvalidImageTag", error.ErrorId);
            Assert.Contains($"'{text}'", error.Message);
        }

        [Theory]
        [InlineData("https://registry.golem.network", false)]
        [InlineData("http://127.0.0.1:8080", false)]
        [InlineData("http://localhost:8080/", false)]
        [InlineData("http://[::1]:8080/", false)]
        [InlineData("http://registry.example.com", true)]
        public void Plain_http_is_allowed_for_loopback_or_by_explicit_opt_in(string url, bool allowInsecure)
        {
            Assert.NotNull(RegistryPublisher.ValidateRegistryUrl(url, allowInsecure));
        }

        [Theory]
        [InlineData("http://registry.example.com", "InsecureRegistryUrl")]
        [InlineData("http://10.0.0.5:8000", "InsecureRegistryUrl")]
        [InlineData("ftp://registry.golem.network", "InvalidRegistryUrl")]
        [InlineData("registry.golem.network", "InvalidRegistryUrl")]
        public void Other_registry_urls_are_refused(string url, string errorId)
        {
            var error = Assert.Throws<GolemImageException>(() => RegistryPublisher.ValidateRegistryUrl(url, false));
            Assert.Equal(errorId, error.ErrorId);
        }

        [Fact]
        public async Task Publishing_a_file_that_is_not_a_gvmi_fails_before_the_registry_is_contacted()
        {
            using (var temp = new TempDirectory())
            {
                string path = temp.Combine("data.gvmi");
                File.WriteAllBytes(path, new byte[100_000]);
                // Nothing listens on port 9: reaching the registry would fail with RegistryUnavailable instead.
                var request = new PublishRequest(path, new Uri("http://127.0.0.1:9/")) { Retry = new RetrySettings { MaximumRetryCount = 0 } };
                var error = await Assert.ThrowsAsync<GolemImageException>(() => RegistryPublisher.PublishAsync(request, new RecordingReporter(), CancellationToken.None));
                Assert.Equal("GvmiTrailerLengthInvalid", error.ErrorId);
                Assert.Equal(path, error.Target);
                Assert.False(File.Exists(path + ".descr.bin"));
            }
        }

        [Fact]
        public void A_credential_shows_the_user_never_the_token()
        {
            Assert.Equal("alice", new RegistryCredential("alice", "pat-123").ToString());
        }
    }
}
