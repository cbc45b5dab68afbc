using System;
using System.Buffers.Binary;
using System.Runtime.CompilerServices;

namespace GolemImage.Compression.Deflate
{
    /// <summary>
    /// Deflate's LSB-first bit packing into a pointer. Callers check the room for a whole block before writing it
    /// (block sizes are computed exactly beforehand), so the writer itself never checks bounds; every byte it
    /// stores is a finished output byte, never a look-ahead.
    /// </summary>
    internal unsafe struct DeflateBitWriter
    {
        private ulong _bits;
        private int _count;
        private byte* _output;

        public DeflateBitWriter(byte* output)
        {
            _bits = 0;
            _count = 0;
            _output = output;
            Start = output;
        }

        public byte* Start { get; }

        /// <summary>Bits written so far, including those still pending in the accumulator.</summary>
        public long BitPosition => ((_output - Start) * 8) + _count;

        /// <summary>Appends the low <paramref name="count"/> bits of <paramref name="value"/> (count &lt;= 32).</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void Write(uint value, int count)
        {
            _bits |= (ulong)value << _count;
            _count += count;
            if (_count >= 32)
            {
                uint word = (uint)_bits;
                Unsafe.WriteUnaligned(_output, BitConverter.IsLittleEndian ? word : BinaryPrimitives.ReverseEndianness(word));
                _output += 4;
                _bits >>= 32;
                _count -= 32;
            }
        }

        /// <summary>Pads with zero bits to the next byte boundary and writes out everything pending.</summary>
        public void AlignToByte()
        {
            while (_count > 0)
            {
                *_output++ = (byte)_bits;
                _bits >>= 8;
                _count = Math.Max(0, _count - 8);
            }

            _bits = 0;
        }

        /// <summary>Raw bytes; the writer must be byte-aligned.</summary>
        public void WriteBytes(byte* source, int count)
        {
            Buffer.MemoryCopy(source, _output, count, count);
            _output += count;
        }

        /// <summary>Flushes the last partial byte; returns the total length in bytes.</summary>
        public int Finish()
        {
            AlignToByte();
            return (int)(_output - Start);
        }
    }
}
