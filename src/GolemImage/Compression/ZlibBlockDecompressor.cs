using System;
using System.Buffers.Binary;
using System.IO;
using System.IO.Compression;

namespace GolemImage.Compression
{
    /// <summary>Reads squashfs "gzip" blocks (zlib streams), checking the header and the Adler-32 like the kernel does.</summary>
    internal sealed class ZlibBlockDecompressor : IBlockDecompressor
    {
        public CompressionAlgorithm Algorithm => CompressionAlgorithm.Gzip;

        public int Decompress(ReadOnlySpan<byte> source, Span<byte> destination)
        {
            if (source.Length < 6 || (source[0] & 0x0F) != 8 || ((source[0] << 8) | source[1]) % 31 != 0 || (source[1] & 0x20) != 0)
            {
                throw new InvalidDataException("Not a zlib stream: bad header.");
            }

            byte[] input = source.Slice(2, source.Length - 6).ToArray();
            int total = 0;
            using (var deflate = new DeflateStream(new MemoryStream(input, writable: false), CompressionMode.Decompress))
            {
                byte[] chunk = new byte[Math.Min(65536, Math.Max(1, destination.Length + 1))];
                while (true)
                {
                    int read = deflate.Read(chunk, 0, chunk.Length);
                    if (read == 0)
                    {
                        break;
                    }

                    if (total + read > destination.Length)
                    {
                        throw new InvalidDataException("zlib stream decompresses to more than the block size.");
                    }

                    chunk.AsSpan(0, read).CopyTo(destination.Slice(total));
                    total += read;
                }
            }

            uint expected = BinaryPrimitives.ReadUInt32BigEndian(source.Slice(source.Length - 4));
            if (Adler32.Compute(destination.Slice(0, total)) != expected)
            {
                throw new InvalidDataException("zlib stream Adler-32 mismatch.");
            }

            return total;
        }
    }
}
