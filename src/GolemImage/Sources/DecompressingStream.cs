using System;
using System.IO;
using System.Threading;
using System.Threading.Tasks;

namespace GolemImage.Sources
{
    /// <summary>
    /// The decoded bytes of a gzip or zstd stream (a layer blob, a compressed image archive), with every failure of the
    /// decoder turned into the caller's error naming the input and where in it: corrupt data (what .NET reports as "an
    /// unsupported compression method" and ZstdSharp as its own exception type) and data that ends early. gzip is
    /// framed member by member by <see cref="GzipMemberStream"/>, which checks every member's trailer.
    /// </summary>
    internal sealed class DecompressingStream : ForwardOnlyReadStream
    {
        private readonly CountingStream compressed;
        private readonly Stream decoder;
        private readonly string format;
        private readonly Func<string, Exception?, Exception> corrupt;
        private long decoded;

        /// <param name="compressed">The compressed bytes; owned (disposed) by this stream.</param>
        /// <param name="format">"gzip" or "zstd" (see <see cref="Detect"/>).</param>
        /// <param name="corrupt">Makes the error to throw from a description of the problem (and the decoder's exception).</param>
        public DecompressingStream(Stream compressed, string format, Func<string, Exception?, Exception> corrupt)
        {
            this.compressed = new CountingStream(compressed);
            this.format = format;
            this.corrupt = corrupt;
            if (format == "gzip")
            {
                decoder = new GzipMemberStream(this.compressed, corrupt);
            }
            else if (format == "zstd")
            {
                decoder = new ZstdSharp.DecompressionStream(this.compressed);
            }
            else
            {
                throw new ArgumentOutOfRangeException(nameof(format), format, "Only gzip and zstd are decoded.");
            }
        }

        /// <summary>Compressed bytes consumed so far.</summary>
        public long CompressedBytesRead => compressed.BytesRead;

        /// <summary>"gzip", "zstd", or null for bytes in neither format (by their magic number).</summary>
        public static string? Detect(byte[] magic, int have)
        {
            if (have >= 2 && magic[0] == 0x1f && magic[1] == 0x8b)
            {
                return "gzip";
            }

            if (have >= 4 && magic[0] == 0x28 && magic[1] == 0xb5 && magic[2] == 0x2f && magic[3] == 0xfd)
            {
                return "zstd";
            }

            return null;
        }

        public override int Read(byte[] buffer, int offset, int count)
        {
            int read;
            try
            {
                read = decoder.Read(buffer, offset, count);
            }
            catch (Exception ex) when (IsDecoderFailure(ex))
            {
                throw Translate(ex);
            }

            decoded += read;
            return read;
        }

        public override async Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
        {
            int read;
            try
            {
                read = await decoder.ReadAsync(buffer, offset, count, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (IsDecoderFailure(ex))
            {
                throw Translate(ex);
            }

            decoded += read;
            return read;
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                decoder.Dispose();
                compressed.Dispose();
            }

            base.Dispose(disposing);
        }

        private static bool IsDecoderFailure(Exception ex) =>
            ex is InvalidDataException || ex is ZstdSharp.ZstdException || ex is EndOfStreamException;

        private Exception Translate(Exception ex)
        {
            string where = $"at or before byte {compressed.BytesRead} of the {format} data, after {decoded} decompressed bytes";
            if (ex is EndOfStreamException)
            {
                return corrupt($"the {format} data is truncated: it ends {where} without its end marker", ex);
            }

            return corrupt($"the {format} data is corrupt {where} ({ex.Message})", ex);
        }

        /// <summary>A pass-through that counts what is read.</summary>
        private sealed class CountingStream : ForwardOnlyReadStream
        {
            private readonly Stream inner;
            private long bytesRead;

            public CountingStream(Stream inner)
            {
                this.inner = inner;
            }

            public long BytesRead => bytesRead;

            public override int Read(byte[] buffer, int offset, int count)
            {
                int read = inner.Read(buffer, offset, count);
                bytesRead += read;
                return read;
            }

            public override async Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
            {
                int read = await inner.ReadAsync(buffer, offset, count, cancellationToken).ConfigureAwait(false);
                bytesRead += read;
                return read;
            }

            protected override void Dispose(bool disposing)
            {
                if (disposing)
                {
                    inner.Dispose();
                }

                base.Dispose(disposing);
            }
        }
    }
}
