using System;
using System.Collections.Generic;
using System.Linq;
using System.Net;
using System.Net.Http;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using GolemImage.Registry;
using GolemImage.Reporting;
using Xunit;

namespace GolemImage.Tests
{
    /// <summary>
    /// Corporate proxies: the proxy variables on both builds, this account's default credentials for the system proxy,
    /// and a 407 that is a clear ProxyAuthenticationRequired, not a retried or mislabelled failure. The proxy here is a
    /// real HTTP proxy on 127.0.0.1 that wants Basic credentials and forwards to an origin server.
    /// </summary>
    [Trait(Requires.Key, Requires.Portable)]
    public sealed class HttpProxyTests : IDisposable
    {
        private const string User = "alice";
        private const string Password = "s3cret:/@";
        private readonly FakeHttpServer origin = FakeHttpServer.OnTcp(_ => new FakeHttpResponse { Body = Encoding.UTF8.GetBytes("hello from the origin") });
        private readonly FakeHttpServer proxy;

        public HttpProxyTests()
        {
            string expected = "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes(User + ":" + Password));
            proxy = FakeHttpServer.OnTcp(request =>
            {
                if (!request.Headers.TryGetValue("Proxy-Authorization", out string? given) || given != expected)
                {
                    return new FakeHttpResponse { Status = 407, Reason = "Proxy Authentication Required", Headers = { ["Proxy-Authenticate"] = "Basic realm=\"corp\"" } };
                }

                // A forward proxy gets the absolute URI; every host is the origin here.
                var target = new Uri(request.Target);
                using var direct = new HttpClient(new HttpClientHandler { UseProxy = false });
                byte[] body = direct.GetByteArrayAsync($"http://127.0.0.1:{origin.Port}{target.PathAndQuery}").GetAwaiter().GetResult();
                return new FakeHttpResponse { Body = body };
            });
        }

        public void Dispose()
        {
            proxy.Dispose();
            origin.Dispose();
        }

        private Func<string, string?> Environment(string? userInfo, string variable = "HTTP_PROXY") =>
            name => name == variable ? $"http://{userInfo}127.0.0.1:{proxy.Port}" : null;

        [Fact]
        public async Task Credentials_in_the_proxy_url_answer_the_proxys_407_and_the_request_goes_through()
        {
            using var http = new HttpClient(HttpHandlers.Create(null, Environment($"{User}:{Uri.EscapeDataString(Password)}@")));
            Assert.Equal("hello from the origin", await http.GetStringAsync("http://registry.corp.example/v2/"));
            FakeHttpRequest[] seen = proxy.Requests.ToArray();
            Assert.Equal(2, seen.Length);
            Assert.False(seen[0].Headers.ContainsKey("Proxy-Authorization"));
            Assert.Equal("http://registry.corp.example/v2/", seen[1].Target);
        }

        [Theory]
        [InlineData(null)]
        [InlineData("alice:wrong@")]
        public async Task A_407_is_ProxyAuthenticationRequired_saying_how_to_give_credentials(string? userInfo)
        {
            using var http = new HttpClient(HttpHandlers.Create(null, Environment(userInfo)));
            var error = await Assert.ThrowsAsync<GolemImageException>(() => http.GetStringAsync("http://registry.corp.example/v2/"));
            Assert.Equal(ErrorIds.ProxyAuthenticationRequired, error.ErrorId);
            Assert.Contains($"127.0.0.1:{proxy.Port}", error.Message);
            Assert.Contains("Basic", error.Message);
            Assert.Contains("HTTPS_PROXY = 'http://user:password@", error.Message);
        }

        [Fact]
        public async Task The_golem_registry_client_does_not_retry_a_407()
        {
            using var client = new GolemRegistryClient(new Uri("http://registry.corp.example/"), new RetrySettings { MaximumRetryCount = 3 }, NullReporter.Instance, null, HttpHandlers.Create(null, Environment(null)));
            var error = await Assert.ThrowsAsync<GolemImageException>(() => client.GetImageInfoAsync(new string('a', 56), CancellationToken.None));
            Assert.Equal(ErrorIds.ProxyAuthenticationRequired, error.ErrorId);
            Assert.Single(proxy.Requests);
        }

        [Fact]
        public void Loopback_and_NO_PROXY_hosts_bypass_the_proxy_as_dotnet_reads_the_list()
        {
            var variables = new Dictionary<string, string>
            {
                ["HTTPS_PROXY"] = "proxy.corp:3128",
                ["no_proxy"] = "internal.corp, *.svc.corp ,.lab.corp,exact.host",
            };
            EnvironmentWebProxy web = EnvironmentWebProxy.TryCreate(name => variables.TryGetValue(name, out string? value) ? value : null)!;
            Assert.Equal(new Uri("http://proxy.corp:3128/"), web.GetProxy(new Uri("https://ghcr.io/v2/")));
            Assert.Same(CredentialCache.DefaultCredentials, web.Credentials);
            foreach (string bypassed in new[] { "https://127.0.0.1:5000/", "https://localhost/", "https://[::1]/", "https://internal.corp/", "https://a.svc.corp/", "https://svc.corp/", "https://x.lab.corp/", "https://EXACT.host/", "http://ghcr.io/" })
            {
                Assert.True(web.IsBypassed(new Uri(bypassed)), bypassed);
            }

            foreach (string proxied in new[] { "https://ghcr.io/", "https://notinternal.corp/", "https://sub.exact.host/" })
            {
                Assert.False(web.IsBypassed(new Uri(proxied)), proxied);
            }
        }

        [Fact]
        public void Lower_case_names_win_upper_case_HTTP_PROXY_is_ignored_under_CGI_and_ALL_PROXY_fills_in()
        {
            EnvironmentWebProxy? Read(params string[] pairs)
            {
                var variables = new Dictionary<string, string>();
                for (int i = 0; i < pairs.Length; i += 2)
                {
                    variables[pairs[i]] = pairs[i + 1];
                }

                return EnvironmentWebProxy.TryCreate(name => variables.TryGetValue(name, out string? value) ? value : null);
            }

            Assert.Equal(new Uri("http://lower:1/"), Read("http_proxy", "lower:1", "HTTP_PROXY", "upper:2")!.GetProxy(new Uri("http://x.example/")));
            Assert.Null(Read("HTTP_PROXY", "upper:2", "REQUEST_METHOD", "GET"));
            EnvironmentWebProxy all = Read("ALL_PROXY", "all:3", "https_proxy", "secure:4")!;
            Assert.Equal(new Uri("http://all:3/"), all.GetProxy(new Uri("http://x.example/")));
            Assert.Equal(new Uri("http://secure:4/"), all.GetProxy(new Uri("https://x.example/")));
            Assert.Null(Read());
            Assert.Null(Read("HTTPS_PROXY", "  "));
        }

        [Fact]
        public void Without_proxy_variables_the_system_proxy_gets_this_accounts_default_credentials()
        {
            var check = (DelegatingHandler)HttpHandlers.Create(null, _ => null);
            var handler = (HttpClientHandler)check.InnerHandler!;
            Assert.True(handler.UseProxy);
            Assert.Same(CredentialCache.DefaultCredentials, handler.DefaultProxyCredentials);
        }
    }
}
