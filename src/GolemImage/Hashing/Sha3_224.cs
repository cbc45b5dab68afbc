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

        /// <summary>
        /// XORs each whole block of <paramref name="blocks"/> into the state and permutes. The state lives in
        /// locals for the whole run so the JIT can keep lanes in registers instead of reloading an array.
        /// </summary>
        private static void AbsorbBlocks(ulong[] s, ReadOnlySpan<byte> blocks)
        {
            ulong a00 = s[0], a01 = s[1], a02 = s[2], a03 = s[3], a04 = s[4];
            ulong a05 = s[5], a06 = s[6], a07 = s[7], a08 = s[8], a09 = s[9];
            ulong a10 = s[10], a11 = s[11], a12 = s[12], a13 = s[13], a14 = s[14];
            ulong a15 = s[15], a16 = s[16], a17 = s[17], a18 = s[18], a19 = s[19];
            ulong a20 = s[20], a21 = s[21], a22 = s[22], a23 = s[23], a24 = s[24];

            while (blocks.Length >= RateInBytes)
            {
                a00 ^= BinaryPrimitives.ReadUInt64LittleEndian(blocks);
                a01 ^= BinaryPrimitives.ReadUInt64LittleEndian(blocks.Slice(8));
                a02 ^= BinaryPrimitives.ReadUInt64LittleEndian(blocks.Slice(16));
                a03 ^= BinaryPrimitives.ReadUInt64LittleEndian(blocks.Slice(24));
                a04 ^= BinaryPrimitives.ReadUInt64LittleEndian(blocks.Slice(32));
                a05 ^= BinaryPrimitives.ReadUInt64LittleEndian(blocks.Slice(40));
                a06 ^= BinaryPrimitives.ReadUInt64LittleEndian(blocks.Slice(48));
                a07 ^= BinaryPrimitives.ReadUInt64LittleEndian(blocks.Slice(56));
                a08 ^= BinaryPrimitives.ReadUInt64LittleEndian(blocks.Slice(64));
                a09 ^= BinaryPrimitives.ReadUInt64LittleEndian(blocks.Slice(72));
                a10 ^= BinaryPrimitives.ReadUInt64LittleEndian(blocks.Slice(80));
                a11 ^= BinaryPrimitives.ReadUInt64LittleEndian(blocks.Slice(88));
                a12 ^= BinaryPrimitives.ReadUInt64LittleEndian(blocks.Slice(96));
                a13 ^= BinaryPrimitives.ReadUInt64LittleEndian(blocks.Slice(104));
                a14 ^= BinaryPrimitives.ReadUInt64LittleEndian(blocks.Slice(112));
                a15 ^= BinaryPrimitives.ReadUInt64LittleEndian(blocks.Slice(120));
                a16 ^= BinaryPrimitives.ReadUInt64LittleEndian(blocks.Slice(128));
                a17 ^= BinaryPrimitives.ReadUInt64LittleEndian(blocks.Slice(136));
                blocks = blocks.Slice(RateInBytes);

                for (int round = 0; round < 24; round++)
                {
                    // theta
                    ulong c0 = a00 ^ a05 ^ a10 ^ a15 ^ a20;
                    ulong c1 = a01 ^ a06 ^ a11 ^ a16 ^ a21;
                    ulong c2 = a02 ^ a07 ^ a12 ^ a17 ^ a22;
                    ulong c3 = a03 ^ a08 ^ a13 ^ a18 ^ a23;
                    ulong c4 = a04 ^ a09 ^ a14 ^ a19 ^ a24;
                    ulong d0 = c4 ^ ((c1 << 1) | (c1 >> 63));
                    ulong d1 = c0 ^ ((c2 << 1) | (c2 >> 63));
                    ulong d2 = c1 ^ ((c3 << 1) | (c3 >> 63));
                    ulong d3 = c2 ^ ((c4 << 1) | (c4 >> 63));
                    ulong d4 = c3 ^ ((c0 << 1) | (c0 >> 63));
                    // rho and pi (theta's d folded in)
                    ulong b00 = (a00 ^ d0);
                    ulong b16 = Rol((a05 ^ d0), 36);
                    ulong b07 = Rol((a10 ^ d0), 3);
                    ulong b23 = Rol((a15 ^ d0), 41);
                    ulong b14 = Rol((a20 ^ d0), 18);
                    ulong b10 = Rol((a01 ^ d1), 1);
                    ulong b01 = Rol((a06 ^ d1), 44);
                    ulong b17 = Rol((a11 ^ d1), 10);
                    ulong b08 = Rol((a16 ^ d1), 45);
                    ulong b24 = Rol((a21 ^ d1), 2);
                    ulong b20 = Rol((a02 ^ d2), 62);
                    ulong b11 = Rol((a07 ^ d2), 6);
                    ulong b02 = Rol((a12 ^ d2), 43);
                    ulong b18 = Rol((a17 ^ d2), 15);
                    ulong b09 = Rol((a22 ^ d2), 61);
                    ulong b05 = Rol((a03 ^ d3), 28);
                    ulong b21 = Rol((a08 ^ d3), 55);
                    ulong b12 = Rol((a13 ^ d3), 25);
                    ulong b03 = Rol((a18 ^ d3), 21);
                    ulong b19 = Rol((a23 ^ d3), 56);
                    ulong b15 = Rol((a04 ^ d4), 27);
                    ulong b06 = Rol((a09 ^ d4), 20);
                    ulong b22 = Rol((a14 ^ d4), 39);
                    ulong b13 = Rol((a19 ^ d4), 8);
                    ulong b04 = Rol((a24 ^ d4), 14);
                    // chi
                    a00 = b00 ^ (~b01 & b02);
                    a01 = b01 ^ (~b02 & b03);
                    a02 = b02 ^ (~b03 & b04);
                    a03 = b03 ^ (~b04 & b00);
                    a04 = b04 ^ (~b00 & b01);
                    a05 = b05 ^ (~b06 & b07);
                    a06 = b06 ^ (~b07 & b08);
                    a07 = b07 ^ (~b08 & b09);
                    a08 = b08 ^ (~b09 & b05);
                    a09 = b09 ^ (~b05 & b06);
                    a10 = b10 ^ (~b11 & b12);
                    a11 = b11 ^ (~b12 & b13);
                    a12 = b12 ^ (~b13 & b14);
                    a13 = b13 ^ (~b14 & b10);
                    a14 = b14 ^ (~b10 & b11);
                    a15 = b15 ^ (~b16 & b17);
                    a16 = b16 ^ (~b17 & b18);
                    a17 = b17 ^ (~b18 & b19);
                    a18 = b18 ^ (~b19 & b15);
                    a19 = b19 ^ (~b15 & b16);
                    a20 = b20 ^ (~b21 & b22);
                    a21 = b21 ^ (~b22 & b23);
                    a22 = b22 ^ (~b23 & b24);
                    a23 = b23 ^ (~b24 & b20);
                    a24 = b24 ^ (~b20 & b21);
                    // iota
                    a00 ^= RoundConstants[round];
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
