using System;
using System.IO;
using System.Net.Http;
using System.Threading;
using System.Threading.Tasks;

namespace GolemImage
{
    /// <summary>
    /// Reads a server's answer whole, up to a limit: registry answers (JSON, manifests, token answers) are small, and one
    /// that is not must not be taken into memory on the server's word. Refused by its Content-Length before a byte is
    /// read, or as soon as more than the limit arrives without one.
    /// </summary>
    internal static class BoundedAnswer
    {
        /// <summary>The most a JSON answer of a registry may hold.</summary>
        public const int JsonLimit = 4 << 20;

        /// <summary>OCI image-spec's limit for manifests and indexes, which registries hold to as well.</summary>
        public const int ManifestLimit = 4 << 20;

        /// <summary>The most an image config blob may hold (as in image archives: configs with a long history are large).</summary>
        public const int ConfigLimit = 16 << 20;

        /// <summary>What an error message may quote of a refusal's body.</summary>
        public const int DetailLimit = 64 << 10;

        /// <summary>The body; <paramref name="tooLarge"/>'s error (given the limit) when it holds more than <paramref name="limit"/> bytes.</summary>
        public static async Task<byte[]> ReadAsync(HttpContent content, int limit, Func<string, Exception> tooLarge, CancellationToken cancellationToken)
        {
            long? declared = content.Headers.ContentLength;
            if (declared > limit)
            {
                throw tooLarge($"{declared} bytes, more than the {Describe(limit)} such an answer may hold");
            }

            byte[] bytes = await ReadPrefixAsync(content, limit + 1, cancellationToken).ConfigureAwait(false);
            if (bytes.Length > limit)
            {
                throw tooLarge($"more than the {Describe(limit)} such an answer may hold");
            }

            return bytes;
        }

        /// <summary>At most the first <paramref name="limit"/> bytes of the body; the rest is left unread.</summary>
        public static async Task<byte[]> ReadPrefixAsync(HttpContent content, int limit, CancellationToken cancellationToken)
        {
            using (Stream stream = await content.ReadAsStreamAsync().ConfigureAwait(false))
            using (var buffer = new MemoryStream())
            {
                var chunk = new byte[16 * 1024];
                while (buffer.Length < limit)
                {
                    int read = await stream.ReadAsync(chunk, 0, (int)Math.Min(chunk.Length, limit - buffer.Length), cancellationToken).ConfigureAwait(false);
                    if (read == 0)
                    {
                        break;
                    }

                    buffer.Write(chunk, 0, read);
                }

                return buffer.ToArray();
            }
        }

        /// <summary>
        /// Replaces <paramref name="response"/>'s content with its first bytes read into memory (up to the limit), so
        /// that the code that reads it as a string or JSON stays as it was.
        /// </summary>
        public static async Task BufferAsync(HttpResponseMessage response, int limit, Func<string, Exception> tooLarge, CancellationToken cancellationToken)
        {
            HttpContent original = response.Content;
            if (original == null)
            {
                return;
            }

            byte[] bytes = await ReadAsync(original, limit, tooLarge, cancellationToken).ConfigureAwait(false);
            var buffered = new ByteArrayContent(bytes);
            foreach (var header in original.Headers)
            {
                if (!string.Equals(header.Key, "Content-Length", StringComparison.OrdinalIgnoreCase))
                {
                    buffered.Headers.TryAddWithoutValidation(header.Key, header.Value);
                }
            }

            response.Content = buffered;
            original.Dispose();
        }

        private static string Describe(int limit) => limit % (1 << 20) == 0 ? $"{limit >> 20} MiB" : $"{limit >> 10} KiB";
    }
}
