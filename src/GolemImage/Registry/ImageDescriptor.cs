using System;
using System.Collections.Generic;
using System.IO;
using System.Security.Cryptography;
using System.Threading;
using System.Threading.Tasks;
using GolemImage.Hashing;

namespace GolemImage.Registry
{
    /// <summary>
    /// The chunk descriptor the Golem registry identifies an upload by, in gvmkit-build's binary layout:
    /// u64 BE version (0x333333334) | u64 BE file size | u64 BE chunk size | 28-byte SHA3-224 of the file |
    /// 32-byte SHA-256 per chunk. The registry addresses it by the SHA-256 of these bytes.
    /// </summary>
    public sealed class ImageDescriptor
    {
        public const ulong FormatVersion = 0x333333334UL;

        /// <summary>The registry refuses descriptors with more chunks than this (gvmkit-build README).</summary>
        public const int MaximumChunkCount = 1000;

        private const int HeaderLength = 8 + 8 + 8 + 28;
        private const long MebiByte = 1024L * 1024;

        private readonly byte[][] chunkSha256;

        public ImageDescriptor(long fileSize, long chunkSize, byte[] sha3, IReadOnlyList<byte[]> chunkSha256)
        {
            if (fileSize < 0)
            {
                throw new ArgumentOutOfRangeException(nameof(fileSize));
            }

            if (chunkSize <= 0)
            {
                throw new ArgumentOutOfRangeException(nameof(chunkSize));
            }

            if (sha3 == null || sha3.Length != 28)
            {
                throw new ArgumentException("The SHA3-224 digest must be 28 bytes.", nameof(sha3));
            }

            if (chunkSha256.Count != CountChunks(fileSize, chunkSize))
            {
                throw new ArgumentException($"A file of {fileSize} bytes in chunks of {chunkSize} bytes has {CountChunks(fileSize, chunkSize)} chunks, not {chunkSha256.Count}.", nameof(chunkSha256));
            }

            FileSize = fileSize;
            ChunkSize = chunkSize;
            Sha3 = (byte[])sha3.Clone();
            this.chunkSha256 = new byte[chunkSha256.Count][];
            for (int i = 0; i < chunkSha256.Count; i++)
            {
                if (chunkSha256[i] == null || chunkSha256[i].Length != 32)
                {
                    throw new ArgumentException($"The SHA-256 digest of chunk {i} must be 32 bytes.", nameof(chunkSha256));
                }

                this.chunkSha256[i] = (byte[])chunkSha256[i].Clone();
            }

            Bytes = Serialize();
            using (SHA256 sha256 = SHA256.Create())
            {
                DescriptorSha256 = sha256.ComputeHash(Bytes);
            }
        }

        public long FileSize { get; }

        public long ChunkSize { get; }

        /// <summary>SHA3-224 of the whole file: the image hash providers check.</summary>
        public byte[] Sha3 { get; }

        public int ChunkCount => chunkSha256.Length;

        /// <summary>The serialized descriptor, exactly as pushed to the registry and cached beside the image.</summary>
        public byte[] Bytes { get; }

        /// <summary>SHA-256 of <see cref="Bytes"/>: the registry's id of this upload.</summary>
        public byte[] DescriptorSha256 { get; }

        public string Sha3Hex => HexString.Lower(Sha3);

        public string DescriptorSha256Hex => HexString.Lower(DescriptorSha256);

        public byte[] GetChunkSha256(int chunkNumber) => (byte[])chunkSha256[chunkNumber].Clone();

        public long GetChunkPosition(int chunkNumber) => chunkNumber * ChunkSize;

        public long GetChunkLength(int chunkNumber) => Math.Min(ChunkSize, FileSize - GetChunkPosition(chunkNumber));

        public static long CountChunks(long fileSize, long chunkSize) => (fileSize + chunkSize - 1) / chunkSize;

        /// <summary>
        /// gvmkit-build's default chunk size by file size, raised (in whole MiB) where the default
        /// would exceed the registry's chunk cap, which only files beyond 100 GB reach.
        /// </summary>
        public static long DefaultChunkSize(long fileSize)
        {
            long chunkSize;
            if (fileSize > 5 * 1024 * MebiByte)
            {
                chunkSize = 100 * MebiByte;
            }
            else if (fileSize > 2 * 1024 * MebiByte)
            {
                chunkSize = 50 * MebiByte;
            }
            else if (fileSize > 1024 * MebiByte)
            {
                chunkSize = 20 * MebiByte;
            }
            else if (fileSize > 500 * MebiByte)
            {
                chunkSize = 10 * MebiByte;
            }
            else if (fileSize > 200 * MebiByte)
            {
                chunkSize = 5 * MebiByte;
            }
            else
            {
                chunkSize = 2 * MebiByte;
            }

            if (CountChunks(fileSize, chunkSize) > MaximumChunkCount)
            {
                long minimum = (fileSize + MaximumChunkCount - 1) / MaximumChunkCount;
                chunkSize = (minimum + MebiByte - 1) / MebiByte * MebiByte;
            }

            return chunkSize;
        }

        /// <summary>Parses descriptor bytes; <paramref name="source"/> names them in errors.</summary>
        public static ImageDescriptor Parse(byte[] bytes, string source)
        {
            if (bytes.Length < HeaderLength)
            {
                throw Invalid(source, $"it is {bytes.Length} bytes long, shorter than the {HeaderLength}-byte header");
            }

            ulong version = ReadUInt64BigEndian(bytes, 0);
            if (version != FormatVersion)
            {
                throw Invalid(source, $"its version is 0x{version:x}, not 0x{FormatVersion:x}");
            }

            ulong fileSize = ReadUInt64BigEndian(bytes, 8);
            ulong chunkSize = ReadUInt64BigEndian(bytes, 16);
            if (fileSize > long.MaxValue / 2 || chunkSize == 0 || chunkSize > int.MaxValue)
            {
                throw Invalid(source, $"its file size {fileSize} or chunk size {chunkSize} is out of range");
            }

            long chunkCount = CountChunks((long)fileSize, (long)chunkSize);
            long expectedLength = HeaderLength + (chunkCount * 32);
            if (bytes.Length != expectedLength)
            {
                throw Invalid(source, $"it is {bytes.Length} bytes long, but {chunkCount} chunks need {expectedLength} bytes");
            }

            var sha3 = new byte[28];
            Buffer.BlockCopy(bytes, 24, sha3, 0, 28);
            var chunks = new byte[chunkCount][];
            for (int i = 0; i < chunkCount; i++)
            {
                chunks[i] = new byte[32];
                Buffer.BlockCopy(bytes, HeaderLength + (i * 32), chunks[i], 0, 32);
            }

            return new ImageDescriptor((long)fileSize, (long)chunkSize, sha3, chunks);
        }

        /// <summary>
        /// Reads <paramref name="stream"/> once to its end, hashing the whole of it with SHA3-224 and each
        /// chunk with SHA-256. <paramref name="bytesRead"/> is told the running total as reading goes.
        /// </summary>
        public static async Task<ImageDescriptor> ComputeAsync(Stream stream, long fileSize, long chunkSize, Action<long>? bytesRead, CancellationToken cancellationToken)
        {
            if (chunkSize <= 0 || chunkSize > int.MaxValue)
            {
                throw new ArgumentOutOfRangeException(nameof(chunkSize));
            }

            const int ReadSize = 1024 * 1024;
            var sha3 = new Sha3_224();
            var chunks = new List<byte[]>((int)CountChunks(fileSize, chunkSize));
            var buffers = new[] { new byte[ReadSize], new byte[ReadSize] };
            using (IncrementalHash sha256 = IncrementalHash.CreateHash(HashAlgorithmName.SHA256))
            {
                long total = 0;
                long inChunk = 0;
                int current = 0;

                // Read the next buffer while hashing this one: hashing and I/O overlap, one pass over the file.
                Task<int> pending = ReadAsync(stream, buffers[current], (int)Math.Min(ReadSize, Math.Max(0, fileSize - total)), cancellationToken);
                while (true)
                {
                    int count = await pending.ConfigureAwait(false);
                    if (count == 0)
                    {
                        break;
                    }

                    byte[] buffer = buffers[current];
                    total += count;
                    current ^= 1;
                    pending = ReadAsync(stream, buffers[current], (int)Math.Min(ReadSize, Math.Max(0, fileSize - total)), cancellationToken);

                    sha3.Append(new ReadOnlySpan<byte>(buffer, 0, count));
                    int offset = 0;
                    while (offset < count)
                    {
                        int take = (int)Math.Min(count - offset, chunkSize - inChunk);
                        sha256.AppendData(buffer, offset, take);
                        offset += take;
                        inChunk += take;
                        if (inChunk == chunkSize)
                        {
                            chunks.Add(sha256.GetHashAndReset());
                            inChunk = 0;
                        }
                    }

                    bytesRead?.Invoke(total);
                }

                if (total != fileSize)
                {
                    throw new GolemImageException(ErrorIds.ImageChangedWhileReading, GolemErrorCategory.ReadError, $"The image was {fileSize} bytes long when publishing started, but {total} bytes could be read; was it changed meanwhile?");
                }

                if (inChunk > 0)
                {
                    chunks.Add(sha256.GetHashAndReset());
                }

                return new ImageDescriptor(fileSize, chunkSize, sha3.GetHashAndReset(), chunks);
            }
        }

        private static async Task<int> ReadAsync(Stream stream, byte[] buffer, int wanted, CancellationToken cancellationToken)
        {
            int filled = 0;
            while (filled < wanted)
            {
                int read = await stream.ReadAsync(buffer, filled, wanted - filled, cancellationToken).ConfigureAwait(false);
                if (read == 0)
                {
                    break;
                }

                filled += read;
            }

            return filled;
        }

        private static GolemImageException Invalid(string source, string problem) =>
            new GolemImageException(ErrorIds.InvalidImageDescriptor, GolemErrorCategory.InvalidData, $"'{source}' is not a valid image descriptor: {problem}.", source);

        private static ulong ReadUInt64BigEndian(byte[] bytes, int offset)
        {
            ulong value = 0;
            for (int i = 0; i < 8; i++)
            {
                value = (value << 8) | bytes[offset + i];
            }

            return value;
        }

        private static void WriteUInt64BigEndian(byte[] bytes, int offset, ulong value)
        {
            for (int i = 7; i >= 0; i--)
            {
                bytes[offset + i] = (byte)value;
                value >>= 8;
            }
        }

        private byte[] Serialize()
        {
            var bytes = new byte[HeaderLength + (chunkSha256.Length * 32)];
            WriteUInt64BigEndian(bytes, 0, FormatVersion);
            WriteUInt64BigEndian(bytes, 8, (ulong)FileSize);
            WriteUInt64BigEndian(bytes, 16, (ulong)ChunkSize);
            Buffer.BlockCopy(Sha3, 0, bytes, 24, 28);
            for (int i = 0; i < chunkSha256.Length; i++)
            {
                Buffer.BlockCopy(chunkSha256[i], 0, bytes, HeaderLength + (i * 32), 32);
            }

            return bytes;
        }
    }
}
