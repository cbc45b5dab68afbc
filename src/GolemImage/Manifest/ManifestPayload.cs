using System;
using System.Collections.Generic;
using System.Linq;
using GolemImage.Registry;

namespace GolemImage.Manifest
{
    /// <summary>One payload of a manifest: the image's SHA3-224 and where providers download it (yagna takes urls[0]).</summary>
    public sealed class ManifestPayload
    {
        public ManifestPayload(string sha3Hex, IEnumerable<Uri> urls)
        {
            if (!ImageQuery.IsSha3Hex(sha3Hex))
            {
                throw new GolemImageException(ErrorIds.InvalidImageHash, GolemErrorCategory.InvalidArgument, $"'{sha3Hex}' is not an image hash (56 hex digits of SHA3-224).", sha3Hex);
            }

            Sha3Hex = sha3Hex.ToLowerInvariant();
            Urls = urls.ToList();
            if (Urls.Count == 0)
            {
                throw new GolemImageException(ErrorIds.PayloadUrlRequired, GolemErrorCategory.InvalidArgument, $"The payload {Sha3Hex} needs a URL providers download it from (-Url, or pipe in Find-GolemImage output).", Sha3Hex);
            }

            foreach (Uri url in Urls)
            {
                if (!url.IsAbsoluteUri || (url.Scheme != Uri.UriSchemeHttp && url.Scheme != Uri.UriSchemeHttps))
                {
                    throw new GolemImageException(ErrorIds.InvalidPayloadUrl, GolemErrorCategory.InvalidArgument, $"'{url.OriginalString}' is not an absolute http or https URL providers can download the image {Sha3Hex} from.", url.OriginalString);
                }
            }
        }

        public string Sha3Hex { get; }

        public IReadOnlyList<Uri> Urls { get; }

        /// <summary>A payload from a task package string, hash:sha3:&lt;hex&gt;:&lt;url&gt;.</summary>
        public static ManifestPayload FromTaskPackage(string taskPackage)
        {
            const string prefix = "hash:sha3:";
            string text = taskPackage?.Trim() ?? string.Empty;
            if (text.StartsWith(prefix, StringComparison.OrdinalIgnoreCase) && text.Length > prefix.Length + 57 && text[prefix.Length + 56] == ':'
                && Uri.TryCreate(text.Substring(prefix.Length + 57), UriKind.Absolute, out Uri? url))
            {
                return new ManifestPayload(text.Substring(prefix.Length, 56), new[] { url });
            }

            throw new GolemImageException(ErrorIds.InvalidTaskPackage, GolemErrorCategory.InvalidArgument, $"'{taskPackage}' is not a task package of the form hash:sha3:<56 hex digits>:<url>.", taskPackage);
        }
    }
}
