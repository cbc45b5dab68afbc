using System;
using System.IO;
using System.Linq;
using System.Text;
using System.Threading.Tasks;
using GolemImage.Tar;
using Xunit;
using static GolemImage.Tests.Tar.TarBuilder;
using static GolemImage.Tests.Tar.TarTestSupport;

namespace GolemImage.Tests.Tar
{
    /// <summary>Damaged or hostile archives fail with an InvalidTarException naming the source, the entry and the offset.</summary>
    [Trait(Requires.Key, Requires.Portable)]
    public class MalformedArchiveTests
    {
        private const string Source = "broken.tar";

        private static readonly byte[] GoodEntry = new TarBuilder().Entry("good", data: new byte[] { 1 }).ToArray();

        private static async Task<InvalidTarException> ReadExpectingFailure(byte[] archive)
        {
            var exception = await Assert.ThrowsAsync<InvalidTarException>(() => ReadAllAsync(archive, Source));
            Assert.Equal("InvalidTar", exception.ErrorId);
            Assert.Equal(GolemErrorCategory.InvalidData, exception.Category);
            Assert.Equal(Source, exception.Target);
            Assert.Contains(Source, exception.Message);
            Assert.Contains("byte offset " + exception.Offset, exception.Message);
            return exception;
        }

        private static void AssertNames(InvalidTarException exception, string entry, long offset, string problemFragment)
        {
            Assert.Equal(entry, exception.EntryName);
            Assert.Contains($"'{entry}'", exception.Message);
            Assert.Equal(offset, exception.Offset);
            Assert.Contains(problemFragment, exception.Message);
        }

        [Fact]
        public async Task Truncated_header()
        {
            var archive = Concat(GoodEntry, Header("cut-short").AsSpan(0, 300).ToArray());
            var exception = await ReadExpectingFailure(archive);
            Assert.Equal(1024, exception.Offset);
            Assert.Contains("ends inside a header (300 of 512 bytes", exception.Message);
        }

        [Fact]
        public async Task Truncated_data_while_reading_and_while_skipping()
        {
            var archive = Concat(GoodEntry, Header("big", size: 5000), new byte[1200]);
            var exception = await ReadExpectingFailure(archive);
            AssertNames(exception, "big", 1024, "ends inside the entry's data");

            using var reader = new TarReader(new MemoryStream(archive), Source);
            await reader.GetNextEntryAsync();
            var big = await reader.GetNextEntryAsync();
            Assert.Equal("big", big!.DisplayPath);
            var skipping = await Assert.ThrowsAsync<InvalidTarException>(async () => await reader.GetNextEntryAsync());
            AssertNames(skipping, "big", 1024, "3800 of 5000 bytes missing");
        }

        [Fact]
        public async Task Bad_checksum()
        {
            var header = Header("tampered", size: 0);
            header[100] = (byte)'7'; // mode changed after the checksum was computed
            var exception = await ReadExpectingFailure(Concat(GoodEntry, header, new byte[1024]));
            AssertNames(exception, "tampered", 1024, "bad header checksum");
        }

        [Fact]
        public async Task Not_a_tar_archive()
        {
            var text = Encoding.ASCII.GetBytes(string.Concat(Enumerable.Repeat("This is a plain text file, not an archive. ", 30)));
            var exception = await ReadExpectingFailure(text);
            Assert.Equal(0, exception.Offset);
            Assert.Contains("checksum", exception.Message);
        }

        [Theory]
        [InlineData("99 path=abc\n", "beyond the end")]
        [InlineData("5 path=abc\n", "does not end with a newline")]
        [InlineData("10 path=abc\n", "does not end with a newline")]
        [InlineData("11path=abc\n", "decimal length followed by a space")]
        [InlineData("11 pathabc\n", "no 'key=value' form")]
        public async Task Bad_pax_record_length(string records, string problem)
        {
            var archive = new TarBuilder().Raw(GoodEntry).Entry("PaxHeaders/victim", 'x', Encoding.ASCII.GetBytes(records)).Entry("victim").End().ToArray();
            var exception = await ReadExpectingFailure(archive);
            Assert.Equal(1024, exception.Offset);
            Assert.Contains(problem, exception.Message);
        }

        [Fact]
        public async Task Absurd_sizes()
        {
            // 2^62 + 1 in base-256.
            var huge = Header("huge", edit: h =>
            {
                var size = new byte[12];
                size[0] = 0x80;
                size[4] = 0x40;
                size[11] = 0x01;
                size.CopyTo(h, 124);
            });
            var exception = await ReadExpectingFailure(Concat(GoodEntry, huge));
            AssertNames(exception, "huge", 1024, "size 4611686018427387905 is out of range");

            var paxHuge = new TarBuilder().Pax('x', PaxRecord("size", "99999999999999999999")).Entry("pax-huge").End().ToArray();
            exception = await ReadExpectingFailure(paxHuge);
            AssertNames(exception, "pax-huge", 0, "'size' record");

            // A GNU long name claiming 2 MiB is refused before anything is read.
            var longName = Header("././@LongLink", 'L', size: 2 << 20, magic: "gnu");
            exception = await ReadExpectingFailure(Concat(GoodEntry, longName, new byte[512]));
            Assert.Equal(1024, exception.Offset);
            Assert.Contains("GNU long name is 2097152 bytes long, more than the limit", exception.Message);

            var bigPax = Header("PaxHeaders/x", 'x', size: 64L << 20);
            exception = await ReadExpectingFailure(Concat(bigPax, new byte[512]));
            Assert.Contains("PAX extended header is 67108864 bytes long", exception.Message);
        }

        [Fact]
        public async Task A_name_of_10000_bytes_in_one_component()
        {
            var name = new string('n', 10_000);
            var archive = new TarBuilder().Raw(GoodEntry).Pax('x', PaxRecord("path", name)).Entry("short").End().ToArray();
            var exception = await ReadExpectingFailure(archive);
            Assert.Equal(1024, exception.Offset);
            Assert.Contains("component of 10000 bytes", exception.Message);
            Assert.StartsWith("nnnn", exception.EntryName);
        }

        [Fact]
        public async Task A_path_beyond_the_length_limit()
        {
            var name = string.Join("/", Enumerable.Repeat(new string('p', 200), 400)); // 80,399 bytes
            var archive = new TarBuilder().Pax('x', PaxRecord("path", name)).Entry("short").End().ToArray();
            var exception = await ReadExpectingFailure(archive);
            Assert.Contains("more than the limit of 65536 bytes", exception.Message);
        }

        [Theory]
        [InlineData("../escape", '0', "")]
        [InlineData("a/../../b", '5', "")]
        [InlineData("hard", '1', "x/../../etc/passwd")]
        public async Task Dot_dot_components_are_refused(string name, char type, string linkName)
        {
            var archive = new TarBuilder().Raw(GoodEntry).Entry(name, type, linkName: linkName).End().ToArray();
            var exception = await ReadExpectingFailure(archive);
            AssertNames(exception, name, 1024, "'..' component");
        }

        [Fact]
        public async Task Extended_header_without_its_entry()
        {
            var atEof = new TarBuilder().Raw(GoodEntry).Pax('x', PaxRecord("path", "orphan")).ToArray();
            var exception = await ReadExpectingFailure(atEof);
            AssertNames(exception, "orphan", 1024, "before the entry it describes");

            var atZeroRecord = new TarBuilder().Raw(GoodEntry).Entry("././@LongLink", 'L', Encoding.ASCII.GetBytes("orphan-long\0"), magic: "gnu").End().ToArray();
            exception = await ReadExpectingFailure(atZeroRecord);
            AssertNames(exception, "orphan-long", 1024, "before the entry it describes");
        }

        [Fact]
        public async Task Negative_ids_and_a_non_directory_root()
        {
            var negativeUid = Header("negative", edit: h => Enumerable.Repeat((byte)0xFF, 8).ToArray().CopyTo(h, 108));
            var exception = await ReadExpectingFailure(Concat(negativeUid, new byte[1024]));
            AssertNames(exception, "negative", 0, "negative owner ids");

            exception = await ReadExpectingFailure(new TarBuilder().Entry("./", '0').End().ToArray());
            AssertNames(exception, ".", 0, "root can only be a directory");
        }

        [Fact]
        public async Task Inconsistent_sparse_maps()
        {
            // Old GNU 'S': a map describing 100 data bytes for an entry storing 512.
            var oldGnu = Header("sparse", 'S', size: 512, magic: "gnu", edit: h =>
            {
                Octal(0, 12).CopyTo(h, 386);
                Octal(100, 12).CopyTo(h, 398);
                Octal(4096, 12).CopyTo(h, 483);
            });
            var exception = await ReadExpectingFailure(Concat(oldGnu, new byte[512], new byte[1024]));
            AssertNames(exception, "sparse", 0, "describes 100 data bytes but the archive stores 512");

            // PAX 0.1: overlapping regions.
            var overlapping = new TarBuilder()
                .Pax('x', PaxRecord("GNU.sparse.size", "10000"), PaxRecord("GNU.sparse.numblocks", "2"), PaxRecord("GNU.sparse.map", "0,600,500,100"))
                .Entry("overlap", data: new byte[700])
                .End()
                .ToArray();
            exception = await ReadExpectingFailure(overlapping);
            AssertNames(exception, "overlap", 0, "overlaps");

            // PAX 1.0: a region beyond the real size.
            var mapText = Encoding.ASCII.GetBytes("1\n9000\n512\n");
            var beyond = new TarBuilder()
                .Pax('x', PaxRecord("GNU.sparse.major", "1"), PaxRecord("GNU.sparse.minor", "0"), PaxRecord("GNU.sparse.name", "beyond"), PaxRecord("GNU.sparse.realsize", "4096"))
                .Entry("GNUSparseFile.1/beyond", data: Concat(mapText, new byte[512 - mapText.Length], new byte[512]))
                .End()
                .ToArray();
            exception = await ReadExpectingFailure(beyond);
            AssertNames(exception, "beyond", 0, "outside the file's size");
        }

        [Fact]
        public async Task Hand_made_pax_1_0_sparse_map_reads_back()
        {
            // The counterpart of the failure above: a valid map spanning two records, with a hole at both ends.
            var lines = new StringBuilder("3\n");
            var regions = new[] { (1000L, 10L), (5000L, 600L), (9000L, 0L) };
            foreach (var (offset, length) in regions)
            {
                lines.Append(offset).Append('\n').Append(length).Append('\n');
            }

            var map = Encoding.ASCII.GetBytes(lines.ToString());
            var mapArea = new byte[512];
            map.CopyTo(mapArea, 0);
            var data = Enumerable.Range(0, 610).Select(i => (byte)(i % 251 + 1)).ToArray();
            var archive = new TarBuilder()
                .Pax('x', PaxRecord("GNU.sparse.major", "1"), PaxRecord("GNU.sparse.minor", "0"), PaxRecord("GNU.sparse.name", "dir/sparse"), PaxRecord("GNU.sparse.realsize", "10000"))
                .Entry("GNUSparseFile.7/sparse", data: Concat(mapArea, data))
                .Entry("after", data: new byte[] { 3 })
                .End()
                .ToArray();

            var expected = new byte[10000];
            Array.Copy(data, 0, expected, 1000, 10);
            Array.Copy(data, 10, expected, 5000, 600);
            var entries = await ReadAllAsync(archive);
            Assert.Equal(new[] { "dir/sparse", "after" }, entries.Select(e => e.Path));
            Assert.Equal(10000, entries[0].Size);
            Assert.Equal(Sha256(expected), entries[0].DataSha256);
            Assert.Equal(Sha256(new byte[] { 3 }), entries[1].DataSha256);
        }
    }
}
