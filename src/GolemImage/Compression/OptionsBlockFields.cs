using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.IO;

namespace GolemImage.Compression
{
    /// <summary>Little-endian packing and checks shared by the compressors' options blocks.</summary>
    internal static class OptionsBlockFields
    {
        public static byte[] UInt32s(params uint[] values)
        {
            var block = new byte[values.Length * 4];
            for (int i = 0; i < values.Length; i++)
            {
                BinaryPrimitives.WriteUInt32LittleEndian(block.AsSpan(i * 4), values[i]);
            }

            return block;
        }

        public static void RequireLength(string compressor, byte[] payload, params int[] lengths)
        {
            if (Array.IndexOf(lengths, payload.Length) < 0)
            {
                throw new InvalidDataException($"The {compressor} compressor options block is {payload.Length} bytes long; it must be {string.Join(" or ", lengths)}.");
            }
        }

        public static uint UInt32(byte[] payload, int offset) => BinaryPrimitives.ReadUInt32LittleEndian(payload.AsSpan(offset));

        public static ushort UInt16(byte[] payload, int offset) => BinaryPrimitives.ReadUInt16LittleEndian(payload.AsSpan(offset));

        public static KeyValuePair<string, long> Field(string name, long value) => new KeyValuePair<string, long>(name, value);

        public static InvalidDataException Invalid(string compressor, string problem) =>
            new InvalidDataException($"The {compressor} compressor options block is invalid: {problem}.");
    }
}
