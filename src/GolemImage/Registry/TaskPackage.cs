using System;

namespace GolemImage.Registry
{
    /// <summary>
    /// The task package string requestors put in golem.srv.comp.task_package (yapapi, golem-js) and providers download
    /// and verify an image by: <c>hash:sha3:&lt;sha3-224 hex&gt;:&lt;url&gt;</c>. The one place it is written.
    /// </summary>
    public static class TaskPackage
    {
        public static string Format(string sha3Hex, string url)
        {
            if (!ImageQuery.IsSha3Hex(sha3Hex))
            {
                throw new ArgumentException($"'{sha3Hex}' is not a SHA3-224 hash in hex (56 characters).", nameof(sha3Hex));
            }

            return "hash:sha3:" + sha3Hex.ToLowerInvariant() + ":" + url;
        }

        public static string Format(string sha3Hex, Uri url) => Format(sha3Hex, url.AbsoluteUri);
    }
}
