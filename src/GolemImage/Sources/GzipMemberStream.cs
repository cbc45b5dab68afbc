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
    /// The decoded bytes of a gzip stream of one or more members (RFC 1952 §2.2), each member's trailer (CRC-32 and
    /// size) checked against what it decodes to. .NET's GZipStream ends silently on a truncated stream and says only
    /// "unsupported compression method" for a damaged one, and its own multi-member handling hides where one member
    /// ends, so the members are framed here: the header is parsed, the deflate data goes through a raw DeflateStream,
    /// and the trailer is looked for where the deflate data can have ended (in the last input chunks the decoder took:
    /// it asks for more only once it has used up what it has). Zero bytes after the last member are padding;
    /// anything else there is refused. Every failure is the caller's error naming the member and the byte.
    /// </summary>
    internal sealed class GzipMemberStream : ForwardOnlyReadStream
    {
        private const int TrailerLength = 8;
        private const int ChunkSize = 64 * 1024;
        private const byte FlagHeaderCrc = 0x02;
        private const byte FlagExtra = 0x04;
        private const byte FlagName = 0x08;
        private const byte FlagComment = 0x10;
        private const byte ReservedFlags = 0xE0;

        private readonly Stream source;
        private readonly Func<string, Exception?, Exception> corrupt;
        private readonly Feed feed;
        private readonly Crc32 crc = new Crc32();
        private DeflateStream? inflater;
        private int memberNumber;
        private long memberStart;
        private long memberSize;
        private bool finished;

        /// <param name="source">The compressed bytes; owned (disposed) by this stream.</param>
        /// <param name="corrupt">Makes the error to throw from a description of the problem (and the decoder's exception).</param>
        public GzipMemberStream(Stream source, Func<string, Exception?, Exception> corrupt)
        {
            this.source = source;
            this.corrupt = corrupt;
            feed = new Feed(source);
        }

        public override int Read(byte[] buffer, int offset, int count) =>
            ReadCoreAsync(buffer, offset, count, false, CancellationToken.None).GetAwaiter().GetResult();

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            ReadCoreAsync(buffer, offset, count, true, cancellationToken);

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                inflater?.Dispose();
                source.Dispose();
            }

            base.Dispose(disposing);
        }

        private async Task<int> ReadCoreAsync(byte[] buffer, int offset, int count, bool async, CancellationToken cancellationToken)
        {
            if (count == 0)
            {
                return 0;
            }

            while (!finished)
            {
                if (inflater == null)
                {
                    if (!await StartMemberAsync(async, cancellationToken).ConfigureAwait(false))
                    {
                        finished = true;
                        break;
                    }
                }

                int read;
                try
                {
                    read = async
                        ? await inflater!.ReadAsync(buffer, offset, count, cancellationToken).ConfigureAwait(false)
                        : inflater!.Read(buffer, offset, count);
                }
                catch (InvalidDataException ex)
                {
                    throw corrupt($"the gzip data is corrupt: the deflate data of {Member()} is damaged at or before byte {feed.Offset}, after {memberSize} decompressed bytes of it", ex);
                }

                if (read > 0)
                {
                    crc.Append(new ReadOnlySpan<byte>(buffer, offset, read));
                    memberSize += read;
                    return read;
                }

                await FinishMemberAsync(async, cancellationToken).ConfigureAwait(false);
            }

            return 0;
        }

        private string Member() => memberNumber == 1 && memberStart == 0 ? "the gzip member at byte 0" : $"gzip member {memberNumber}, which starts at byte {memberStart}";

        /// <summary>Parses a member header; false at the end of the stream (or of its zero padding) after a whole member.</summary>
        private async Task<bool> StartMemberAsync(bool async, CancellationToken cancellationToken)
        {
            long start = feed.Offset;
            int first = await feed.ReadByteAsync(async, cancellationToken).ConfigureAwait(false);
            if (first < 0)
            {
                if (memberNumber == 0)
                {
                    throw corrupt("the gzip data is truncated: it is empty", new EndOfStreamException());
                }

                return false;
            }

            if (first == 0 && memberNumber > 0)
            {
                int next;
                while ((next = await feed.ReadByteAsync(async, cancellationToken).ConfigureAwait(false)) == 0)
                {
                }

                if (next < 0)
                {
                    return false;
                }

                throw corrupt($"the gzip data is corrupt: after its last member, the zero padding from byte {start} on holds a non-zero byte at byte {feed.Offset - 1}", null);
            }

            memberNumber++;
            memberStart = start;
            memberSize = 0;
            crc.Reset();
            int second = await feed.ReadByteAsync(async, cancellationToken).ConfigureAwait(false);
            if (first != 0x1F || second != 0x8B)
            {
                throw corrupt(memberNumber == 1
                    ? "the gzip data is corrupt: it does not start with the gzip magic number"
                    : $"the gzip data is corrupt: the bytes from byte {start} on, after {memberNumber - 1} whole member(s), are neither another gzip member nor zero padding", null);
            }

            byte[] header = await ReadHeaderBytesAsync(8, async, cancellationToken).ConfigureAwait(false);
            if (header[0] != 8 || (header[1] & ReservedFlags) != 0)
            {
                throw corrupt($"the gzip data is corrupt: {Member()} has compression method {header[0]} and flags 0x{header[1]:x2} (only deflate, 8, without reserved flags exists)", null);
            }

            byte flags = header[1];
            if ((flags & FlagExtra) != 0)
            {
                byte[] length = await ReadHeaderBytesAsync(2, async, cancellationToken).ConfigureAwait(false);
                await ReadHeaderBytesAsync(BinaryPrimitives.ReadUInt16LittleEndian(length), async, cancellationToken).ConfigureAwait(false);
            }

            foreach (byte zeroTerminated in new[] { FlagName, FlagComment })
            {
                if ((flags & zeroTerminated) != 0)
                {
                    int c;
                    while ((c = await feed.ReadByteAsync(async, cancellationToken).ConfigureAwait(false)) > 0)
                    {
                    }

                    if (c < 0)
                    {
                        throw Truncated("in its header");
                    }
                }
            }

            if ((flags & FlagHeaderCrc) != 0)
            {
                await ReadHeaderBytesAsync(2, async, cancellationToken).ConfigureAwait(false);
            }

            feed.StartRecording();
            inflater = new DeflateStream(feed, CompressionMode.Decompress, leaveOpen: true);
            return true;
        }

        private async Task<byte[]> ReadHeaderBytesAsync(int count, bool async, CancellationToken cancellationToken)
        {
            var bytes = new byte[count];
            for (int i = 0; i < count; i++)
            {
                int b = await feed.ReadByteAsync(async, cancellationToken).ConfigureAwait(false);
                if (b < 0)
                {
                    throw Truncated("in its header");
                }

                bytes[i] = (byte)b;
            }

            return bytes;
        }

        /// <summary>Finds the member's trailer where its deflate data can have ended, and gives back what follows it.</summary>
        private async Task FinishMemberAsync(bool async, CancellationToken cancellationToken)
        {
            inflater!.Dispose();
            inflater = null;
            var expected = new byte[TrailerLength];
            BinaryPrimitives.WriteUInt32LittleEndian(expected, crc.GetCurrentHashAsUInt32());
            BinaryPrimitives.WriteUInt32LittleEndian(expected.AsSpan(4), unchecked((uint)memberSize));

            // The deflate data ended inside the last chunk the decoder took, or right after it: the trailer may lie
            // partly or wholly in the bytes that follow.
            byte[] window = await feed.StopRecordingAsync(TrailerLength, async, cancellationToken).ConfigureAwait(false);
            long windowStart = feed.Offset - window.Length;
            int trailer = FindTrailer(window, expected, true);
            if (trailer < 0)
            {
                trailer = FindTrailer(window, expected, false);
            }

            if (trailer >= 0)
            {
                feed.GiveBack(window, trailer + TrailerLength, window.Length - trailer - TrailerLength);
                return;
            }

            if (!feed.AtEnd)
            {
                throw corrupt($"the gzip data is corrupt: {Member()} decodes to {memberSize} bytes, but no trailer with their CRC-32 0x{crc.GetCurrentHashAsUInt32():x8} and size follows its deflate data (which ends between byte {windowStart} and byte {feed.Offset})", null);
            }

            // At the end of the input: a trailer whose size matches but whose CRC-32 does not is damage; anything else
            // is a member cut short.
            if (window.Length >= TrailerLength && window.AsSpan(window.Length - 4).SequenceEqual(expected.AsSpan(4)))
            {
                throw corrupt($"the gzip data is corrupt: {Member()} decodes to {memberSize} bytes whose CRC-32 is 0x{crc.GetCurrentHashAsUInt32():x8}, but its trailer at byte {feed.Offset - TrailerLength} says 0x{BinaryPrimitives.ReadUInt32LittleEndian(window.AsSpan(window.Length - TrailerLength)):x8}", null);
            }

            throw Truncated($"after {memberSize} decompressed bytes of it, without the trailer that closes it");
        }

        /// <summary>
        /// The trailer is found by its value, not its position (the decoder does not say where its data ended): the
        /// first match followed by what may follow a member (the end, zero padding or the next member's header), else
        /// the first match (garbage after it is then refused as such). A trailer damaged in place and followed by a
        /// member of the very same content would still match the latter's: the member between is then lost, which the
        /// content digests of layers and archives catch.
        /// </summary>
        private static int FindTrailer(byte[] window, byte[] expected, bool followed)
        {
            for (int i = 0; i + TrailerLength <= window.Length; i++)
            {
                if (window.AsSpan(i, TrailerLength).SequenceEqual(expected.AsSpan()) && (!followed || CanFollowAMember(window, i + TrailerLength)))
                {
                    return i;
                }
            }

            return -1;
        }

        private static bool CanFollowAMember(byte[] window, int at)
        {
            int left = window.Length - at;
            return left == 0
                || window[at] == 0
                || (window[at] == 0x1F && (left < 2 || (window[at + 1] == 0x8B && (left < 3 || window[at + 2] == 8))));
        }

        private Exception Truncated(string where) =>
            corrupt($"the gzip data is truncated: it ends at byte {feed.Offset}, {where} ({Member()})", new EndOfStreamException());

        /// <summary>
        /// The compressed bytes, buffered, for the header parser and the deflate decoder; it keeps a copy of the last
        /// chunk handed to the decoder, and takes back the bytes the decoder read past its member.
        /// </summary>
        private sealed class Feed : ForwardOnlyReadStream
        {
            private readonly Stream source;
            private byte[] buffer = new byte[ChunkSize];
            private int start;
            private int end;
            private bool sourceEnded;
            private bool recording;
            // The last two chunks handed to the decoder, in two buffers that swap (no allocation per read).
            private byte[] lastChunk = new byte[ChunkSize];
            private int lastLength;
            private byte[] chunkBefore = new byte[ChunkSize];
            private int beforeLength;

            public Feed(Stream source)
            {
                this.source = source;
            }

            /// <summary>Bytes of the input used so far (read from the source and not given back).</summary>
            public long Offset { get; private set; }

            public bool AtEnd => start == end && sourceEnded;

            public void StartRecording()
            {
                recording = true;
                lastLength = 0;
                beforeLength = 0;
            }

            /// <summary>
            /// The last two chunks the decoder took (the one before in case its end-of-block code was all it left to
            /// read) plus up to <paramref name="more"/> bytes after them, which count as used.
            /// </summary>
            public async Task<byte[]> StopRecordingAsync(int more, bool async, CancellationToken cancellationToken)
            {
                recording = false;
                var window = new byte[beforeLength + lastLength + more];
                Buffer.BlockCopy(chunkBefore, 0, window, 0, beforeLength);
                Buffer.BlockCopy(lastChunk, 0, window, beforeLength, lastLength);
                int filled = beforeLength + lastLength;
                while (filled < window.Length)
                {
                    int read = await ReadCoreAsync(window, filled, window.Length - filled, async, cancellationToken).ConfigureAwait(false);
                    if (read == 0)
                    {
                        break;
                    }

                    filled += read;
                }

                lastLength = 0;
                beforeLength = 0;
                return filled == window.Length ? window : window.AsSpan(0, filled).ToArray();
            }

            /// <summary>Puts <paramref name="count"/> bytes back in front of what is still to be read.</summary>
            public void GiveBack(byte[] bytes, int offset, int count)
            {
                if (count == 0)
                {
                    return;
                }

                int remaining = end - start;
                var joined = new byte[Math.Max(ChunkSize, count + remaining)];
                Buffer.BlockCopy(bytes, offset, joined, 0, count);
                Buffer.BlockCopy(buffer, start, joined, count, remaining);
                buffer = joined;
                start = 0;
                end = count + remaining;
                Offset -= count;
            }

            public async Task<int> ReadByteAsync(bool async, CancellationToken cancellationToken)
            {
                if (start == end && !await FillAsync(async, cancellationToken).ConfigureAwait(false))
                {
                    return -1;
                }

                Offset++;
                return buffer[start++];
            }

            public override int Read(byte[] destination, int offset, int count) =>
                ReadCoreAsync(destination, offset, count, false, CancellationToken.None).GetAwaiter().GetResult();

            public override Task<int> ReadAsync(byte[] destination, int offset, int count, CancellationToken cancellationToken) =>
                ReadCoreAsync(destination, offset, count, true, cancellationToken);

            private async Task<int> ReadCoreAsync(byte[] destination, int offset, int count, bool async, CancellationToken cancellationToken)
            {
                if (count == 0 || (start == end && !await FillAsync(async, cancellationToken).ConfigureAwait(false)))
                {
                    return 0;
                }

                int take = Math.Min(Math.Min(count, end - start), ChunkSize);
                Buffer.BlockCopy(buffer, start, destination, offset, take);
                if (recording)
                {
                    byte[] swap = chunkBefore;
                    chunkBefore = lastChunk;
                    beforeLength = lastLength;
                    lastChunk = swap;
                    lastLength = take;
                    Buffer.BlockCopy(buffer, start, lastChunk, 0, take);
                }

                start += take;
                Offset += take;
                return take;
            }

            private async Task<bool> FillAsync(bool async, CancellationToken cancellationToken)
            {
                if (sourceEnded)
                {
                    return false;
                }

                if (buffer.Length > ChunkSize)
                {
                    buffer = new byte[ChunkSize];
                }

                start = 0;
                end = async
                    ? await source.ReadAsync(buffer, 0, buffer.Length, cancellationToken).ConfigureAwait(false)
                    : source.Read(buffer, 0, buffer.Length);
                sourceEnded = end == 0;
                return !sourceEnded;
            }
        }
    }
}
