using System;
using System.Buffers;
using System.Buffers.Binary;
using System.IO;
using System.Runtime.CompilerServices;
using System.Threading;
using System.Threading.Tasks;

namespace GolemImage.Hashing
{
    /// <summary>
    /// SHA3-224 (FIPS 202: Keccak-f[1600], capacity 448, domain padding 0x06), the hash that names
    /// a Golem image. .NET has none (and SHA3 in .NET 8+ depends on the OS's OpenSSL, without 224),
    /// so this is a managed implementation whose bytes are identical on every target framework.
    /// </summary>
    public sealed class Sha3_224
    {
        /// <summary>Digest length in bytes.</summary>
        public const int HashSizeInBytes = 28;

        /// <summary>Rate: (1600 - 2 * 224) / 8 bytes absorbed per permutation.</summary>
        public const int RateInBytes = 144;

        private static readonly ulong[] RoundConstants =
        {
            0x0000000000000001UL, 0x0000000000008082UL, 0x800000000000808AUL, 0x8000000080008000UL,
            0x000000000000808BUL, 0x0000000080000001UL, 0x8000000080008081UL, 0x8000000000008009UL,
            0x000000000000008AUL, 0x0000000000000088UL, 0x0000000080008009UL, 0x000000008000000AUL,
            0x000000008000808BUL, 0x800000000000008BUL, 0x8000000000008089UL, 0x8000000000008003UL,
            0x8000000000008002UL, 0x8000000000000080UL, 0x000000000000800AUL, 0x800000008000000AUL,
            0x8000000080008081UL, 0x8000000000008080UL, 0x0000000080000001UL, 0x8000000080008008UL
        };

        private readonly ulong[] state = new ulong[25];
        private readonly byte[] pending = new byte[RateInBytes];
        private int pendingLength;

        /// <summary>One-shot hash of <paramref name="data"/>.</summary>
        public static byte[] HashData(ReadOnlySpan<byte> data)
        {
            var sha3 = new Sha3_224();
            sha3.Append(data);
            return sha3.GetHashAndReset();
        }

        /// <summary>One-shot hash of <paramref name="data"/>.</summary>
        public static byte[] HashData(byte[] data)
        {
            if (data == null)
            {
                throw new ArgumentNullException(nameof(data));
            }

            return HashData(new ReadOnlySpan<byte>(data));
        }

        /// <summary>
        /// Hashes <paramref name="stream"/> from its current position to its end. Reading the next
        /// buffer overlaps with hashing the previous one, so a file hashes at the speed of the slower of the two.
        /// </summary>
        public static Task<byte[]> HashStreamAsync(Stream stream, CancellationToken cancellationToken)
        {
            return HashStreamAsync(stream, null, cancellationToken);
        }

        /// <summary>
        /// Like <see cref="HashStreamAsync(Stream, CancellationToken)"/>, calling <paramref name="bytesHashed"/>
        /// with the running total after each buffer (for progress reporting).
        /// </summary>
        public static async Task<byte[]> HashStreamAsync(Stream stream, Action<long>? bytesHashed, CancellationToken cancellationToken)
        {
            if (stream == null)
            {
                throw new ArgumentNullException(nameof(stream));
            }

            const int BufferSize = RateInBytes * 7282; // ~1 MiB, a whole number of blocks so Append never copies
            var sha3 = new Sha3_224();
            byte[] current = ArrayPool<byte>.Shared.Rent(BufferSize);
            byte[] next = ArrayPool<byte>.Shared.Rent(BufferSize);
            long total = 0;
            try
            {
                int currentLength = await ReadFullAsync(stream, current, BufferSize, cancellationToken).ConfigureAwait(false);
                while (currentLength > 0)
                {
                    Task<int> reading = ReadFullAsync(stream, next, BufferSize, cancellationToken);
                    sha3.Append(new ReadOnlySpan<byte>(current, 0, currentLength));
                    total += currentLength;
                    bytesHashed?.Invoke(total);
                    currentLength = await reading.ConfigureAwait(false);
                    byte[] swap = current;
                    current = next;
                    next = swap;
                }
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(current);
                ArrayPool<byte>.Shared.Return(next);
            }

            return sha3.GetHashAndReset();
        }

        /// <summary>Absorbs <paramref name="data"/>; any split of a message into appends gives the same hash.</summary>
        public void Append(ReadOnlySpan<byte> data)
        {
            if (pendingLength > 0)
            {
                int take = Math.Min(RateInBytes - pendingLength, data.Length);
                data.Slice(0, take).CopyTo(new Span<byte>(pending, pendingLength, take));
                pendingLength += take;
                data = data.Slice(take);
                if (pendingLength < RateInBytes)
                {
                    return;
                }

                AbsorbBlocks(state, pending);
                pendingLength = 0;
            }

            int wholeBlocks = data.Length / RateInBytes * RateInBytes;
            if (wholeBlocks > 0)
            {
                AbsorbBlocks(state, data.Slice(0, wholeBlocks));
                data = data.Slice(wholeBlocks);
            }

            if (data.Length > 0)
            {
                data.CopyTo(pending);
                pendingLength = data.Length;
            }
        }

        /// <summary>Absorbs <paramref name="data"/>.</summary>
        public void Append(byte[] data, int offset, int count)
        {
            Append(new ReadOnlySpan<byte>(data, offset, count));
        }

        /// <summary>Finishes the hash of everything appended so far and starts over with an empty message.</summary>
        public byte[] GetHashAndReset()
        {
            Array.Clear(pending, pendingLength, RateInBytes - pendingLength);
            pending[pendingLength] ^= 0x06;
            pending[RateInBytes - 1] ^= 0x80;
            AbsorbBlocks(state, pending);

            var hash = new byte[HashSizeInBytes];
            for (int i = 0; i < HashSizeInBytes / 8; i++)
            {
                BinaryPrimitives.WriteUInt64LittleEndian(new Span<byte>(hash, i * 8, 8), state[i]);
            }

            // 28 bytes = three whole lanes and the low half of the fourth.
            BinaryPrimitives.WriteUInt32LittleEndian(new Span<byte>(hash, 24, 4), (uint)state[3]);

            Array.Clear(state, 0, state.Length);
            Array.Clear(pending, 0, pending.Length);
            pendingLength = 0;
            return hash;
        }

        private static async Task<int> ReadFullAsync(Stream stream, byte[] buffer, int count, CancellationToken cancellationToken)
        {
            int filled = 0;
            while (filled < count)
            {
                int read = await stream.ReadAsync(buffer, filled, count - filled, cancellationToken).ConfigureAwait(false);
                if (read == 0)
                {
                    break;
                }

                filled += read;
            }

            return filled;
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static ulong Rol(ulong value, int count)
        {
            return (value << count) | (value >> (64 - count));
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static unsafe ulong Lane(byte* block, int index)
        {
            // Unaligned 8-byte loads are fine on every platform .NET runs on; only the byte order needs care.
            ulong value = *(ulong*)(block + (8 * index));
            return BitConverter.IsLittleEndian ? value : BinaryPrimitives.ReverseEndianness(value);
        }

        /// <summary>
        /// XORs each whole block of <paramref name="blocks"/> into the state and permutes. The state lives in
        /// locals for the whole run, the rounds are unrolled in pairs (A to E and back, so chi never overwrites
        /// a lane another row still needs), and chi accumulates the next round's column parities as it goes.
        /// </summary>
        // AggressiveOptimization (512, not in netstandard2.0's enum): a hash of one big file calls this once, so
        // tiered compilation would otherwise run the first seconds in unoptimized code.
        [MethodImpl((MethodImplOptions)512)]
        private static unsafe void AbsorbBlocks(ulong[] s, ReadOnlySpan<byte> blocks)
        {
            ulong a00 = s[0], a01 = s[1], a02 = s[2], a03 = s[3], a04 = s[4];
            ulong a05 = s[5], a06 = s[6], a07 = s[7], a08 = s[8], a09 = s[9];
            ulong a10 = s[10], a11 = s[11], a12 = s[12], a13 = s[13], a14 = s[14];
            ulong a15 = s[15], a16 = s[16], a17 = s[17], a18 = s[18], a19 = s[19];
            ulong a20 = s[20], a21 = s[21], a22 = s[22], a23 = s[23], a24 = s[24];
            ulong e00, e01, e02, e03, e04, e05, e06, e07, e08, e09, e10, e11, e12;
            ulong e13, e14, e15, e16, e17, e18, e19, e20, e21, e22, e23, e24;
            ulong b0, b1, b2, b3, b4, c0, c1, c2, c3, c4, d0, d1, d2, d3, d4;
            ulong[] rc = RoundConstants;

            fixed (byte* start = blocks)
            {
                byte* p = start;
                for (int remaining = blocks.Length; remaining >= RateInBytes; remaining -= RateInBytes, p += RateInBytes)
                {
                    a00 ^= Lane(p, 0);
                    a01 ^= Lane(p, 1);
                    a02 ^= Lane(p, 2);
                    a03 ^= Lane(p, 3);
                    a04 ^= Lane(p, 4);
                    a05 ^= Lane(p, 5);
                    a06 ^= Lane(p, 6);
                    a07 ^= Lane(p, 7);
                    a08 ^= Lane(p, 8);
                    a09 ^= Lane(p, 9);
                    a10 ^= Lane(p, 10);
                    a11 ^= Lane(p, 11);
                    a12 ^= Lane(p, 12);
                    a13 ^= Lane(p, 13);
                    a14 ^= Lane(p, 14);
                    a15 ^= Lane(p, 15);
                    a16 ^= Lane(p, 16);
                    a17 ^= Lane(p, 17);
                    c0 = a00 ^ a05 ^ a10 ^ a15 ^ a20;
                    c1 = a01 ^ a06 ^ a11 ^ a16 ^ a21;
                    c2 = a02 ^ a07 ^ a12 ^ a17 ^ a22;
                    c3 = a03 ^ a08 ^ a13 ^ a18 ^ a23;
                    c4 = a04 ^ a09 ^ a14 ^ a19 ^ a24;
                    for (int round = 0; round < 24; round += 2)
                    {
                        // round 2k: A -> E
                        d0 = c4 ^ Rol(c1, 1);
                        d1 = c0 ^ Rol(c2, 1);
                        d2 = c1 ^ Rol(c3, 1);
                        d3 = c2 ^ Rol(c4, 1);
                        d4 = c3 ^ Rol(c0, 1);
                        b0 = (a00 ^ d0);
                        b1 = Rol(a06 ^ d1, 44);
                        b2 = Rol(a12 ^ d2, 43);
                        b3 = Rol(a18 ^ d3, 21);
                        b4 = Rol(a24 ^ d4, 14);
                        e00 = b0 ^ (~b1 & b2) ^ rc[round];
                        e01 = b1 ^ (~b2 & b3);
                        e02 = b2 ^ (~b3 & b4);
                        e03 = b3 ^ (~b4 & b0);
                        e04 = b4 ^ (~b0 & b1);
                        c0 = e00;
                        c1 = e01;
                        c2 = e02;
                        c3 = e03;
                        c4 = e04;
                        b0 = Rol(a03 ^ d3, 28);
                        b1 = Rol(a09 ^ d4, 20);
                        b2 = Rol(a10 ^ d0, 3);
                        b3 = Rol(a16 ^ d1, 45);
                        b4 = Rol(a22 ^ d2, 61);
                        e05 = b0 ^ (~b1 & b2);
                        e06 = b1 ^ (~b2 & b3);
                        e07 = b2 ^ (~b3 & b4);
                        e08 = b3 ^ (~b4 & b0);
                        e09 = b4 ^ (~b0 & b1);
                        c0 ^= e05;
                        c1 ^= e06;
                        c2 ^= e07;
                        c3 ^= e08;
                        c4 ^= e09;
                        b0 = Rol(a01 ^ d1, 1);
                        b1 = Rol(a07 ^ d2, 6);
                        b2 = Rol(a13 ^ d3, 25);
                        b3 = Rol(a19 ^ d4, 8);
                        b4 = Rol(a20 ^ d0, 18);
                        e10 = b0 ^ (~b1 & b2);
                        e11 = b1 ^ (~b2 & b3);
                        e12 = b2 ^ (~b3 & b4);
                        e13 = b3 ^ (~b4 & b0);
                        e14 = b4 ^ (~b0 & b1);
                        c0 ^= e10;
                        c1 ^= e11;
                        c2 ^= e12;
                        c3 ^= e13;
                        c4 ^= e14;
                        b0 = Rol(a04 ^ d4, 27);
                        b1 = Rol(a05 ^ d0, 36);
                        b2 = Rol(a11 ^ d1, 10);
                        b3 = Rol(a17 ^ d2, 15);
                        b4 = Rol(a23 ^ d3, 56);
                        e15 = b0 ^ (~b1 & b2);
                        e16 = b1 ^ (~b2 & b3);
                        e17 = b2 ^ (~b3 & b4);
                        e18 = b3 ^ (~b4 & b0);
                        e19 = b4 ^ (~b0 & b1);
                        c0 ^= e15;
                        c1 ^= e16;
                        c2 ^= e17;
                        c3 ^= e18;
                        c4 ^= e19;
                        b0 = Rol(a02 ^ d2, 62);
                        b1 = Rol(a08 ^ d3, 55);
                        b2 = Rol(a14 ^ d4, 39);
                        b3 = Rol(a15 ^ d0, 41);
                        b4 = Rol(a21 ^ d1, 2);
                        e20 = b0 ^ (~b1 & b2);
                        e21 = b1 ^ (~b2 & b3);
                        e22 = b2 ^ (~b3 & b4);
                        e23 = b3 ^ (~b4 & b0);
                        e24 = b4 ^ (~b0 & b1);
                        c0 ^= e20;
                        c1 ^= e21;
                        c2 ^= e22;
                        c3 ^= e23;
                        c4 ^= e24;
                        // round 2k+1: E -> A
                        d0 = c4 ^ Rol(c1, 1);
                        d1 = c0 ^ Rol(c2, 1);
                        d2 = c1 ^ Rol(c3, 1);
                        d3 = c2 ^ Rol(c4, 1);
                        d4 = c3 ^ Rol(c0, 1);
                        b0 = (e00 ^ d0);
                        b1 = Rol(e06 ^ d1, 44);
                        b2 = Rol(e12 ^ d2, 43);
                        b3 = Rol(e18 ^ d3, 21);
                        b4 = Rol(e24 ^ d4, 14);
                        a00 = b0 ^ (~b1 & b2) ^ rc[round + 1];
                        a01 = b1 ^ (~b2 & b3);
                        a02 = b2 ^ (~b3 & b4);
                        a03 = b3 ^ (~b4 & b0);
                        a04 = b4 ^ (~b0 & b1);
                        c0 = a00;
                        c1 = a01;
                        c2 = a02;
                        c3 = a03;
                        c4 = a04;
                        b0 = Rol(e03 ^ d3, 28);
                        b1 = Rol(e09 ^ d4, 20);
                        b2 = Rol(e10 ^ d0, 3);
                        b3 = Rol(e16 ^ d1, 45);
                        b4 = Rol(e22 ^ d2, 61);
                        a05 = b0 ^ (~b1 & b2);
                        a06 = b1 ^ (~b2 & b3);
                        a07 = b2 ^ (~b3 & b4);
                        a08 = b3 ^ (~b4 & b0);
                        a09 = b4 ^ (~b0 & b1);
                        c0 ^= a05;
                        c1 ^= a06;
                        c2 ^= a07;
                        c3 ^= a08;
                        c4 ^= a09;
                        b0 = Rol(e01 ^ d1, 1);
                        b1 = Rol(e07 ^ d2, 6);
                        b2 = Rol(e13 ^ d3, 25);
                        b3 = Rol(e19 ^ d4, 8);
                        b4 = Rol(e20 ^ d0, 18);
                        a10 = b0 ^ (~b1 & b2);
                        a11 = b1 ^ (~b2 & b3);
                        a12 = b2 ^ (~b3 & b4);
                        a13 = b3 ^ (~b4 & b0);
                        a14 = b4 ^ (~b0 & b1);
                        c0 ^= a10;
                        c1 ^= a11;
                        c2 ^= a12;
                        c3 ^= a13;
                        c4 ^= a14;
                        b0 = Rol(e04 ^ d4, 27);
                        b1 = Rol(e05 ^ d0, 36);
                        b2 = Rol(e11 ^ d1, 10);
                        b3 = Rol(e17 ^ d2, 15);
                        b4 = Rol(e23 ^ d3, 56);
                        a15 = b0 ^ (~b1 & b2);
                        a16 = b1 ^ (~b2 & b3);
                        a17 = b2 ^ (~b3 & b4);
                        a18 = b3 ^ (~b4 & b0);
                        a19 = b4 ^ (~b0 & b1);
                        c0 ^= a15;
                        c1 ^= a16;
                        c2 ^= a17;
                        c3 ^= a18;
                        c4 ^= a19;
                        b0 = Rol(e02 ^ d2, 62);
                        b1 = Rol(e08 ^ d3, 55);
                        b2 = Rol(e14 ^ d4, 39);
                        b3 = Rol(e15 ^ d0, 41);
                        b4 = Rol(e21 ^ d1, 2);
                        a20 = b0 ^ (~b1 & b2);
                        a21 = b1 ^ (~b2 & b3);
                        a22 = b2 ^ (~b3 & b4);
                        a23 = b3 ^ (~b4 & b0);
                        a24 = b4 ^ (~b0 & b1);
                        c0 ^= a20;
                        c1 ^= a21;
                        c2 ^= a22;
                        c3 ^= a23;
                        c4 ^= a24;
                    }
                }
            }

            s[0] = a00; s[1] = a01; s[2] = a02; s[3] = a03; s[4] = a04;
            s[5] = a05; s[6] = a06; s[7] = a07; s[8] = a08; s[9] = a09;
            s[10] = a10; s[11] = a11; s[12] = a12; s[13] = a13; s[14] = a14;
            s[15] = a15; s[16] = a16; s[17] = a17; s[18] = a18; s[19] = a19;
            s[20] = a20; s[21] = a21; s[22] = a22; s[23] = a23; s[24] = a24;
        }
    }
}
