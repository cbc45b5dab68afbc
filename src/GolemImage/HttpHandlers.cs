using System;
using System.Net;
using System.Net.Http;

namespace GolemImage
{
    /// <summary>
    /// The message handler of every HTTP client of the module (OCI registries, the Golem registry, downloads): the
    /// proxy the environment variables name (see <see cref="EnvironmentWebProxy"/>), else the system's proxy with this
    /// account's default credentials (what corporate NTLM/Negotiate proxies want; .NET sends none unless asked), and a
    /// 407 turned into a clear error (<see cref="ProxyAuthenticationCheck"/>).
    /// </summary>
    internal static class HttpHandlers
    {
        public static HttpMessageHandler Create(Action<HttpClientHandler>? configure = null) =>
            Create(configure, Environment.GetEnvironmentVariable);

        internal static HttpMessageHandler Create(Action<HttpClientHandler>? configure, Func<string, string?> environment)
        {
            var handler = new HttpClientHandler();
            configure?.Invoke(handler);
            IWebProxy? proxy = EnvironmentWebProxy.TryCreate(environment);
            if (proxy != null)
            {
                handler.UseProxy = true;
                handler.Proxy = proxy;
            }
            else
            {
#if NET8_0_OR_GREATER
                handler.DefaultProxyCredentials = CredentialCache.DefaultCredentials;
                proxy = HttpClient.DefaultProxy;
#else
                // netstandard2.0 has no DefaultProxyCredentials: the system proxy (WinINet settings, PAC, WPAD on .NET
                // Framework) is wrapped rather than given credentials, as it is shared by the whole process.
                IWebProxy? system = WebRequest.DefaultWebProxy;
                if (system != null)
                {
                    proxy = new SystemWebProxy(system);
                    handler.Proxy = proxy;
                }
#endif
            }

            return new ProxyAuthenticationCheck(handler, proxy);
        }

#if !NET8_0_OR_GREATER
        /// <summary>The system proxy, with this account's default credentials for it.</summary>
        private sealed class SystemWebProxy : IWebProxy
        {
            private readonly IWebProxy inner;

            public SystemWebProxy(IWebProxy inner)
            {
                this.inner = inner;
            }

            public ICredentials? Credentials { get; set; } = CredentialCache.DefaultCredentials;

            public Uri? GetProxy(Uri destination) => inner.GetProxy(destination);

            public bool IsBypassed(Uri host) => inner.IsBypassed(host);
        }
#endif
    }
}
