using System;
using System.Buffers.Binary;
using System.IO;
using GolemImage.Compression;
using GolemImage.Squashfs;
using Xunit;

namespace GolemImage.Tests.Squashfs
{
    /// <summary>The uid/gid table: indexes in order of first use, the table as the superblock's pointer finds it.</summary>
    [Trait(Requires.Key, Requires.Portable)]
    public class IdTableTests
    {
        private static readonly IBlockCompressor Stored = new CompressionSettings(CompressionAlgorithm.Gzip, uncompressed: true).CreateMetadataCompressor(131072);

        [Fact]
        public void Ids_get_indexes_in_order_of_first_use_and_the_table_lists_them_so()
        {
            var table = new IdTable();
            Assert.Equal(0, table.IndexOf(1000));
            Assert.Equal(1, table.IndexOf(0));
            Assert.Equal(0, table.IndexOf(1000));
            Assert.Equal(2, table.IndexOf(uint.MaxValue));
            Assert.Equal(1, table.IndexOf(0));
            Assert.Equal(3, table.Count);

            Assert.Equal(new uint[] { 1000, 0, uint.MaxValue }, WriteAndRead(table, leadingBytes: 100));
        }

        [Fact]
        public void An_image_without_inodes_still_gets_one_id()
        {
            var table = new IdTable();
            Assert.Equal(new uint[] { 0 }, WriteAndRead(table, leadingBytes: 0));
            Assert.Equal(1, table.Count);
        }

        [Fact]
        public void More_ids_than_16_bit_indexes_hold_are_refused_and_known_ones_still_found()
        {
            var table = new IdTable();
            for (uint id = 0; id < ushort.MaxValue; id++)
            {
                Assert.Equal((ushort)id, table.IndexOf(id + 7));
            }

            var error = Assert.Throws<GolemImageException>(() => table.IndexOf(uint.MaxValue));
            Assert.Equal(ErrorIds.TooManyOwners, error.ErrorId);
            Assert.Equal(ushort.MaxValue - 1, table.IndexOf(ushort.MaxValue - 1 + 7));
        }

        /// <summary>Writes the table after <paramref name="leadingBytes"/> of other data; reads the ids back through the index.</summary>
        private static uint[] WriteAndRead(IdTable table, int leadingBytes)
        {
            var output = new MemoryStream();
            output.Write(new byte[leadingBytes], 0, leadingBytes);
            long indexStart = table.Write(output, Stored);
            byte[] image = output.ToArray();

            // One metadata block suffices for these ids: the index is its single absolute position.
            Assert.Equal(image.Length - 8, indexStart);
            long block = BinaryPrimitives.ReadInt64LittleEndian(image.AsSpan((int)indexStart));
            Assert.Equal(leadingBytes, block);
            int length = BinaryPrimitives.ReadUInt16LittleEndian(image.AsSpan((int)block)) & 0x7FFF;
            Assert.Equal(table.Count * 4, length);
            var ids = new uint[table.Count];
            for (int i = 0; i < ids.Length; i++)
            {
                ids[i] = BinaryPrimitives.ReadUInt32LittleEndian(image.AsSpan((int)block + 2 + (i * 4)));
            }

            return ids;
        }
    }
}
