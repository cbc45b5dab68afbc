using System;
using System.Linq;
using System.Net;
using System.Net.Http;
using System.Threading;
using System.Threading.Tasks;

namespace GolemImage
{
    /// <summary>
    /// Turns a proxy's 407 (Proxy Authentication Required) into ProxyAuthenticationRequired, saying how to give the
    /// credentials, instead of an HTTP error the registry clients would retry or report as the registry's. .NET answers
    /// the challenge itself when it has credentials for the proxy; a 407 that comes through means they were missing or
    /// refused. For https the proxy answers the CONNECT, and .NET reports that as an HttpRequestException naming 407.
    /// </summary>
    internal sealed class ProxyAuthenticationCheck : DelegatingHandler
    {
        private readonly IWebProxy? proxy;

        public ProxyAuthenticationCheck(HttpMessageHandler inner, IWebProxy? proxy)
            : base(inner)
        {
            this.proxy = proxy;
        }

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            HttpResponseMessage response;
            try
            {
                response = await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
            }
            catch (HttpRequestException ex) when (IsTunnelRefusal(ex))
            {
                throw Refused(request.RequestUri!, null, ex);
            }

            if (response.StatusCode == HttpStatusCode.ProxyAuthenticationRequired)
            {
                string schemes = string.Join(", ", response.Headers.ProxyAuthenticate.Select(challenge => challenge.Scheme).Distinct(StringComparer.OrdinalIgnoreCase));
                response.Dispose();
                throw Refused(request.RequestUri!, schemes, null);
            }

            return response;
        }

        private static bool IsTunnelRefusal(HttpRequestException ex)
        {
#if NET8_0_OR_GREATER
            if (ex.StatusCode == HttpStatusCode.ProxyAuthenticationRequired)
            {
                return true;
            }
#endif
            for (Exception? e = ex; e != null; e = e.InnerException)
            {
                if (e.Message.IndexOf("407", StringComparison.Ordinal) >= 0)
                {
                    return true;
                }
            }

            return false;
        }

        private GolemImageException Refused(Uri destination, string? schemes, Exception? inner)
        {
            Uri? via = null;
            try
            {
                via = proxy?.GetProxy(destination);
            }
            catch (Exception ex) when (ex is InvalidOperationException || ex is NotSupportedException || ex is WebException)
            {
            }

            string named = via == null || via == destination ? "The proxy" : $"The proxy {via.GetLeftPart(UriPartial.Authority)}";
            string asks = string.IsNullOrEmpty(schemes) ? string.Empty : $" (it asks for {schemes})";
            return new GolemImageException(
                ErrorIds.ProxyAuthenticationRequired,
                GolemErrorCategory.AuthenticationError,
                $"{named} refused the request to {destination.GetLeftPart(UriPartial.Authority)} with 407 Proxy Authentication Required{asks}: it wants credentials it did not get or did not accept. " +
                "Put them in the proxy variable, for example $env:HTTPS_PROXY = 'http://user:password@proxy:3128' (percent-encode special characters), or run as an account the proxy accepts (NTLM and Negotiate proxies get this account's Windows credentials).",
                destination.GetLeftPart(UriPartial.Authority),
                inner);
        }
    }
}
