using System;
using System.Threading;
using System.Threading.Tasks;
using GolemImage.Reporting;

namespace GolemImage.Registry
{
    /// <summary>
    /// Looks images up in the Golem registry by tag or hash (GET /v1/image/info, dev=true so a lookup is not counted
    /// as a use), and checks the answer before anyone pins a task package to it.
    /// </summary>
    public static class RegistryImageFinder
    {
        /// <summary>
        /// Refuses plain http to anything but loopback unless <paramref name="allowInsecureHttp"/>: whoever sits on the
        /// path could answer a tag lookup with an image of their choosing, and the hash would vouch for it.
        /// </summary>
        public static Uri ValidateRegistryUrl(string url, bool allowInsecureHttp)
        {
            if (!Uri.TryCreate(url, UriKind.Absolute, out Uri? uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
            {
                throw new GolemImageException(ErrorIds.InvalidRegistryUrl, GolemErrorCategory.InvalidArgument, $"'{url}' is not an http or https URL of a Golem registry.", url);
            }

            if (uri.Scheme == Uri.UriSchemeHttp && !uri.IsLoopback && !allowInsecureHttp)
            {
                throw new GolemImageException(ErrorIds.InsecureRegistryUrl, GolemErrorCategory.InvalidArgument, $"The registry URL '{url}' uses plain http to a host that is not this machine: anyone on the way could answer a lookup with another image's hash. Use https, or -AllowInsecureHttp if you mean it.", url);
            }

            return uri;
        }

        /// <summary>The image; a GolemImageException ImageNotFound (ObjectNotFound) when the registry does not know it.</summary>
        public static async Task<RegistryImage> FindAsync(Uri registryUrl, ImageQuery query, RetrySettings retry, IEngineReporter reporter, CancellationToken cancellationToken)
        {
            using (var client = new GolemRegistryClient(registryUrl, retry, reporter, null))
            {
                return await FindAsync(client, query, cancellationToken).ConfigureAwait(false);
            }
        }

        internal static async Task<RegistryImage> FindAsync(GolemRegistryClient client, ImageQuery query, CancellationToken cancellationToken)
        {
            ImageInfo? info = await client.GetImageInfoAsync(query, cancellationToken).ConfigureAwait(false);
            string registry = client.BaseUri.ToString();
            if (info == null)
            {
                string what = query.Tag != null ? $"tag {query.Tag}" : $"image {query.Sha3Hex}";
                throw new GolemImageException(ErrorIds.ImageNotFound, GolemErrorCategory.ObjectNotFound, $"The registry {registry} has no {what}.", query.ToString());
            }

            if (!ImageQuery.IsSha3Hex(info.Sha3))
            {
                throw Protocol(registry, query, $"a sha3 of '{info.Sha3}', which is not a SHA3-224 hash");
            }

            string sha3 = info.Sha3.ToLowerInvariant();
            if (query.Sha3Hex != null && sha3 != query.Sha3Hex)
            {
                throw Protocol(registry, query, $"the image {sha3}");
            }

            if (!IsDownloadUrl(info.HttpUrl))
            {
                throw Protocol(registry, query, $"a download link '{info.HttpUrl}' that is not an absolute http or https URL");
            }

            string https = IsDownloadUrl(info.HttpsUrl) ? info.HttpsUrl : info.HttpUrl;
            return new RegistryImage(registry, query.Tag?.ToString(), sha3, info.Size, info.HttpUrl, https);
        }

        private static bool IsDownloadUrl(string? url) =>
            Uri.TryCreate(url, UriKind.Absolute, out Uri? uri) && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps);

        private static GolemImageException Protocol(string registry, ImageQuery query, string what) =>
            new GolemImageException(ErrorIds.RegistryProtocolError, GolemErrorCategory.ProtocolError, $"The registry {registry} answered the lookup of {query} with {what}.", query.ToString());
    }
}
