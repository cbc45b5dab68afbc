using System;
using System.IO;
using System.Net;
using System.Net.Sockets;
using System.Threading;
using System.Threading.Tasks;
using GolemImage.Registry;
using GolemImage.Reporting;
using GolemImage.Squashfs.Reading;
using Xunit;

namespace GolemImage.Tests.Registry
{
    /// <summary>The engine side of Test-GolemImage -Url; the Pester suite runs it against real web servers.</summary>
    public class HostedImageCheckTests
    {
        [Theory]
        [InlineData("ftp://127.0.0.1/image.gvmi")]
        [InlineData("file:///tmp/image.gvmi")]
        public async Task Refuses_a_URL_providers_cannot_download_from(string url)
        {
            var ex = await Assert.ThrowsAsync<GolemImageException>(() => HostedImageCheck.CheckAsync("unused.gvmi", new Uri(url), NullReporter.Instance, CancellationToken.None));

            Assert.Equal("InvalidUrl", ex.ErrorId);
            Assert.Contains(url, ex.Message);
        }

        [Fact]
        public async Task Reports_a_refused_connection_as_a_failed_head_and_skips_the_rest()
        {
            using (var temp = new TempDirectory())
            {
                string image = Path.Combine(temp.Path, "image.gvmi");
                File.WriteAllBytes(image, new byte[] { 1, 2, 3 });
                var listener = new TcpListener(IPAddress.Loopback, 0);
                listener.Start();
                int port = ((IPEndPoint)listener.LocalEndpoint).Port;
                listener.Stop();

                var findings = await HostedImageCheck.CheckAsync(image, new Uri($"http://127.0.0.1:{port}/image.gvmi"), NullReporter.Instance, CancellationToken.None);

                Assert.Collection(
                    findings,
                    f => Assert.Equal(("Url.Head", ValidationResult.Failed), (f.Check, f.Result)),
                    f => Assert.Equal(("Url.Size", ValidationResult.Skipped), (f.Check, f.Result)),
                    f => Assert.Equal(("Url.Ranges", ValidationResult.Skipped), (f.Check, f.Result)),
                    f => Assert.Equal(("Url.Content", ValidationResult.Skipped), (f.Check, f.Result)));
                Assert.StartsWith($"HEAD http://127.0.0.1:{port}/image.gvmi failed: ", findings[0].Message);
            }
        }
    }
}
