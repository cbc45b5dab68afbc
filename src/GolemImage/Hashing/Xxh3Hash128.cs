using System;
using System.Buffers.Binary;
using System.Runtime.CompilerServices;
#if NET8_0_OR_GREATER
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
#endif

namespace GolemImage.Hashing
{
    /// <summary>
    /// XXH3-128 with seed 0 and the default secret, fed incrementally: the same value (and the same 16 bytes, high half
    /// first, big-endian) as System.IO.Hashing's XxHash128.
    /// </summary>
    /// <remarks>
    /// Ours rather than the package's because of when it runs: the squashfs writer hashes every byte of every file on
    /// the one thread that reads the tar, and in a process's first conversion XxHash128's per-stripe helpers are
    /// called from unoptimized code and never leave tier 0 before the conversion ends (about 0.5 s of that thread's
    /// time on a 476 MiB tree, more than all its other work). Here the stripe loop is compiled fully optimized on
    /// first use. Algorithm: the public XXH3 specification (xxHash, BSD-2-Clause).
    /// </remarks>
    internal sealed class Xxh3Hash128
    {
        public const int HashLength = 16;

        private const int StripeLength = 64;
        private const int SecretLength = 192;
        private const int StripesPerBlock = (SecretLength - StripeLength) / 8;
        private const int ScrambleSecretOffset = SecretLength - StripeLength;
        private const int LastStripeSecretOffset = SecretLength - StripeLength - 7;
        private const int MergeSecretOffset = 11;
        private const int BufferLength = 4 * StripeLength;
        private const int MidSizeMax = 240;

        private const uint Prime32_1 = 0x9E3779B1;
        private const uint Prime32_2 = 0x85EBCA77;
        private const uint Prime32_3 = 0xC2B2AE3D;
        private const ulong Prime64_1 = 0x9E3779B185EBCA87;
        private const ulong Prime64_2 = 0xC2B2AE3D27D4EB4F;
        private const ulong Prime64_3 = 0x165667B19E3779F9;
        private const ulong Prime64_4 = 0x85EBCA77C2B2AE63;
        private const ulong Prime64_5 = 0x27D4EB2F165667C5;

        private static readonly byte[] Secret =
        {
            0xb8, 0xfe, 0x6c, 0x39, 0x23, 0xa4, 0x4b, 0xbe, 0x7c, 0x01, 0x81, 0x2c, 0xf7, 0x21, 0xad, 0x1c,
            0xde, 0xd4, 0x6d, 0xe9, 0x83, 0x90, 0x97, 0xdb, 0x72, 0x40, 0xa4, 0xa4, 0xb7, 0xb3, 0x67, 0x1f,
            0xcb, 0x79, 0xe6, 0x4e, 0xcc, 0xc0, 0xe5, 0x78, 0x82, 0x5a, 0xd0, 0x7d, 0xcc, 0xff, 0x72, 0x21,
            0xb8, 0x08, 0x46, 0x74, 0xf7, 0x43, 0x24, 0x8e, 0xe0, 0x35, 0x90, 0xe6, 0x81, 0x3a, 0x26, 0x4c,
            0x3c, 0x28, 0x52, 0xbb, 0x91, 0xc3, 0x00, 0xcb, 0x88, 0xd0, 0x65, 0x8b, 0x1b, 0x53, 0x2e, 0xa3,
            0x71, 0x64, 0x48, 0x97, 0xa2, 0x0d, 0xf9, 0x4e, 0x38, 0x19, 0xef, 0x46, 0xa9, 0xde, 0xac, 0xd8,
            0xa8, 0xfa, 0x76, 0x3f, 0xe3, 0x9c, 0x34, 0x3f, 0xf9, 0xdc, 0xbb, 0xc7, 0xc7, 0x0b, 0x4f, 0x1d,
            0x8a, 0x51, 0xe0, 0x4b, 0xcd, 0xb4, 0x59, 0x31, 0xc8, 0x9f, 0x7e, 0xc9, 0xd9, 0x78, 0x73, 0x64,
            0xea, 0xc5, 0xac, 0x83, 0x34, 0xd3, 0xeb, 0xc3, 0xc5, 0x81, 0xa0, 0xff, 0xfa, 0x13, 0x63, 0xeb,
            0x17, 0x0d, 0xdd, 0x51, 0xb7, 0xf0, 0xda, 0x49, 0xd3, 0x16, 0x55, 0x26, 0x29, 0xd4, 0x68, 0x9e,
            0x2b, 0x16, 0xbe, 0x58, 0x7d, 0x47, 0xa1, 0xfc, 0x8f, 0xf8, 0xb8, 0xd1, 0x7a, 0xd0, 0x31, 0xce,
            0x45, 0xcb, 0x3a, 0x8f, 0x95, 0x16, 0x04, 0x28, 0xaf, 0xd7, 0xfb, 0xca, 0xbb, 0x4b, 0x40, 0x7e,
        };

        private readonly ulong[] _accumulators = new ulong[8];

        // Input not yet consumed: a stripe is consumed only once a later byte exists, because the final stripes are
        // treated differently (and an input of at most 240 bytes is hashed whole by the short-input formulas).
        private readonly byte[] _buffer = new byte[BufferLength];

        // The last stripe consumed: the final stripe overlaps it when fewer than 64 bytes are buffered.
        private readonly byte[] _lastConsumedStripe = new byte[StripeLength];
        private readonly bool _vectorized;
        private int _buffered;
        private int _stripesInBlock;
        private long _length;

        public Xxh3Hash128()
            : this(vectorized: true)
        {
        }

        /// <param name="vectorized">False keeps to the scalar loop (the netstandard2.0 build's), so tests can check it on any machine.</param>
        internal Xxh3Hash128(bool vectorized)
        {
            _vectorized = vectorized;
            Reset();
        }

        public void Reset()
        {
            _accumulators[0] = Prime32_3;
            _accumulators[1] = Prime64_1;
            _accumulators[2] = Prime64_2;
            _accumulators[3] = Prime64_3;
            _accumulators[4] = Prime64_4;
            _accumulators[5] = Prime32_2;
            _accumulators[6] = Prime64_5;
            _accumulators[7] = Prime32_1;
            _buffered = 0;
            _stripesInBlock = 0;
            _length = 0;
        }

        public void Append(ReadOnlySpan<byte> data)
        {
            _length += data.Length;
            if (data.Length <= BufferLength - _buffered)
            {
                data.CopyTo(_buffer.AsSpan(_buffered));
                _buffered += data.Length;
                return;
            }

            // More arrives than the buffer holds, so the buffer and all of data but its last 1 to 64 bytes have bytes
            // after them and can be consumed now.
            if (_buffered > 0)
            {
                int fill = BufferLength - _buffered;
                data.Slice(0, fill).CopyTo(_buffer.AsSpan(_buffered));
                data = data.Slice(fill);
                ConsumeStripes(_accumulators, ref _stripesInBlock, _buffer, BufferLength / StripeLength);
                _buffer.AsSpan(BufferLength - StripeLength).CopyTo(_lastConsumedStripe);
                _buffered = 0;
            }

            int stripes = (data.Length - 1) / StripeLength;
            if (stripes > 0)
            {
                int consumed = stripes * StripeLength;
                ConsumeStripes(_accumulators, ref _stripesInBlock, data, stripes);
                data.Slice(consumed - StripeLength, StripeLength).CopyTo(_lastConsumedStripe);
                data = data.Slice(consumed);
            }

            data.CopyTo(_buffer);
            _buffered = data.Length;
        }

        /// <summary>The hash of everything appended since the last reset (the state is left as it is).</summary>
        public byte[] GetCurrentHash()
        {
            ulong low;
            ulong high;
            if (_length <= MidSizeMax)
            {
                HashShort(_buffer.AsSpan(0, _buffered), out low, out high);
            }
            else
            {
                var accumulators = (ulong[])_accumulators.Clone();
                int stripesInBlock = _stripesInBlock;
                var last = new byte[StripeLength];
                if (_buffered >= StripeLength)
                {
                    ConsumeStripes(accumulators, ref stripesInBlock, _buffer, (_buffered - 1) / StripeLength);
                    _buffer.AsSpan(_buffered - StripeLength, StripeLength).CopyTo(last);
                }
                else
                {
                    _lastConsumedStripe.AsSpan(_buffered).CopyTo(last);
                    _buffer.AsSpan(0, _buffered).CopyTo(last.AsSpan(StripeLength - _buffered));
                }

                Accumulate(accumulators, last, 1, LastStripeSecretOffset, _vectorized);
                ulong length = (ulong)_length;
                low = MergeAccumulators(accumulators, MergeSecretOffset, length * Prime64_1);
                high = MergeAccumulators(accumulators, SecretLength - StripeLength - MergeSecretOffset, ~(length * Prime64_2));
            }

            var hash = new byte[HashLength];
            BinaryPrimitives.WriteUInt64BigEndian(hash, high);
            BinaryPrimitives.WriteUInt64BigEndian(hash.AsSpan(8), low);
            return hash;
        }

        // AggressiveOptimization (512, not in netstandard2.0's enum) here and on the two helpers: see the class remarks.
        [MethodImpl((MethodImplOptions)512)]
        private void ConsumeStripes(ulong[] accumulators, ref int stripesInBlock, ReadOnlySpan<byte> data, int stripes)
        {
            while (stripes > 0)
            {
                int take = Math.Min(stripes, StripesPerBlock - stripesInBlock);
                Accumulate(accumulators, data, take, stripesInBlock * 8, _vectorized);
                data = data.Slice(take * StripeLength);
                stripes -= take;
                stripesInBlock += take;
                if (stripesInBlock == StripesPerBlock)
                {
                    Scramble(accumulators);
                    stripesInBlock = 0;
                }
            }
        }

        [MethodImpl((MethodImplOptions)512)]
        private static unsafe void Accumulate(ulong[] accumulators, ReadOnlySpan<byte> data, int stripes, int secretOffset, bool vectorized)
        {
            fixed (ulong* acc = accumulators)
            fixed (byte* input = data)
            fixed (byte* secretStart = Secret)
            {
                byte* secret = secretStart + secretOffset;
#if NET8_0_OR_GREATER
                if (vectorized && Avx2.IsSupported)
                {
                    // Lane-wise the same arithmetic as below: vpmuludq is the 32x32->64 product, the shuffle swaps
                    // neighbouring 64-bit lanes (acc[i ^ 1] += input[i]).
                    Vector256<ulong> acc0 = Avx.LoadVector256(acc);
                    Vector256<ulong> acc1 = Avx.LoadVector256(acc + 4);
                    for (int s = 0; s < stripes; s++)
                    {
                        byte* p = input + (s * StripeLength);
                        byte* k = secret + (s * 8);
                        Vector256<ulong> data0 = Avx.LoadVector256((ulong*)p);
                        Vector256<ulong> data1 = Avx.LoadVector256((ulong*)(p + 32));
                        Vector256<ulong> keyed0 = Avx2.Xor(data0, Avx.LoadVector256((ulong*)k));
                        Vector256<ulong> keyed1 = Avx2.Xor(data1, Avx.LoadVector256((ulong*)(k + 32)));
                        Vector256<ulong> product0 = Avx2.Multiply(keyed0.AsUInt32(), Avx2.ShiftRightLogical(keyed0, 32).AsUInt32());
                        Vector256<ulong> product1 = Avx2.Multiply(keyed1.AsUInt32(), Avx2.ShiftRightLogical(keyed1, 32).AsUInt32());
                        acc0 = Avx2.Add(acc0, Avx2.Add(product0, Avx2.Shuffle(data0.AsUInt32(), 0b01_00_11_10).AsUInt64()));
                        acc1 = Avx2.Add(acc1, Avx2.Add(product1, Avx2.Shuffle(data1.AsUInt32(), 0b01_00_11_10).AsUInt64()));
                    }

                    Avx.Store(acc, acc0);
                    Avx.Store(acc + 4, acc1);
                    return;
                }
#endif
                ulong a0 = acc[0], a1 = acc[1], a2 = acc[2], a3 = acc[3], a4 = acc[4], a5 = acc[5], a6 = acc[6], a7 = acc[7];
                for (int s = 0; s < stripes; s++)
                {
                    byte* p = input + (s * StripeLength);
                    byte* k = secret + (s * 8);
                    ulong d0 = Read64(p), d1 = Read64(p + 8), d2 = Read64(p + 16), d3 = Read64(p + 24);
                    ulong d4 = Read64(p + 32), d5 = Read64(p + 40), d6 = Read64(p + 48), d7 = Read64(p + 56);
                    a0 += d1 + Multiply32(d0 ^ Read64(k));
                    a1 += d0 + Multiply32(d1 ^ Read64(k + 8));
                    a2 += d3 + Multiply32(d2 ^ Read64(k + 16));
                    a3 += d2 + Multiply32(d3 ^ Read64(k + 24));
                    a4 += d5 + Multiply32(d4 ^ Read64(k + 32));
                    a5 += d4 + Multiply32(d5 ^ Read64(k + 40));
                    a6 += d7 + Multiply32(d6 ^ Read64(k + 48));
                    a7 += d6 + Multiply32(d7 ^ Read64(k + 56));
                }

                acc[0] = a0;
                acc[1] = a1;
                acc[2] = a2;
                acc[3] = a3;
                acc[4] = a4;
                acc[5] = a5;
                acc[6] = a6;
                acc[7] = a7;
            }
        }

        [MethodImpl((MethodImplOptions)512)]
        private static void Scramble(ulong[] accumulators)
        {
            ReadOnlySpan<byte> key = Secret.AsSpan(ScrambleSecretOffset);
            for (int i = 0; i < 8; i++)
            {
                ulong a = accumulators[i];
                a ^= a >> 47;
                a ^= BinaryPrimitives.ReadUInt64LittleEndian(key.Slice(i * 8));
                accumulators[i] = a * Prime32_1;
            }
        }

        private static ulong MergeAccumulators(ulong[] accumulators, int secretOffset, ulong start)
        {
            ulong result = start;
            for (int i = 0; i < 4; i++)
            {
                result += MultiplyFold(
                    accumulators[2 * i] ^ SecretWord(secretOffset + (16 * i)),
                    accumulators[(2 * i) + 1] ^ SecretWord(secretOffset + (16 * i) + 8));
            }

            return Avalanche(result);
        }

        private static void HashShort(ReadOnlySpan<byte> input, out ulong low, out ulong high)
        {
            int length = input.Length;
            if (length == 0)
            {
                low = Avalanche64(SecretWord(64) ^ SecretWord(72));
                high = Avalanche64(SecretWord(80) ^ SecretWord(88));
            }
            else if (length <= 3)
            {
                uint combinedLow = ((uint)input[0] << 16) | ((uint)input[length >> 1] << 24) | input[length - 1] | ((uint)length << 8);
                uint combinedHigh = RotateLeft32(BinaryPrimitives.ReverseEndianness(combinedLow), 13);
                low = Avalanche64(combinedLow ^ (ulong)(SecretHalf(0) ^ SecretHalf(4)));
                high = Avalanche64(combinedHigh ^ (ulong)(SecretHalf(8) ^ SecretHalf(12)));
            }
            else if (length <= 8)
            {
                ulong input64 = BinaryPrimitives.ReadUInt32LittleEndian(input) + ((ulong)BinaryPrimitives.ReadUInt32LittleEndian(input.Slice(length - 4)) << 32);
                ulong keyed = input64 ^ (SecretWord(16) ^ SecretWord(24));
                ulong productHigh = Multiply64To128(keyed, Prime64_1 + ((ulong)length << 2), out ulong productLow);
                productHigh += productLow << 1;
                productLow ^= productHigh >> 3;
                productLow ^= productLow >> 35;
                productLow *= 0x9FB21C651E98DF25;
                productLow ^= productLow >> 28;
                low = productLow;
                high = Avalanche(productHigh);
            }
            else if (length <= 16)
            {
                ulong bitflipLow = SecretWord(32) ^ SecretWord(40);
                ulong bitflipHigh = SecretWord(48) ^ SecretWord(56);
                ulong inputLow = BinaryPrimitives.ReadUInt64LittleEndian(input);
                ulong inputHigh = BinaryPrimitives.ReadUInt64LittleEndian(input.Slice(length - 8));
                ulong mHigh = Multiply64To128(inputLow ^ inputHigh ^ bitflipLow, Prime64_1, out ulong mLow);
                mLow += (ulong)(length - 1) << 54;
                inputHigh ^= bitflipHigh;
                mHigh += inputHigh + ((ulong)(uint)inputHigh * (Prime32_2 - 1));
                mLow ^= BinaryPrimitives.ReverseEndianness(mHigh);
                ulong hHigh = Multiply64To128(mLow, Prime64_2, out ulong hLow);
                hHigh += mHigh * Prime64_2;
                low = Avalanche(hLow);
                high = Avalanche(hHigh);
            }
            else if (length <= 128)
            {
                ulong accLow = (ulong)length * Prime64_1;
                ulong accHigh = 0;
                for (int round = (length - 1) / 32; round >= 0; round--)
                {
                    Mix32(ref accLow, ref accHigh, input.Slice(16 * round), input.Slice(length - (16 * (round + 1))), 32 * round);
                }

                FinishMidSize(accLow, accHigh, length, out low, out high);
            }
            else
            {
                ulong accLow = (ulong)length * Prime64_1;
                ulong accHigh = 0;
                for (int round = 0; round < 4; round++)
                {
                    Mix32(ref accLow, ref accHigh, input.Slice(32 * round), input.Slice((32 * round) + 16), 32 * round);
                }

                accLow = Avalanche(accLow);
                accHigh = Avalanche(accHigh);
                for (int round = 4; round < length / 32; round++)
                {
                    Mix32(ref accLow, ref accHigh, input.Slice(32 * round), input.Slice((32 * round) + 16), 3 + (32 * (round - 4)));
                }

                // The last 32 bytes, halves swapped, against the end of the 136-byte minimum secret.
                Mix32(ref accLow, ref accHigh, input.Slice(length - 16), input.Slice(length - 32), 136 - 17 - 16);
                FinishMidSize(accLow, accHigh, length, out low, out high);
            }
        }

        private static void FinishMidSize(ulong accLow, ulong accHigh, int length, out ulong low, out ulong high)
        {
            low = Avalanche(accLow + accHigh);
            high = 0 - Avalanche((accLow * Prime64_1) + (accHigh * Prime64_4) + ((ulong)length * Prime64_2));
        }

        private static void Mix32(ref ulong accLow, ref ulong accHigh, ReadOnlySpan<byte> first, ReadOnlySpan<byte> second, int secretOffset)
        {
            accLow += Mix16(first, secretOffset);
            accLow ^= BinaryPrimitives.ReadUInt64LittleEndian(second) + BinaryPrimitives.ReadUInt64LittleEndian(second.Slice(8));
            accHigh += Mix16(second, secretOffset + 16);
            accHigh ^= BinaryPrimitives.ReadUInt64LittleEndian(first) + BinaryPrimitives.ReadUInt64LittleEndian(first.Slice(8));
        }

        private static ulong Mix16(ReadOnlySpan<byte> input, int secretOffset) => MultiplyFold(
            BinaryPrimitives.ReadUInt64LittleEndian(input) ^ SecretWord(secretOffset),
            BinaryPrimitives.ReadUInt64LittleEndian(input.Slice(8)) ^ SecretWord(secretOffset + 8));

        private static ulong SecretWord(int offset) => BinaryPrimitives.ReadUInt64LittleEndian(Secret.AsSpan(offset));

        private static uint SecretHalf(int offset) => BinaryPrimitives.ReadUInt32LittleEndian(Secret.AsSpan(offset));

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static unsafe ulong Read64(byte* p) =>
            BitConverter.IsLittleEndian ? Unsafe.ReadUnaligned<ulong>(p) : BinaryPrimitives.ReverseEndianness(Unsafe.ReadUnaligned<ulong>(p));

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static ulong Multiply32(ulong keyed) => (keyed & 0xFFFFFFFF) * (keyed >> 32);

        private static ulong MultiplyFold(ulong a, ulong b)
        {
            ulong high = Multiply64To128(a, b, out ulong low);
            return low ^ high;
        }

        private static ulong Multiply64To128(ulong a, ulong b, out ulong low)
        {
#if NET8_0_OR_GREATER
            return Math.BigMul(a, b, out low);
#else
            return Multiply64To128Portable(a, b, out low);
#endif
        }

        /// <summary>The 128-bit product from 32-bit halves: netstandard2.0 has no Math.BigMul for 64-bit operands.</summary>
        internal static ulong Multiply64To128Portable(ulong a, ulong b, out ulong low)
        {
            ulong aLow = (uint)a, aHigh = a >> 32, bLow = (uint)b, bHigh = b >> 32;
            ulong lowLow = aLow * bLow;
            ulong highLow = aHigh * bLow;
            ulong lowHigh = aLow * bHigh;
            ulong highHigh = aHigh * bHigh;
            ulong cross = (lowLow >> 32) + (uint)highLow + lowHigh;
            low = (cross << 32) | (uint)lowLow;
            return (highLow >> 32) + (cross >> 32) + highHigh;
        }

        private static ulong Avalanche(ulong h)
        {
            h ^= h >> 37;
            h *= 0x165667919E3779F9;
            return h ^ (h >> 32);
        }

        private static ulong Avalanche64(ulong h)
        {
            h ^= h >> 33;
            h *= Prime64_2;
            h ^= h >> 29;
            h *= Prime64_3;
            return h ^ (h >> 32);
        }

        private static uint RotateLeft32(uint value, int count) => (value << count) | (value >> (32 - count));
    }
}
