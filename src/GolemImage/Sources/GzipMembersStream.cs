using System;
using System.IO;
using System.IO.Compression;
using System.IO.Hashing;
using System.Threading;
using System.Threading.Tasks;

namespace GolemImage.Sources
{
    /// <summary>
    /// The decoded bytes of every member of a gzip stream (RFC 1952), members one after another as gzip(1), Go and
    /// containerd read them. eStargz layers and <c>cat a.gz b.gz</c> have several members; .NET Framework's GZipStream
    /// stops after the first, .NET's reads them all, so this parses each header and trailer itself and inflates each
    /// member with a raw DeflateStream: one code path on both frameworks, and each member's CRC-32 and length checked.
    /// </summary>
    /// <remarks>
    /// DeflateStream reads ahead of the end of its member and keeps what it read. It asks for more only once it has used
    /// what it has, so the member ends inside the last chunk handed to it: the trailer is found there as the bytes that
    /// match the CRC-32 and length of what was decoded, and what follows it is handed to the next member. Corrupt deflate
    /// data surfaces as InvalidDataException, data that ends early as EndOfStreamException.
    /// </remarks>
    internal sealed class GzipMembersStream : ForwardOnlyReadStream
    {
        private const int HeaderLength = 10;
        private const int TrailerLength = 8;
        private const byte FlagHeaderCrc = 0x02;
        private const byte FlagExtra = 0x04;
        private const byte FlagName = 0x08;
        private const byte FlagComment = 0x10;
        private const byte ReservedFlags = 0xe0;

        private readonly Feeder feeder;
        private readonly Crc32 crc = new Crc32();
        private DeflateStream? member;
        private long memberSize;
        private int members;
        private bool ended;

        /// <param name="compressed">The gzip bytes; owned (disposed) by this stream.</param>
        public GzipMembersStream(Stream compressed)
        {
            feeder = new Feeder(compressed);
        }

        /// <summary>Members begun so far.</summary>
        public int Members => members;

        public override int Read(byte[] buffer, int offset, int count) =>
            ReadCoreAsync(buffer, offset, count, false, CancellationToken.None).GetAwaiter().GetResult();

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            ReadCoreAsync(buffer, offset, count, true, cancellationToken);

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                member?.Dispose();
                feeder.Dispose();
            }

            base.Dispose(disposing);
        }

        private async Task<int> ReadCoreAsync(byte[] buffer, int offset, int count, bool useAsync, CancellationToken cancellationToken)
        {
            if (count == 0)
            {
                return 0;
            }

            while (!ended)
            {
                if (member == null)
                {
                    if (!await StartMemberAsync(useAsync, cancellationToken).ConfigureAwait(false))
                    {
                        ended = true;
                        break;
                    }
                }

                int read = useAsync
                    ? await member!.ReadAsync(buffer, offset, count, cancellationToken).ConfigureAwait(false)
                    : member!.Read(buffer, offset, count);
                if (read > 0)
                {
                    crc.Append(new ReadOnlySpan<byte>(buffer, offset, read));
                    memberSize += read;
                    return read;
                }

                await EndMemberAsync(useAsync, cancellationToken).ConfigureAwait(false);
            }

            return 0;
        }

        /// <summary>Reads a member header; false at the clean end of the stream (after at least one member).</summary>
        private async Task<bool> StartMemberAsync(bool useAsync, CancellationToken cancellationToken)
        {
            var header = new byte[HeaderLength];
            int have = await feeder.ReadDirectAsync(header, 0, HeaderLength, useAsync, cancellationToken).ConfigureAwait(false);
            if (have == 0 && members > 0)
            {
                return false;
            }

            if (have < HeaderLength)
            {
                throw new EndOfStreamException("The gzip member header is cut short.");
            }

            if (header[0] != 0x1f || header[1] != 0x8b || header[2] != 8 || (header[3] & ReservedFlags) != 0)
            {
                throw new InvalidDataException(members == 0
                    ? "Not a gzip header."
                    : "The bytes after a gzip member are not another gzip member.");
            }

            byte flags = header[3];
            if ((flags & FlagExtra) != 0)
            {
                var length = new byte[2];
                await ReadHeaderFieldAsync(length, useAsync, cancellationToken).ConfigureAwait(false);
                await ReadHeaderFieldAsync(new byte[length[0] | (length[1] << 8)], useAsync, cancellationToken).ConfigureAwait(false);
            }

            if ((flags & FlagName) != 0)
            {
                await SkipZeroTerminatedAsync(useAsync, cancellationToken).ConfigureAwait(false);
            }

            if ((flags & FlagComment) != 0)
            {
                await SkipZeroTerminatedAsync(useAsync, cancellationToken).ConfigureAwait(false);
            }

            if ((flags & FlagHeaderCrc) != 0)
            {
                await ReadHeaderFieldAsync(new byte[2], useAsync, cancellationToken).ConfigureAwait(false);
            }

            members++;
            memberSize = 0;
            crc.Reset();
            feeder.BeginMember();
            member = new DeflateStream(feeder, CompressionMode.Decompress, leaveOpen: true);
            return true;
        }

        private async Task ReadHeaderFieldAsync(byte[] field, bool useAsync, CancellationToken cancellationToken)
        {
            if (await feeder.ReadDirectAsync(field, 0, field.Length, useAsync, cancellationToken).ConfigureAwait(false) < field.Length)
            {
                throw new EndOfStreamException("The gzip member header is cut short.");
            }
        }

        private async Task SkipZeroTerminatedAsync(bool useAsync, CancellationToken cancellationToken)
        {
            var one = new byte[1];
            do
            {
                await ReadHeaderFieldAsync(one, useAsync, cancellationToken).ConfigureAwait(false);
            }
            while (one[0] != 0);
        }

        private async Task EndMemberAsync(bool useAsync, CancellationToken cancellationToken)
        {
            member!.Dispose();
            member = null;
            if (feeder.DecoderSawEnd)
            {
                throw new EndOfStreamException("The gzip data ends inside a member's deflate data.");
            }

            var expected = new byte[TrailerLength];
            uint value = crc.GetCurrentHashAsUInt32();
            uint size = unchecked((uint)memberSize);
            for (int i = 0; i < 4; i++)
            {
                expected[i] = (byte)(value >> (8 * i));
                expected[4 + i] = (byte)(size >> (8 * i));
            }

            TrailerSearch found = await feeder.EndMemberAsync(expected, useAsync, cancellationToken).ConfigureAwait(false);
            if (found == TrailerSearch.CutShort)
            {
                throw new EndOfStreamException("The gzip data ends inside a member's trailer.");
            }

            if (found == TrailerSearch.Mismatch)
            {
                throw new InvalidDataException("No gzip trailer matches the CRC-32 and length of the member's decoded bytes.");
            }
        }

        private enum TrailerSearch
        {
            Found,
            CutShort,
            Mismatch,
        }

        /// <summary>
        /// The stream the DeflateStream reads: the compressed bytes after the member header, in chunks no larger than a
        /// chunk buffer, keeping the last two chunks so that the trailer can be found among them once the member ends.
        /// </summary>
        private sealed class Feeder : ForwardOnlyReadStream
        {
            private const int ChunkSize = 8192;

            private readonly Stream input;
            private byte[] last = new byte[ChunkSize];
            private byte[] previous = new byte[ChunkSize];
            private int lastLength;
            private int previousLength;
            private byte[] pending = Array.Empty<byte>();
            private int pendingOffset;

            public Feeder(Stream input)
            {
                this.input = input;
            }

            /// <summary>The DeflateStream asked for more after the input had ended: its member is cut short.</summary>
            public bool DecoderSawEnd { get; private set; }

            public void BeginMember()
            {
                lastLength = 0;
                previousLength = 0;
                DecoderSawEnd = false;
            }

            public override int Read(byte[] buffer, int offset, int count) =>
                FeedAsync(buffer, offset, count, false, CancellationToken.None).GetAwaiter().GetResult();

            public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
                FeedAsync(buffer, offset, count, true, cancellationToken);

            /// <summary>Reads up to count bytes (fewer only at the end of the input) without keeping them.</summary>
            public async Task<int> ReadDirectAsync(byte[] buffer, int offset, int count, bool useAsync, CancellationToken cancellationToken)
            {
                int total = 0;
                while (total < count)
                {
                    int read = await ReadSourceAsync(buffer, offset + total, count - total, useAsync, cancellationToken).ConfigureAwait(false);
                    if (read == 0)
                    {
                        break;
                    }

                    total += read;
                }

                return total;
            }

            /// <summary>
            /// Finds the member's trailer (the expected bytes) after the deflate data in what was handed over, reading
            /// the few bytes more it may need, and puts what follows it back for the next member. The first match
            /// followed by the end or another gzip magic is taken.
            /// </summary>
            public async Task<TrailerSearch> EndMemberAsync(byte[] expected, bool useAsync, CancellationToken cancellationToken)
            {
                var window = new byte[previousLength + lastLength + TrailerLength];
                Buffer.BlockCopy(previous, 0, window, 0, previousLength);
                Buffer.BlockCopy(last, 0, window, previousLength, lastLength);
                int length = previousLength + lastLength;
                int more = await ReadDirectAsync(window, length, TrailerLength, useAsync, cancellationToken).ConfigureAwait(false);
                length += more;
                for (int at = 0; at + TrailerLength <= length; at++)
                {
                    if (Matches(window, at, expected, TrailerLength) && (at + TrailerLength == length || window[at + TrailerLength] == 0x1f))
                    {
                        PutBack(window, at + TrailerLength, length - at - TrailerLength);
                        return TrailerSearch.Found;
                    }
                }

                // The input ended with the start of the expected trailer: cut short rather than corrupt (a cut that
                // leaves none of it cannot be told from a wrong trailer).
                if (more < TrailerLength)
                {
                    for (int at = Math.Max(0, length - TrailerLength + 1); at < length; at++)
                    {
                        if (Matches(window, at, expected, length - at))
                        {
                            return TrailerSearch.CutShort;
                        }
                    }
                }

                return TrailerSearch.Mismatch;
            }

            protected override void Dispose(bool disposing)
            {
                if (disposing)
                {
                    input.Dispose();
                }

                base.Dispose(disposing);
            }

            private static bool Matches(byte[] window, int at, byte[] expected, int count)
            {
                for (int i = 0; i < count; i++)
                {
                    if (window[at + i] != expected[i])
                    {
                        return false;
                    }
                }

                return true;
            }

            private void PutBack(byte[] bytes, int offset, int count)
            {
                int left = pending.Length - pendingOffset;
                var joined = new byte[count + left];
                Buffer.BlockCopy(bytes, offset, joined, 0, count);
                Buffer.BlockCopy(pending, pendingOffset, joined, count, left);
                pending = joined;
                pendingOffset = 0;
            }

            private async Task<int> FeedAsync(byte[] buffer, int offset, int count, bool useAsync, CancellationToken cancellationToken)
            {
                if (count == 0)
                {
                    return 0;
                }

                byte[] swap = previous;
                previous = last;
                previousLength = lastLength;
                last = swap;
                lastLength = await ReadSourceAsync(last, 0, Math.Min(count, ChunkSize), useAsync, cancellationToken).ConfigureAwait(false);
                if (lastLength == 0)
                {
                    DecoderSawEnd = true;
                }

                Buffer.BlockCopy(last, 0, buffer, offset, lastLength);
                return lastLength;
            }

            private async Task<int> ReadSourceAsync(byte[] buffer, int offset, int count, bool useAsync, CancellationToken cancellationToken)
            {
                int left = pending.Length - pendingOffset;
                if (left > 0)
                {
                    int take = Math.Min(left, count);
                    Buffer.BlockCopy(pending, pendingOffset, buffer, offset, take);
                    pendingOffset += take;
                    return take;
                }

                return useAsync
                    ? await input.ReadAsync(buffer, offset, count, cancellationToken).ConfigureAwait(false)
                    : input.Read(buffer, offset, count);
            }
        }
    }
}
