using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using GolemImage.Registry;
using GolemImage.Reporting;
using GolemImage.Squashfs.Reading;
using Xunit;

namespace GolemImage.Tests.Registry
{
    /// <summary>The engine side of Test-GolemImage -Url; the Pester suite runs it against real web servers.</summary>
    [Trait(Requires.Key, Requires.Portable)]
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

        [Fact]
        public async Task Fails_a_download_the_server_stops_sending_without_waiting_forever()
        {
            using (var temp = new TempDirectory())
            {
                byte[] image = MakeImage(temp, out string path);
                using (var server = new PacedServer(image, pieces: 2, pause: TimeSpan.FromMinutes(10)))
                {
                    var clock = System.Diagnostics.Stopwatch.StartNew();
                    var check = HostedImageCheck.CheckAsync(path, server.Url, NullReporter.Instance, TimeSpan.FromSeconds(2), CancellationToken.None);
                    Assert.Same(check, await Task.WhenAny(check, Task.Delay(TimeSpan.FromSeconds(60))));
                    var findings = await check;

                    Assert.True(clock.Elapsed.TotalSeconds >= 1.9, "gave up before the limit");
                    Assert.Equal(new[] { "Url.Head", "Url.Size", "Url.Ranges" }, findings.Take(3).Select(f => f.Check + (f.Result == ValidationResult.Passed ? string.Empty : " " + f.Result)));
                    Assert.Equal(("Url.Content", ValidationResult.Failed), (findings[3].Check, findings[3].Result));
                    Assert.Equal($"The download from {server.Url} broke off: the server sent nothing for 2 s.", findings[3].Message);
                }
            }
        }

        [Fact]
        public async Task Waits_on_a_slow_download_that_keeps_sending()
        {
            using (var temp = new TempDirectory())
            {
                byte[] image = MakeImage(temp, out string path);

                // Four pauses of 0.7 s: more than the quiet limit in all, never the limit at once.
                using (var server = new PacedServer(image, pieces: 5, pause: TimeSpan.FromMilliseconds(700)))
                {
                    var findings = await HostedImageCheck.CheckAsync(path, server.Url, NullReporter.Instance, TimeSpan.FromSeconds(2), CancellationToken.None);

                    Assert.All(findings, f => Assert.Equal(ValidationResult.Passed, f.Result));
                    Assert.Equal("Url.Content", findings[3].Check);
                }
            }
        }

        private static byte[] MakeImage(TempDirectory temp, out string path)
        {
            byte[] image = new byte[100000];
            new Random(7).NextBytes(image);
            path = Path.Combine(temp.Path, "image.gvmi");
            File.WriteAllBytes(path, image);
            return image;
        }

        /// <summary>
        /// An HTTP/1.1 server that answers HEAD at once and sends a GET's body in equal pieces with a pause between
        /// them (the last pause may outlast the test: the connection is closed on dispose). Its own threads, not the
        /// thread pool, so a busy test run cannot stretch the pauses.
        /// </summary>
        private sealed class PacedServer : IDisposable
        {
            private readonly TcpListener _listener = new TcpListener(IPAddress.Loopback, 0);
            private readonly byte[] _body;
            private readonly int _pieces;
            private readonly TimeSpan _pause;
            private readonly ManualResetEvent _stop = new ManualResetEvent(false);
            private readonly List<TcpClient> _clients = new List<TcpClient>();

            public PacedServer(byte[] body, int pieces, TimeSpan pause)
            {
                _body = body;
                _pieces = pieces;
                _pause = pause;
                _listener.Start();
                Url = new Uri($"http://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}/image.gvmi");
                new Thread(Accept) { IsBackground = true }.Start();
            }

            public Uri Url { get; }

            public void Dispose()
            {
                _stop.Set();
                _listener.Stop();
                lock (_clients)
                {
                    _clients.ForEach(c => c.Dispose());
                }
            }

            private void Accept()
            {
                while (true)
                {
                    TcpClient client;
                    try
                    {
                        client = _listener.AcceptTcpClient();
                    }
                    catch (Exception ex) when (ex is SocketException || ex is ObjectDisposedException || ex is InvalidOperationException)
                    {
                        return;
                    }

                    lock (_clients)
                    {
                        _clients.Add(client);
                    }

                    new Thread(() => Serve(client)) { IsBackground = true }.Start();
                }
            }

            private void Serve(TcpClient client)
            {
                try
                {
                    NetworkStream stream = client.GetStream();
                    var request = new StringBuilder();
                    byte[] buffer = new byte[4096];
                    while (!request.ToString().Contains("\r\n\r\n"))
                    {
                        int read = stream.Read(buffer, 0, buffer.Length);
                        if (read == 0)
                        {
                            return;
                        }

                        request.Append(Encoding.ASCII.GetString(buffer, 0, read));
                    }

                    byte[] headers = Encoding.ASCII.GetBytes($"HTTP/1.1 200 OK\r\nContent-Length: {_body.Length}\r\nAccept-Ranges: bytes\r\nConnection: close\r\n\r\n");
                    stream.Write(headers, 0, headers.Length);
                    if (request.ToString().StartsWith("GET ", StringComparison.Ordinal))
                    {
                        int piece = (_body.Length + _pieces - 1) / _pieces;
                        for (int offset = 0; offset < _body.Length; offset += piece)
                        {
                            if (offset > 0 && _stop.WaitOne(_pause))
                            {
                                return;
                            }

                            stream.Write(_body, offset, Math.Min(piece, _body.Length - offset));
                        }
                    }

                    client.Dispose();
                }
                catch (Exception ex) when (ex is IOException || ex is ObjectDisposedException || ex is SocketException)
                {
                    // The client gave up (the stalled download) or the test ended.
                }
            }
        }
    }
}
