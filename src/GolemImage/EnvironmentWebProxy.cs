using System;
using System.Collections.Generic;
using System.Linq;
using System.Net;

namespace GolemImage
{
    /// <summary>
    /// The proxy that http_proxy / HTTP_PROXY, https_proxy / HTTPS_PROXY, all_proxy / ALL_PROXY and no_proxy / NO_PROXY
    /// name, read as .NET reads them on every system (lower case first; HTTP_PROXY ignored in a CGI process). .NET
    /// Framework does not read them at all, so the module reads them itself on both builds. Credentials in the proxy
    /// URL (http://user:password@proxy:3128, percent-encoded) answer the proxy's challenge; without them the proxy gets
    /// this account's default credentials (NTLM, Negotiate). Loopback addresses never go through the proxy.
    /// </summary>
    internal sealed class EnvironmentWebProxy : IWebProxy
    {
        private readonly Uri? httpProxy;
        private readonly Uri? httpsProxy;
        private readonly string[] bypass;

        private EnvironmentWebProxy(Uri? httpProxy, Uri? httpsProxy, string[] bypass)
        {
            this.httpProxy = httpProxy;
            this.httpsProxy = httpsProxy;
            this.bypass = bypass;
            var named = new ProxyUrlCredentials(new[] { httpProxy, httpsProxy });
            Credentials = named.IsEmpty ? CredentialCache.DefaultCredentials : named;
        }

        public ICredentials? Credentials { get; set; }

        /// <summary>The proxy the variables name, or null when they name none.</summary>
        public static EnvironmentWebProxy? TryCreate(Func<string, string?> environment)
        {
            string? Variable(string name) => NonEmpty(environment(name.ToLowerInvariant())) ?? NonEmpty(environment(name));

            // HTTP_PROXY in upper case is what a CGI request's "Proxy:" header becomes (httpoxy): only the lower-case name counts there.
            string? http = NonEmpty(environment("http_proxy")) ?? (environment("REQUEST_METHOD") == null ? NonEmpty(environment("HTTP_PROXY")) : null);
            string? https = Variable("HTTPS_PROXY");
            string? all = Variable("ALL_PROXY");
            Uri? httpUri = Parse(http ?? all);
            Uri? httpsUri = Parse(https ?? all);
            if (httpUri == null && httpsUri == null)
            {
                return null;
            }

            string[] bypass = (Variable("NO_PROXY") ?? string.Empty)
                .Split(new[] { ',' }, StringSplitOptions.RemoveEmptyEntries)
                .Select(entry => entry.Trim())
                .Where(entry => entry.Length > 0)
                .Select(entry => entry.StartsWith("*.", StringComparison.Ordinal) ? entry.Substring(1) : entry)
                .ToArray();
            return new EnvironmentWebProxy(httpUri, httpsUri, bypass);
        }

        public Uri? GetProxy(Uri destination) =>
            IsBypassed(destination) ? null : destination.Scheme == Uri.UriSchemeHttps ? httpsProxy : httpProxy;

        public bool IsBypassed(Uri host)
        {
            Uri? proxy = host.Scheme == Uri.UriSchemeHttps ? httpsProxy : httpProxy;
            if (proxy == null || host.IsLoopback)
            {
                return true;
            }

            string name = host.IdnHost;
            foreach (string entry in bypass)
            {
                if (entry == "*")
                {
                    return true;
                }

                if (entry[0] == '.'
                    ? name.EndsWith(entry, StringComparison.OrdinalIgnoreCase) || string.Equals(name, entry.Substring(1), StringComparison.OrdinalIgnoreCase)
                    : string.Equals(name, entry, StringComparison.OrdinalIgnoreCase))
                {
                    return true;
                }
            }

            return false;
        }

        private static string? NonEmpty(string? value) => string.IsNullOrWhiteSpace(value) ? null : value!.Trim();

        /// <summary>"proxy:3128" or "http://user:pw@proxy:3128"; only http proxies (what both frameworks speak), others are ignored.</summary>
        private static Uri? Parse(string? value)
        {
            if (value == null)
            {
                return null;
            }

            string text = value.Contains("://") ? value : "http://" + value;
            return Uri.TryCreate(text, UriKind.Absolute, out Uri? uri) && uri.Scheme == Uri.UriSchemeHttp && uri.Host.Length > 0 ? uri : null;
        }

        /// <summary>The user and password of each proxy URL that has them, for that proxy only.</summary>
        private sealed class ProxyUrlCredentials : ICredentials
        {
            private readonly Dictionary<string, NetworkCredential> byProxy = new Dictionary<string, NetworkCredential>(StringComparer.OrdinalIgnoreCase);

            public ProxyUrlCredentials(IEnumerable<Uri?> proxies)
            {
                foreach (Uri? proxy in proxies)
                {
                    if (proxy == null || proxy.UserInfo.Length == 0)
                    {
                        continue;
                    }

                    string[] parts = proxy.UserInfo.Split(new[] { ':' }, 2);
                    byProxy[proxy.Authority] = new NetworkCredential(Uri.UnescapeDataString(parts[0]), parts.Length > 1 ? Uri.UnescapeDataString(parts[1]) : string.Empty);
                }
            }

            public bool IsEmpty => byProxy.Count == 0;

            public NetworkCredential? GetCredential(Uri uri, string authType) =>
                byProxy.TryGetValue(uri.Authority, out NetworkCredential? credential) ? credential : null;
        }
    }
}
