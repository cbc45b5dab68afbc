using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.IO;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Threading;
using System.Threading.Tasks;

namespace GolemImage.Tests
{
    /// <summary>A request as <see cref="FakeHttpServer"/> saw it.</summary>
    internal sealed class FakeHttpRequest
    {
        public string Method { get; init; } = string.Empty;

        public string Target { get; init; } = string.Empty;

        public Dictionary<string, string> Headers { get; init; } = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);

        /// <summary>The path without the query, unescaped.</summary>
        public string Path => Uri.UnescapeDataString(Target.Split('?')[0]);
    }

    /// <summary>An answer of <see cref="FakeHttpServer"/>.</summary>
    internal sealed class FakeHttpResponse
    {
        public int Status { get; init; } = 200;

        public string Reason { get; init; } = "OK";

        public Dictionary<string, string> Headers { get; init; } = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);

        public byte[] Body { get; init; } = Array.Empty<byte>();

        /// <summary>Send no Content-Length: the body ends when the connection closes (as HTTP/1.1 allows).</summary>
        public bool WithoutLength { get; init; }

        public static FakeHttpResponse Json(string json, int status = 200) => new FakeHttpResponse
        {
            Status = status,
            Reason = status == 200 ? "OK" : "Status",
            Headers = { ["Content-Type"] = "application/json" },
            Body = Encoding.UTF8.GetBytes(json),
        };

        public static FakeHttpResponse NotFound() => Json("{\"message\":\"not found\",\"errors\":[{\"code\":\"MANIFEST_UNKNOWN\"}]}", 404);
    }

    /// <summary>
    /// A minimal HTTP/1.1 server on a loopback TCP port or a unix socket, one request per connection, for fakes that
    /// must speak the real protocol to real clients (Docker.DotNet, HttpClient): a Docker engine's /version, a
    /// registry that has or lacks an image, a proxy that wants credentials.
    /// </summary>
    internal sealed class FakeHttpServer : IDisposable
    {
        private readonly Socket listener;
        private readonly Func<FakeHttpRequest, FakeHttpResponse> handler;
        private readonly CancellationTokenSource stop = new CancellationTokenSource();
        private readonly Task accepting;
        private X509Certificate2? certificate;
        private X509Certificate2? clientAuthority;

        private FakeHttpServer(Socket listener, Func<FakeHttpRequest, FakeHttpResponse> handler)
        {
            this.listener = listener;
            this.handler = handler;
            accepting = Task.Run(AcceptAsync);
        }

        public ConcurrentQueue<FakeHttpRequest> Requests { get; } = new ConcurrentQueue<FakeHttpRequest>();

        public int Port => ((IPEndPoint)listener.LocalEndPoint!).Port;

        public string? SocketPath { get; private set; }

        public static FakeHttpServer OnTcp(Func<FakeHttpRequest, FakeHttpResponse> handler)
        {
            var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
            socket.Listen(16);
            return new FakeHttpServer(socket, handler);
        }

        /// <summary>An https server with <paramref name="certificate"/>; with <paramref name="clientAuthority"/>, only clients whose certificate it signed get an answer.</summary>
        public static FakeHttpServer OnTcpTls(X509Certificate2 certificate, X509Certificate2? clientAuthority, Func<FakeHttpRequest, FakeHttpResponse> handler)
        {
            FakeHttpServer server = OnTcp(handler);
            server.certificate = certificate;
            server.clientAuthority = clientAuthority;
            return server;
        }

        public static FakeHttpServer OnUnixSocket(string path, Func<FakeHttpRequest, FakeHttpResponse> handler)
        {
            Directory.CreateDirectory(System.IO.Path.GetDirectoryName(path)!);
            var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
            socket.Bind(new UnixDomainSocketEndPoint(path));
            socket.Listen(16);
            return new FakeHttpServer(socket, handler) { SocketPath = path };
        }

        /// <summary>A fake Docker engine answering /version for <paramref name="os"/>, and image inspects from <paramref name="images"/>.</summary>
        public static Func<FakeHttpRequest, FakeHttpResponse> DockerEngine(string os, IDictionary<string, string>? images = null) => request =>
        {
            if (request.Path.EndsWith("/version", StringComparison.Ordinal))
            {
                return FakeHttpResponse.Json($"{{\"Version\":\"27.0.0-fake\",\"ApiVersion\":\"1.46\",\"Os\":\"{os}\",\"Arch\":\"amd64\"}}");
            }

            if (request.Path.StartsWith("/images/", StringComparison.Ordinal) && request.Path.EndsWith("/json", StringComparison.Ordinal))
            {
                string name = request.Path.Substring("/images/".Length, request.Path.Length - "/images/".Length - "/json".Length);
                return images != null && images.TryGetValue(name, out string? inspect)
                    ? FakeHttpResponse.Json(inspect)
                    : FakeHttpResponse.Json($"{{\"message\":\"No such image: {name}\"}}", 404);
            }

            return FakeHttpResponse.Json("{\"message\":\"the fake engine does not serve " + request.Path + "\"}", 500);
        };

        public void Dispose()
        {
            stop.Cancel();
            listener.Dispose();
            try
            {
                accepting.Wait(TimeSpan.FromSeconds(5));
            }
            catch (AggregateException)
            {
            }

            if (SocketPath != null)
            {
                File.Delete(SocketPath);
            }
        }

        private async Task AcceptAsync()
        {
            while (!stop.IsCancellationRequested)
            {
                Socket client;
                try
                {
                    client = await listener.AcceptAsync(stop.Token);
                }
                catch (Exception)
                {
                    return;
                }

                _ = Task.Run(() => ServeAsync(client));
            }
        }

        private async Task ServeAsync(Socket client)
        {
            using (client)
            using (var network = new NetworkStream(client, ownsSocket: false))
            {
                try
                {
                    Stream stream = network;
                    if (certificate != null)
                    {
                        X509Certificate2? authority = clientAuthority;
                        var ssl = new SslStream(network, false, (sender, presented, chain, errors) =>
                        {
                            if (authority == null)
                            {
                                return true;
                            }

                            if (presented == null)
                            {
                                return false;
                            }

                            using var own = new X509Chain();
                            own.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
                            own.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
                            own.ChainPolicy.CustomTrustStore.Add(authority);
                            return own.Build(new X509Certificate2(presented));
                        });
                        await ssl.AuthenticateAsServerAsync(certificate, clientCertificateRequired: authority != null, checkCertificateRevocation: false);
                        stream = ssl;
                    }

                    FakeHttpRequest? request = await ReadRequestAsync(stream);
                    if (request == null)
                    {
                        return;
                    }

                    Requests.Enqueue(request);
                    FakeHttpResponse response = handler(request);
                    var head = new StringBuilder();
                    head.Append("HTTP/1.1 ").Append(response.Status).Append(' ').Append(response.Reason).Append("\r\n");
                    foreach (KeyValuePair<string, string> header in response.Headers)
                    {
                        head.Append(header.Key).Append(": ").Append(header.Value).Append("\r\n");
                    }

                    if (!response.WithoutLength)
                    {
                        head.Append("Content-Length: ").Append(response.Body.Length).Append("\r\n");
                    }

                    head.Append("Connection: close\r\n\r\n");
                    byte[] bytes = Encoding.ASCII.GetBytes(head.ToString());
                    await stream.WriteAsync(bytes);
                    await stream.WriteAsync(response.Body);
                    await stream.FlushAsync();
                    client.Shutdown(SocketShutdown.Send);
                }
                catch (Exception ex) when (ex is IOException || ex is SocketException || ex is ObjectDisposedException || ex is System.Security.Authentication.AuthenticationException)
                {
                }
            }
        }

        private static async Task<FakeHttpRequest?> ReadRequestAsync(Stream stream)
        {
            var buffer = new List<byte>();
            var one = new byte[1];
            while (true)
            {
                int read = await stream.ReadAsync(one);
                if (read == 0)
                {
                    return null;
                }

                buffer.Add(one[0]);
                int n = buffer.Count;
                // Docker.DotNet ends its header lines with a bare LF, as HTTP parsers must accept.
                if (n >= 2 && buffer[n - 1] == '\n' && (buffer[n - 2] == '\n' || (n >= 4 && buffer[n - 2] == '\r' && buffer[n - 3] == '\n')))
                {
                    break;
                }
            }

            string[] lines = Encoding.ASCII.GetString(buffer.ToArray()).Replace("\r", string.Empty).Split('\n');
            string[] first = lines[0].Split(' ');
            var request = new FakeHttpRequest { Method = first[0], Target = first.Length > 1 ? first[1] : "/" };
            foreach (string line in lines[1..])
            {
                int colon = line.IndexOf(':');
                if (colon > 0)
                {
                    request.Headers[line.Substring(0, colon).Trim()] = line.Substring(colon + 1).Trim();
                }
            }

            if (request.Headers.TryGetValue("Content-Length", out string? length) && int.TryParse(length, out int count))
            {
                var body = new byte[count];
                int at = 0;
                while (at < count)
                {
                    int read = await stream.ReadAsync(body.AsMemory(at));
                    if (read == 0)
                    {
                        break;
                    }

                    at += read;
                }
            }

            return request;
        }
    }
}
