using GolemImage.Sources;
using Xunit;

namespace GolemImage.Tests.Sources
{
    [Trait(Requires.Key, Requires.Portable)]
    public class ImageReferenceTests
    {
        [Theory]
        [InlineData("alpine", "docker.io", "library/alpine", "latest", null, "alpine:latest")]
        [InlineData("alpine:3.20", "docker.io", "library/alpine", "3.20", null, "alpine:3.20")]
        [InlineData("docker.io/library/alpine:3.20", "docker.io", "library/alpine", "3.20", null, "alpine:3.20")]
        [InlineData("index.docker.io/golem/app", "docker.io", "golem/app", "latest", null, "golem/app:latest")]
        [InlineData("127.0.0.1:5000/team/app:1.0", "127.0.0.1:5000", "team/app", "1.0", null, "127.0.0.1:5000/team/app:1.0")]
        [InlineData("localhost/app", "localhost", "app", "latest", null, "localhost/app:latest")]
        [InlineData("ghcr.io/o/r@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef", "ghcr.io", "o/r", null, "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef", "ghcr.io/o/r@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef")]
        public void ParsesLikeTheDockerCli(string text, string registry, string repository, string? tag, string? digest, string familiar)
        {
            ImageReference reference = ImageReference.Parse(text);
            Assert.Equal(registry, reference.Registry);
            Assert.Equal(repository, reference.Repository);
            Assert.Equal(tag, reference.Tag);
            Assert.Equal(digest, reference.Digest);
            Assert.Equal(familiar, reference.ToString());
        }

        [Theory]
        [InlineData("")]
        [InlineData("Alpine")]
        [InlineData("alpine:")]
        [InlineData("a//b")]
        [InlineData("alpine@sha256:abc")]
        [InlineData(" alpine")]
        public void RefusesMalformedReferencesWithAClearError(string text)
        {
            var error = Assert.Throws<GolemImageException>(() => ImageReference.Parse(text));
            Assert.Equal("InvalidImageReference", error.ErrorId);
        }

        [Theory]
        [InlineData("e9357670ab70", true)]
        [InlineData("sha256:e9357670ab70363def65d551c6e85951cfdaccbe60e64fd7ab0b20c63d44d58a", true)]
        [InlineData("e9357670ab7", false)]
        [InlineData("alpine", false)]
        public void RecognisesImageIds(string text, bool isId) => Assert.Equal(isId, ImageReference.LooksLikeImageId(text));

        [Fact]
        public void PlatformsMatchWithAliasesAndDefaultVariants()
        {
            Assert.True(ImagePlatform.Parse("linux/amd64").Matches(new ImagePlatform("linux", "x86_64", null)));
            Assert.True(ImagePlatform.Parse("linux/arm64/v8").Matches(new ImagePlatform("linux", "aarch64", null)));
            Assert.False(ImagePlatform.Parse("linux/amd64").Matches(new ImagePlatform("linux", "arm64", null)));
            Assert.False(ImagePlatform.Parse("linux/arm/v7").Matches(new ImagePlatform("linux", "arm", "v6")));
            Assert.Equal("InvalidPlatform", Assert.Throws<GolemImageException>(() => ImagePlatform.Parse("amd64")).ErrorId);
        }

        [Fact]
        public void ParsesDockerHubBearerChallenges()
        {
            var parameters = OciRegistrySource.ParseChallenge("realm=\"https://auth.docker.io/token\",service=\"registry.docker.io\",scope=\"repository:library/alpine:pull\"");
            Assert.Equal("https://auth.docker.io/token", parameters["realm"]);
            Assert.Equal("registry.docker.io", parameters["service"]);
            Assert.Equal("repository:library/alpine:pull", parameters["scope"]);
        }

        [Theory]
        [InlineData("127.0.0.1:5000", true)]
        [InlineData("localhost:5000", true)]
        [InlineData("[::1]:5000", true)]
        [InlineData("registry.example.com", false)]
        [InlineData("10.0.0.1:5000", false)]
        public void OnlyLoopbackRegistriesGetPlainHttp(string registry, bool loopback) => Assert.Equal(loopback, OciRegistrySource.IsLoopback(registry));

        [Fact]
        public void ReadsDockerConfigAuthsForTheRightRegistry()
        {
            string path = System.IO.Path.GetTempFileName();
            try
            {
                System.IO.File.WriteAllText(path, "{\"auths\":{\"https://index.docker.io/v1/\":{\"auth\":\"" + System.Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes("hubuser:hub:pass")) + "\"},\"127.0.0.1:5000\":{\"auth\":\"" + System.Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes("local:secret")) + "\"}}}");
                RegistryCredential? hub = DockerConfigCredentials.Find("docker.io", path);
                Assert.Equal("hubuser", hub!.UserName);
                Assert.Equal("hub:pass", hub.Password);
                Assert.Equal("local", DockerConfigCredentials.Find("127.0.0.1:5000", path)!.UserName);
                Assert.Null(DockerConfigCredentials.Find("ghcr.io", path));
            }
            finally
            {
                System.IO.File.Delete(path);
            }
        }
    }
}
