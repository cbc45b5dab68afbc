using System;
using System.IO;
using System.Threading;
using System.Threading.Tasks;
using GolemImage.Reporting;

namespace GolemImage.Sources
{
    /// <summary>
    /// A layer's tar bytes: the stored blob, checked against its blob digest, decompressed by magic (gzip, zstd or
    /// none, whatever the media type claims), and checked against the config's diff id.
    /// </summary>
    internal sealed class LayerStream : IDisposable
    {
        private readonly DigestingStream raw;
        private readonly Stream tar;

        private LayerStream(DigestingStream raw, Stream tar, string compression)
        {
            this.raw = raw;
            this.tar = tar;
            Compression = compression;
        }

        /// <summary>The uncompressed tar stream to hand to the tar reader.</summary>
        public Stream Tar => tar;

        public string Compression { get; }

        /// <summary>Stored bytes read so far (for progress).</summary>
        public long RawBytesRead => raw.BytesRead;

        public static async Task<LayerStream> OpenAsync(ImageLayer layer, IEngineReporter reporter, CancellationToken cancellationToken)
        {
            Stream stored = await layer.OpenRawAsync(reporter, cancellationToken).ConfigureAwait(false);
            var raw = new DigestingStream(stored, layer.BlobDigest, actual => Mismatch(layer, "blob", layer.BlobDigest, actual));
            try
            {
                var magic = new byte[4];
                int have = 0;
                while (have < magic.Length)
                {
                    int read = await raw.ReadAsync(magic, have, magic.Length - have, cancellationToken).ConfigureAwait(false);
                    if (read == 0)
                    {
                        break;
                    }

                    have += read;
                }

                Stream prefixed = new PrefixedStream(magic, have, raw);
                string? format = DecompressingStream.Detect(magic, have);
                Stream decoded = format == null
                    ? prefixed
                    : new DecompressingStream(prefixed, format, (problem, inner) => Corrupt(layer, problem, inner));
                string compression = format ?? "none";

                // An uncompressed blob is its own tar: when the diff id is the blob digest, the blob check above
                // already hashes exactly these bytes against it, and a second SHA-256 pass would only cost time.
                bool blobCheckCoversDiffId = decoded == prefixed
                    && (layer.DiffId == null || string.Equals(layer.DiffId, layer.BlobDigest, StringComparison.OrdinalIgnoreCase));
                Stream tar = blobCheckCoversDiffId
                    ? decoded
                    : new DigestingStream(decoded, layer.DiffId, actual => Mismatch(layer, "uncompressed content (diff id)", layer.DiffId, actual));
                return new LayerStream(raw, tar, compression);
            }
            catch
            {
                raw.Dispose();
                throw;
            }
        }

        /// <summary>
        /// Reads what the tar reader left (end-of-archive padding, trailing bytes) so that both digests are checked.
        /// </summary>
        public async Task FinishAsync(ImageLayer layer, CancellationToken cancellationToken)
        {
            var buffer = new byte[81920];
            try
            {
                while (await tar.ReadAsync(buffer, 0, buffer.Length, cancellationToken).ConfigureAwait(false) > 0)
                {
                }

                while (await raw.ReadAsync(buffer, 0, buffer.Length, cancellationToken).ConfigureAwait(false) > 0)
                {
                }
            }
            catch (InvalidDataException ex)
            {
                throw Corrupt(layer, ex);
            }
        }

        public static GolemImageException Corrupt(ImageLayer layer, Exception inner) => Corrupt(layer, inner.Message, inner);

        private static GolemImageException Corrupt(ImageLayer layer, string problem, Exception? inner) =>
            new GolemImageException(layer.CorruptionErrorId, GolemErrorCategory.InvalidData, $"{layer.Description} cannot be decompressed: {problem}", layer.Description, inner);

        public void Dispose()
        {
            tar.Dispose();
            raw.Dispose();
        }

        private static Exception Mismatch(ImageLayer layer, string what, string? expected, string actual) =>
            new GolemImageException(
                layer.CorruptionErrorId,
                GolemErrorCategory.InvalidData,
                $"{layer.Description}: the {what} has digest {actual}, but {expected} was expected; the image is corrupt or was modified.",
                layer.Description);
    }
}
