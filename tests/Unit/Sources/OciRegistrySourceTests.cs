using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Threading;
using System.Threading.Tasks;
using GolemImage.Sources;
using Xunit;

namespace GolemImage.Tests.Sources
{
    /// <summary>What the registry source does when the network, not the registry, misbehaves (the registry itself is tested in Pester).</summary>
    [Trait(Requires.Key, Requires.Portable)]
    public sealed class OciRegistrySourceTests
    {
        [Fact]
        public async Task A_registry_that_accepts_the_connection_but_never_answers_is_given_up_after_the_response_timeout()
        {
            var listener = new TcpListener(IPAddress.Loopback, 0);
            listener.Start();
            var held = new List<TcpClient>();
            Task accepting = Task.Run(async () =>
            {
                // Accept and read nothing, answer nothing: a black hole behind a live socket.
                while (true)
                {
                    try
                    {
                        held.Add(await listener.AcceptTcpClientAsync());
                    }
                    catch (Exception)
                    {
                        return;
                    }
                }
            });
            try
            {
                int port = ((IPEndPoint)listener.LocalEndpoint).Port;
                var clock = Stopwatch.StartNew();
                var error = await Assert.ThrowsAsync<GolemImageException>(() => OciRegistrySource.OpenAsync(
                    $"127.0.0.1:{port}/golemimage/silent:1.0", ImagePlatform.LinuxAmd64, false, new RegistryCredential("u", "p"), false, new RecordingReporter(), TimeSpan.FromSeconds(1), CancellationToken.None));
                Assert.Equal("RegistryUnavailable", error.ErrorId);
                Assert.Equal(GolemErrorCategory.ConnectionError, error.Category);
                Assert.Contains($"127.0.0.1:{port} did not answer within 1 s", error.Message, StringComparison.Ordinal);
                Assert.True(clock.Elapsed < TimeSpan.FromSeconds(15), $"took {clock.Elapsed}");
                Assert.NotEmpty(held);
            }
            finally
            {
                listener.Stop();
                await accepting;
                held.ForEach(client => client.Dispose());
            }
        }
    }
}
