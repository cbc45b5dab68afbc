using System;
using System.IO;
using System.Linq;
using System.Net;
using System.Net.Sockets;
using System.Threading;
using System.Threading.Tasks;
using GolemImage.Hashing;
using GolemImage.Registry;
using GolemImage.Reporting;
using Xunit;

namespace GolemImage.Tests.Registry
{
    /// <summary>
    /// The downloader behind Save-GolemImage against servers that misbehave in ways the registry test server does not:
    /// ignoring Range, promising another length, sending too much. The Pester suite covers the registry's own behaviour.
    /// </summary>
    [Trait(Requires.Key, Requires.Portable)]
    public class ImageDownloaderTests
    {
        private static readonly byte[] Image = Enumerable.Range(0, 300_000).Select(i => (byte)(i * 7 + (i >> 9))).ToArray();
        private static readonly string ImageHash = HexString.Lower(Sha3_224.HashData(Image));

        [Fact]
        public void Names_files_like_ConvertTo_with_the_image_hash()
        {
            Assert.Equal("golem-alpine-latest-" + ImageHash.Substring(0, 10) + ".gvmi", ImageDownloader.DefaultFileName("golem/alpine:latest", ImageHash));
            Assert.Equal("image-" + ImageHash.Substring(0, 10) + ".gvmi", ImageDownloader.DefaultFileName(null, ImageHash));
            Assert.Equal("/x/a.gvmi." + ImageHash.Substring(0, 12) + ".partial", ImageDownloader.PartialPath("/x/a.gvmi", ImageHash));
        }

        [Fact]
        public async Task Starts_over_when_the_server_ignores_Range_and_still_verifies_the_whole_file()
        {
            using (var temp = new TempDirectory())
            using (var server = new Server(Image, ranges: false))
            {
                string output = temp.Combine("image.gvmi");
                File.WriteAllBytes(ImageDownloader.PartialPath(output, ImageHash), Image.Take(1000).Select(b => (byte)~b).ToArray());
                var reporter = new RecordingReporter();

                DownloadResult result = await ImageDownloader.DownloadAsync(Request(server, output), reporter, 1, CancellationToken.None);

                Assert.Equal(Image, File.ReadAllBytes(output));
                Assert.Equal(0, result.BytesResumed);
                Assert.Contains(reporter.VerboseMessages, m => m.Contains("does not take Range requests"));
                Assert.False(File.Exists(ImageDownloader.PartialPath(output, ImageHash)));
            }
        }

        [Fact]
        public async Task Resumes_from_a_partial_file_by_asking_for_the_rest_only()
        {
            using (var temp = new TempDirectory())
            using (var server = new Server(Image, ranges: true))
            {
                string output = temp.Combine("image.gvmi");
                File.WriteAllBytes(ImageDownloader.PartialPath(output, ImageHash), Image.Take(123_456).ToArray());

                DownloadResult result = await ImageDownloader.DownloadAsync(Request(server, output), NullReporter.Instance, 1, CancellationToken.None);

                Assert.Equal(Image, File.ReadAllBytes(output));
                Assert.Equal(123_456, result.BytesResumed);
                Assert.Equal(Image.Length - 123_456, result.BytesDownloaded);
                Assert.Equal("bytes=123456-", server.Ranges.Single());
            }
        }

        [Fact]
        public async Task Refuses_a_server_that_serves_another_length_than_the_registry_names()
        {
            using (var temp = new TempDirectory())
            using (var server = new Server(Image, ranges: true))
            {
                string output = temp.Combine("image.gvmi");
                var request = new DownloadRequest(server.Url, ImageHash, Image.Length + 1, output) { Retry = NoRetries };

                var ex = await Assert.ThrowsAsync<GolemImageException>(() => ImageDownloader.DownloadAsync(request, NullReporter.Instance, 1, CancellationToken.None));

                Assert.Equal("DownloadSizeMismatch", ex.ErrorId);
                Assert.Empty(Directory.GetFileSystemEntries(temp.Path));
            }
        }

        [Fact]
        public async Task Deletes_a_file_with_another_hash_and_never_creates_the_output()
        {
            using (var temp = new TempDirectory())
            using (var server = new Server(Image, ranges: true))
            {
                string output = temp.Combine("image.gvmi");
                string wrongHash = new string('0', 56);
                var request = new DownloadRequest(server.Url, wrongHash, Image.Length, output) { Retry = NoRetries };

                var ex = await Assert.ThrowsAsync<GolemImageException>(() => ImageDownloader.DownloadAsync(request, NullReporter.Instance, 1, CancellationToken.None));

                Assert.Equal("HashMismatch", ex.ErrorId);
                Assert.Contains(ImageHash, ex.Message);
                Assert.Empty(Directory.GetFileSystemEntries(temp.Path));
            }
        }

        [Fact]
        public async Task Reports_a_missing_download_as_DownloadNotFound_without_retrying()
        {
            using (var temp = new TempDirectory())
            using (var server = new Server(Image, ranges: true) { NotFound = true })
            {
                var ex = await Assert.ThrowsAsync<GolemImageException>(() => ImageDownloader.DownloadAsync(Request(server, temp.Combine("x.gvmi")), NullReporter.Instance, 1, CancellationToken.None));

                Assert.Equal("DownloadNotFound", ex.ErrorId);
                Assert.Equal(1, server.Requests);
                Assert.Empty(Directory.GetFileSystemEntries(temp.Path));
            }
        }

        [Fact]
        public async Task Keeps_an_existing_file_with_the_hash_and_refuses_another_without_Force()
        {
            using (var temp = new TempDirectory())
            using (var server = new Server(Image, ranges: true))
            {
                string output = temp.Combine("image.gvmi");
                File.WriteAllBytes(output, Image);
                DownloadResult kept = await ImageDownloader.DownloadAsync(Request(server, output), NullReporter.Instance, 1, CancellationToken.None);
                Assert.True(kept.AlreadyPresent);
                Assert.Equal(0, server.Requests);

                File.WriteAllText(output, "mine");
                var ex = await Assert.ThrowsAsync<GolemImageException>(() => ImageDownloader.DownloadAsync(Request(server, output), NullReporter.Instance, 1, CancellationToken.None));
                Assert.Equal("OutputExists", ex.ErrorId);
                Assert.Equal("mine", File.ReadAllText(output));
            }
        }

        private static RetrySettings NoRetries => new RetrySettings { MaximumRetryCount = 0, RequestTimeout = TimeSpan.FromSeconds(20) };

        private static DownloadRequest Request(Server server, string output) =>
            new DownloadRequest(server.Url, ImageHash, Image.Length, output) { Retry = new RetrySettings { MaximumRetryCount = 2, InitialDelay = TimeSpan.Zero, RequestTimeout = TimeSpan.FromSeconds(20) } };

        /// <summary>HttpListener serving one file, with or without Range support, or answering 404.</summary>
        private sealed class Server : IDisposable
        {
            private readonly HttpListener listener = new HttpListener();
            private readonly byte[] body;
            private readonly bool ranges;
            private int requests;

            public Server(byte[] body, bool ranges)
            {
                this.body = body;
                this.ranges = ranges;
                var probe = new TcpListener(IPAddress.Loopback, 0);
                probe.Start();
                int port = ((IPEndPoint)probe.LocalEndpoint).Port;
                probe.Stop();
                listener.Prefixes.Add($"http://127.0.0.1:{port}/");
                listener.Start();
                Url = new Uri($"http://127.0.0.1:{port}/image.gvmi");
                Task.Run(ServeAsync);
            }

            public Uri Url { get; }

            public bool NotFound { get; set; }

            public int Requests => Volatile.Read(ref requests);

            public System.Collections.Concurrent.ConcurrentQueue<string> Ranges { get; } = new System.Collections.Concurrent.ConcurrentQueue<string>();

            public void Dispose() => listener.Close();

            private async Task ServeAsync()
            {
                while (listener.IsListening)
                {
                    HttpListenerContext context;
                    try
                    {
                        context = await listener.GetContextAsync();
                    }
                    catch (Exception)
                    {
                        return;
                    }

                    Interlocked.Increment(ref requests);
                    HttpListenerResponse response = context.Response;
                    try
                    {
                        if (NotFound)
                        {
                            response.StatusCode = 404;
                            response.Close();
                            continue;
                        }

                        long from = 0;
                        string? range = context.Request.Headers["Range"];
                        if (range != null)
                        {
                            Ranges.Enqueue(range);
                        }

                        if (ranges)
                        {
                            response.AddHeader("Accept-Ranges", "bytes");
                            if (range != null && range.StartsWith("bytes=", StringComparison.Ordinal) && range.EndsWith("-", StringComparison.Ordinal))
                            {
                                from = long.Parse(range.Substring(6, range.Length - 7));
                                response.StatusCode = 206;
                                response.AddHeader("Content-Range", $"bytes {from}-{body.Length - 1}/{body.Length}");
                            }
                        }

                        response.ContentLength64 = body.Length - from;
                        if (context.Request.HttpMethod != "HEAD")
                        {
                            await response.OutputStream.WriteAsync(body, (int)from, body.Length - (int)from);
                        }

                        response.Close();
                    }
                    catch (Exception)
                    {
                        response.Abort();
                    }
                }
            }
        }
    }
}
