using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.IO;
using System.Text;
using GolemImage.Compression;
using GolemImage.Squashfs;
using GolemImage.Tree;
using Xunit;

namespace GolemImage.Tests.Squashfs
{
    /// <summary>The xattr tables: one id per distinct set, names squashfs cannot encode left out with one warning.</summary>
    [Trait(Requires.Key, Requires.Portable)]
    public class XattrTableTests
    {
        private static readonly IBlockCompressor Stored = new CompressionSettings(CompressionAlgorithm.Gzip, uncompressed: true).CreateMetadataCompressor(131072);

        private static List<TreeXattr> Set(params (string Name, string Value)[] xattrs)
        {
            var list = new List<TreeXattr>();
            foreach ((string name, string value) in xattrs)
            {
                list.Add(new TreeXattr(name, Encoding.UTF8.GetBytes(value)));
            }

            return list;
        }

        [Fact]
        public void Equal_sets_share_an_id_and_unstorable_names_are_left_out_with_one_warning_each()
        {
            var reporter = new RecordingReporter();
            var table = new XattrTable(Stored, reporter, new HashSet<string>());

            Assert.Equal(XattrTable.None, table.IdOf(null));
            Assert.Equal(0u, table.IdOf(Set(("user.a", "1"), ("trusted.b", "2"))));
            Assert.Equal(1u, table.IdOf(Set(("user.a", "other"))));
            Assert.Equal(0u, table.IdOf(Set(("user.a", "1"), ("system.posix_acl_access", "x"), ("trusted.b", "2"))));
            Assert.Equal(XattrTable.None, table.IdOf(Set(("system.posix_acl_access", "y"), ("user.", "empty suffix"))));
            Assert.Equal(2, table.Count);
            Assert.Equal(2, reporter.Warnings.Count);
            Assert.Contains("'system.posix_acl_access'", reporter.Warnings[0]);
            Assert.Contains("'user.'", reporter.Warnings[1]);
        }

        [Fact]
        public void The_table_header_points_at_the_values_and_the_id_records_at_each_set()
        {
            var table = new XattrTable(Stored, new RecordingReporter(), new HashSet<string>());
            table.IdOf(Set(("security.capability", "cap")));
            table.IdOf(Set(("user.x", "y"), ("trusted.t", "tv")));
            table.Flush();
            var output = new MemoryStream();
            output.Write(new byte[64], 0, 64);
            long headerAt = table.Write(output, Stored);
            byte[] image = output.ToArray();

            long valuesStart = BinaryPrimitives.ReadInt64LittleEndian(image.AsSpan((int)headerAt));
            Assert.Equal(64, valuesStart);
            Assert.Equal(2u, BinaryPrimitives.ReadUInt32LittleEndian(image.AsSpan((int)headerAt + 8)));
            long recordsBlock = BinaryPrimitives.ReadInt64LittleEndian(image.AsSpan((int)headerAt + 16));
            Assert.Equal(image.Length, headerAt + 24);

            // Set 1: "security." (type 2) + "capability" = "cap"; set 2 follows it in the values block.
            int firstSize = 4 + "capability".Length + 4 + 3;
            int records = (int)recordsBlock + 2;
            Assert.Equal(0L, BinaryPrimitives.ReadInt64LittleEndian(image.AsSpan(records)));
            Assert.Equal(1u, BinaryPrimitives.ReadUInt32LittleEndian(image.AsSpan(records + 8)));
            Assert.Equal((uint)firstSize, BinaryPrimitives.ReadUInt32LittleEndian(image.AsSpan(records + 12)));
            Assert.Equal((long)firstSize, BinaryPrimitives.ReadInt64LittleEndian(image.AsSpan(records + 16)));
            Assert.Equal(2u, BinaryPrimitives.ReadUInt32LittleEndian(image.AsSpan(records + 24)));
            int values = (int)valuesStart + 2;
            Assert.Equal(2, BinaryPrimitives.ReadUInt16LittleEndian(image.AsSpan(values)));
            Assert.Equal("capability", Encoding.UTF8.GetString(image, values + 4, 10));
            Assert.Equal("cap", Encoding.UTF8.GetString(image, values + 18, 3));
        }

        [Fact]
        public void Without_sets_nothing_is_written()
        {
            var table = new XattrTable(Stored, new RecordingReporter(), new HashSet<string>());
            table.Flush();
            var output = new MemoryStream();
            Assert.Equal(-1, table.Write(output, Stored));
            Assert.Equal(0, output.Length);
        }
    }
}
