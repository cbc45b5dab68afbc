using System;
using System.Buffers.Binary;
using System.IO;
using System.IO.Compression;
using System.IO.Hashing;
using System.Threading;
using System.Threading.Tasks;

namespace GolemImage.Sources
{
    /// <summary>
    /// The decoded bytes of a gzip or zstd stream (a layer blob, a compressed image archive), with every failure of the
    /// decoder turned into the caller's error naming the input and where in it: corrupt data (what .NET reports as "an
    /// unsupported compression method" and ZstdSharp as its own exception type) and data that ends early. .NET's
    /// GZipStream ends silently on a truncated stream, so the gzip trailer (CRC-32 and size of what was decoded) is
    /// checked here once the decoder ends.
    /// </summary>
    internal sealed class DecompressingStream : ForwardOnlyReadStream
    {
        private const int GzipTrailerLength = 8;

        private readonly TailStream compressed;
        private readonly Stream decoder;
        private readonly string format;
        private readonly Func<string, Exception?, Exception> corrupt;
        private readonly Crc32? crc;
        private long decoded;
        private bool ended;

        /// <param name="compressed">The compressed bytes; owned (disposed) by this stream.</param>
        /// <param name="format">"gzip" or "zstd" (see <see cref="Detect"/>).</param>
        /// <param name="corrupt">Makes the error to throw from a description of the problem (and the decoder's exception).</param>
        public DecompressingStream(Stream compressed, string format, Func<string, Exception?, Exception> corrupt)
        {
            this.compressed = new TailStream(compressed, GzipTrailerLength);
            this.format = format;
            this.corrupt = corrupt;
            if (format == "gzip")
            {
                decoder = new GZipStream(this.compressed, CompressionMode.Decompress);
                crc = new Crc32();
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

            Account(buffer, offset, read, count);
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

            Account(buffer, offset, read, count);
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

            string detail = format == "gzip" ? "bad deflate data, CRC-32 or length" : ex.Message;
            return corrupt($"the {format} data is corrupt {where} ({detail})", ex);
        }

        private void Account(byte[] buffer, int offset, int read, int requested)
        {
            if (read > 0)
            {
                crc?.Append(new ReadOnlySpan<byte>(buffer, offset, read));
                decoded += read;
                return;
            }

            if (requested == 0 || ended)
            {
                return;
            }

            ended = true;
            if (crc != null)
            {
                CheckGzipEnd();
            }
        }

        private void CheckGzipEnd()
        {
            // The decoder stops at the end of its input whether or not the last member was complete; what it read last
            // must be that member's trailer. Several members (rare): the trailer covers the last one only, whose size is
            // less than the whole; that cannot be checked here and the content digests decide.
            compressed.Drain();
            if (compressed.BytesRead >= 18)
            {
                byte[] tail = compressed.Tail;
                uint storedCrc = BinaryPrimitives.ReadUInt32LittleEndian(tail);
                uint storedSize = BinaryPrimitives.ReadUInt32LittleEndian(tail.AsSpan(4));
                if (storedSize == unchecked((uint)decoded) && storedCrc == crc!.GetCurrentHashAsUInt32())
                {
                    return;
                }

                if (storedSize < decoded)
                {
                    return;
                }
            }

            throw corrupt($"the gzip data is truncated: it ends at byte {compressed.BytesRead}, after {decoded} decompressed bytes, without the trailer that closes it", null);
        }

        /// <summary>A pass-through that counts what is read and keeps the last few bytes.</summary>
        private sealed class TailStream : ForwardOnlyReadStream
        {
            private readonly Stream inner;
            private readonly byte[] ring;
            private long bytesRead;

            public TailStream(Stream inner, int keep)
            {
                this.inner = inner;
                ring = new byte[keep];
            }

            public long BytesRead => bytesRead;

            /// <summary>The last bytes read, oldest first (fewer than asked for only when the stream was shorter).</summary>
            public byte[] Tail
            {
                get
                {
                    var tail = new byte[ring.Length];
                    for (int i = 0; i < ring.Length; i++)
                    {
                        tail[i] = ring[(int)((bytesRead + i) % ring.Length)];
                    }

                    return tail;
                }
            }

            public void Drain()
            {
                var buffer = new byte[8192];
                while (Read(buffer, 0, buffer.Length) > 0)
                {
                }
            }

            public override int Read(byte[] buffer, int offset, int count)
            {
                int read = inner.Read(buffer, offset, count);
                Keep(buffer, offset, read);
                return read;
            }

            public override async Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
            {
                int read = await inner.ReadAsync(buffer, offset, count, cancellationToken).ConfigureAwait(false);
                Keep(buffer, offset, read);
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

            private void Keep(byte[] buffer, int offset, int read)
            {
                int start = Math.Max(0, read - ring.Length);
                for (int i = start; i < read; i++)
                {
                    ring[(int)((bytesRead + i) % ring.Length)] = buffer[offset + i];
                }

                bytesRead += read;
            }
        }
    }
}
