using System;
using System.IO;

namespace GolemImage.Compression.Lzo
{
    /// <summary>
    /// Safe LZO1X decoder (bitstream version 0, what squashfs compressor id 3 stores). Every read and write
    /// is bounds-checked, so a corrupt or hostile block fails with <see cref="InvalidDataException"/> instead of
    /// reading or writing outside the given spans. Like liblzo2's lzo1x_decompress_safe it demands the end
    /// marker 0x11 0x00 0x00 exactly at the end of the input.
    /// </summary>
    public sealed class LzoBlockDecompressor : IBlockDecompressor
    {
        public CompressionAlgorithm Algorithm => CompressionAlgorithm.Lzo;

        public int Decompress(ReadOnlySpan<byte> source, Span<byte> destination)
        {
            int ip = 0;
            int op = 0;
            int inLength = source.Length;
            int outLength = destination.Length;

            // The number of literals the previous instruction copied: 0, 1..3, or 4 for "a literal run of >= 4".
            // It decides what an instruction byte below 16 means.
            int state = 0;

            if (inLength == 0)
            {
                throw Corrupt("the input is empty (no end-of-stream marker)", 0, 0);
            }

            if (source[0] > 17)
            {
                int count = source[0] - 17;
                ip = 1;
                CopyLiterals(source, destination, ref ip, ref op, count);
                state = count < 4 ? count : 4;
            }

            while (true)
            {
                if (ip >= inLength)
                {
                    throw Corrupt("the input ended without the end-of-stream marker", ip, op);
                }

                int instructionOffset = ip;
                int b = source[ip++];
                int length;
                int distance;
                int trailing;

                if (b < 16)
                {
                    if (state == 0)
                    {
                        int count = b != 0 ? b + 3 : 18 + ReadExtendedLength(source, ref ip, op);
                        CopyLiterals(source, destination, ref ip, ref op, count);
                        state = 4;
                        continue;
                    }

                    int next = ReadByte(source, ref ip, op);
                    if (state < 4)
                    {
                        length = 2;
                        distance = 1 + (b >> 2) + (next << 2);
                    }
                    else
                    {
                        length = 3;
                        distance = 2049 + (b >> 2) + (next << 2);
                    }

                    trailing = b & 3;
                }
                else if (b < 32)
                {
                    length = (b & 7) != 0 ? (b & 7) + 2 : 9 + ReadExtendedLength(source, ref ip, op);
                    int value = ReadLittleEndian16(source, ref ip, op);
                    int far = (value >> 2) + ((b & 8) << 11);
                    if (far == 0)
                    {
                        if (b != 0x11 || value != 0)
                        {
                            throw Corrupt("malformed end-of-stream marker", instructionOffset, op);
                        }

                        if (ip != inLength)
                        {
                            throw Corrupt($"{inLength - ip} byte(s) of trailing input after the end-of-stream marker", ip, op);
                        }

                        return op;
                    }

                    distance = 16384 + far;
                    trailing = value & 3;
                }
                else if (b < 64)
                {
                    length = (b & 31) != 0 ? (b & 31) + 2 : 33 + ReadExtendedLength(source, ref ip, op);
                    int value = ReadLittleEndian16(source, ref ip, op);
                    distance = (value >> 2) + 1;
                    trailing = value & 3;
                }
                else
                {
                    length = (b >> 5) + 1;
                    int next = ReadByte(source, ref ip, op);
                    distance = ((b >> 2) & 7) + (next << 3) + 1;
                    trailing = b & 3;
                }

                if (distance > op)
                {
                    throw Corrupt($"look-behind overrun: a match reaches {distance} bytes back but only {op} have been written", instructionOffset, op);
                }

                if (length > outLength - op)
                {
                    throw Corrupt($"output overrun: a {length}-byte match does not fit in the {outLength}-byte output", instructionOffset, op);
                }

                int from = op - distance;
                if (distance >= length)
                {
                    destination.Slice(from, length).CopyTo(destination.Slice(op, length));
                    op += length;
                }
                else
                {
                    // Overlapping copy repeats the last `distance` bytes; it must go byte by byte, forwards.
                    for (int i = 0; i < length; i++)
                    {
                        destination[op++] = destination[from + i];
                    }
                }

                if (trailing != 0)
                {
                    CopyLiterals(source, destination, ref ip, ref op, trailing);
                }

                state = trailing;
            }
        }

        private static void CopyLiterals(ReadOnlySpan<byte> source, Span<byte> destination, ref int ip, ref int op, int count)
        {
            if (count > source.Length - ip)
            {
                throw Corrupt($"input overrun: {count} literal byte(s) announced but only {source.Length - ip} remain", ip, op);
            }

            if (count > destination.Length - op)
            {
                throw Corrupt($"output overrun: {count} literal byte(s) do not fit in the {destination.Length}-byte output", ip, op);
            }

            source.Slice(ip, count).CopyTo(destination.Slice(op, count));
            ip += count;
            op += count;
        }

        private static int ReadByte(ReadOnlySpan<byte> source, ref int ip, int op)
        {
            if (ip >= source.Length)
            {
                throw Corrupt("input overrun inside an instruction", ip, op);
            }

            return source[ip++];
        }

        private static int ReadLittleEndian16(ReadOnlySpan<byte> source, ref int ip, int op)
        {
            if (source.Length - ip < 2)
            {
                throw Corrupt("input overrun inside an instruction", ip, op);
            }

            int value = source[ip] | (source[ip + 1] << 8);
            ip += 2;
            return value;
        }

        // value = 255 per zero byte + the first non-zero byte. Capped so that a run of zeros cannot overflow int.
        private static int ReadExtendedLength(ReadOnlySpan<byte> source, ref int ip, int op)
        {
            int total = 0;
            while (true)
            {
                if (ip >= source.Length)
                {
                    throw Corrupt("input overrun inside a length", ip, op);
                }

                int b = source[ip++];
                if (b != 0)
                {
                    return total + b;
                }

                total += 255;
                if (total > 1 << 28)
                {
                    throw Corrupt("length field too long", ip, op);
                }
            }
        }

        private static InvalidDataException Corrupt(string problem, int inputOffset, int outputOffset) =>
            new InvalidDataException($"Corrupt LZO1X block: {problem} (input offset {inputOffset}, output offset {outputOffset}).");
    }
}
