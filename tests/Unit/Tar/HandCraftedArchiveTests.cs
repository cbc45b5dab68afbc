using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using System.Threading.Tasks;
using GolemImage.Reporting;
using GolemImage.Tar;
using Xunit;
using static GolemImage.Tests.Tar.TarBuilder;
using static GolemImage.Tests.Tar.TarTestSupport;

namespace GolemImage.Tests.Tar
{
    /// <summary>Edge cases no common writer produces on demand, built record by record.</summary>
    [Trait(Requires.Key, Requires.Portable)]
    public class HandCraftedArchiveTests
    {
        private static readonly int Mode644 = Convert.ToInt32("644", 8);
        private static readonly int Mode755 = Convert.ToInt32("755", 8);

        [Fact]
        public async Task Paths_are_canonicalised_and_the_root_entry_is_the_empty_path()
        {
            var archive = new TarBuilder()
                .Entry("./", '5', mode: Mode755)
                .Entry("./a/", '5')
                .Entry("/abs//b/", '5')
                .Entry("//c", '0', Encoding.ASCII.GetBytes("c"))
                .Entry("./d/./e", '0')
                .Entry("sym", '2', linkName: "../outside/./x")
                .Entry("hard", '1', linkName: "./d//e")
                .End()
                .ToArray();

            var entries = await ReadAllAsync(archive);
            Assert.Equal(new[] { ".", "a", "abs/b", "c", "d/e", "sym", "hard" }, entries.Select(e => e.Path));
            using var reader = new TarReader(new MemoryStream(archive), "paths.tar");
            var root = await reader.GetNextEntryAsync();
            Assert.Empty(root!.Path);
            Assert.Equal(TarEntryType.Directory, root.Type);
            Assert.Equal(Mode755, root.Mode);
            Assert.Equal("../outside/./x", Single(entries, "sym").LinkTarget); // symlink targets stay verbatim
            Assert.Equal("d/e", Single(entries, "hard").LinkTarget);
        }

        [Fact]
        public async Task End_of_archive_is_two_zero_records_one_zero_record_or_eof_after_an_entry()
        {
            var oneEntry = new TarBuilder().Entry("f", data: new byte[] { 1, 2, 3 }).ToArray();
            foreach (var archive in new[]
            {
                Concat(oneEntry, new byte[1024], Encoding.ASCII.GetBytes("trailing garbage is never looked at")),
                Concat(oneEntry, new byte[512]),
                oneEntry,
                oneEntry.AsSpan(0, 515).ToArray(), // data complete, padding missing
            })
            {
                var entries = await ReadAllAsync(archive);
                Assert.Equal("f", Assert.Single(entries).Path);
                Assert.Equal(Sha256(new byte[] { 1, 2, 3 }), entries[0].DataSha256);
            }

            Assert.Empty(await ReadAllAsync(Array.Empty<byte>()));
        }

        [Fact]
        public async Task Numeric_fields_accept_spaces_nuls_base256_and_type_bits_in_the_mode()
        {
            var header = Header("spaced", size: 5, edit: h =>
            {
                Encoding.ASCII.GetBytes("  100644").CopyTo(h, 100); // mode with S_IFREG bits, leading spaces, no terminator
                Encoding.ASCII.GetBytes("   1750 ").CopyTo(h, 108); // uid 1000, space-terminated
                Encoding.ASCII.GetBytes("7\0\0\0\0\0\0\0").CopyTo(h, 116); // gid 7, NUL-terminated early
                Encoding.ASCII.GetBytes("          5 ").CopyTo(h, 124);
                var mtime = new byte[12];
                mtime[0] = 0xFF;
                for (var i = 1; i < 12; i++)
                {
                    mtime[i] = 0xFF;
                }

                mtime[11] = 0x9C; // -100 in two's complement base-256
                mtime.CopyTo(h, 136);
            });
            var bigUid = Header("base256-uid", edit: h =>
            {
                var uid = new byte[8];
                uid[0] = 0x80;
                uid[4] = 0x01; // 2^24 = 16777216... plus the bytes below
                uid[7] = 0x05;
                uid.CopyTo(h, 108);
            });
            var archive = new TarBuilder().Raw(header).Data(Encoding.ASCII.GetBytes("hello")).Raw(bigUid).End().ToArray();

            var entries = await ReadAllAsync(archive);
            var spaced = Single(entries, "spaced");
            Assert.Equal(Mode644, spaced.Mode);
            Assert.Equal(1000, spaced.Uid);
            Assert.Equal(7, spaced.Gid);
            Assert.Equal(5, spaced.Size);
            Assert.Equal(-100, spaced.ModificationTime);
            Assert.Equal(Sha256(Encoding.ASCII.GetBytes("hello")), spaced.DataSha256);
            Assert.Equal((1L << 24) + 5, Single(entries, "base256-uid").Uid);
        }

        [Fact]
        public async Task Signed_checksums_from_historic_writers_are_accepted()
        {
            var name = "caf\u00e9-\u00ff\u00fe"; // bytes >= 0x80 make signed and unsigned sums differ
            var header = Header(name);
            for (var i = 148; i < 156; i++)
            {
                header[i] = (byte)' ';
            }

            var signedSum = header.Sum(b => (int)(sbyte)b);
            Encoding.ASCII.GetBytes(Convert.ToString(signedSum, 8).PadLeft(6, '0') + "\0 ").CopyTo(header, 148);
            Assert.NotEqual(signedSum, header.Sum(b => (int)b));

            var entries = await ReadAllAsync(new TarBuilder().Raw(header).End().ToArray());
            Assert.Equal(name, Assert.Single(entries).Path);
        }

        [Fact]
        public async Task Gnu_and_v7_headers_are_read_without_a_prefix_and_v7_trailing_slash_means_directory()
        {
            // In a GNU header the prefix area holds other data; it must not be joined to the name.
            var gnu = Header("gnu-name", magic: "gnu", edit: h => Encoding.ASCII.GetBytes("NOT-A-PREFIX").CopyTo(h, 345));
            var archive = new TarBuilder()
                .Raw(gnu)
                .Entry("olddir/", '\0', magic: "v7")
                .Entry("oldfile", '\0', new byte[] { 9 }, magic: "v7")
                .Entry("contiguous", '7', new byte[] { 7 })
                .Raw(Header("name-part", edit: h => Encoding.ASCII.GetBytes("prefix/part").CopyTo(h, 345)))
                .End()
                .ToArray();

            var entries = await ReadAllAsync(archive);
            Assert.Equal(new[] { "gnu-name", "olddir", "oldfile", "contiguous", "prefix/part/name-part" }, entries.Select(e => e.Path));
            Assert.Equal(TarEntryType.Directory, Single(entries, "olddir").Type);
            Assert.Equal(TarEntryType.RegularFile, Single(entries, "oldfile").Type);
            Assert.Equal(TarEntryType.RegularFile, Single(entries, "contiguous").Type);
        }

        [Fact]
        public async Task Pax_records_override_header_fields_and_empty_values_restore_them()
        {
            var archive = new TarBuilder()
                .Pax('g', PaxRecord("uid", "5"), PaxRecord("mtime", "99"))
                .Pax('x', PaxRecord("path", "renamed/by/pax"), PaxRecord("uid", ""), PaxRecord("size", "4"), PaxRecord("uname", "ignored"),
                    PaxRecord("SCHILY.xattr.user.a", "1"), PaxRecord("SCHILY.xattr.user.a", "2"))
                .Raw(Header("short-name", size: 0, uid: 77))
                .Data(Encoding.ASCII.GetBytes("data"))
                .Entry("plain", uid: 8, mtime: 1)
                .Pax('x', PaxRecord("linkpath", "pax/target/" + new string('l', 200)))
                .Entry("symlink", '2', linkName: "header-target")
                .End()
                .ToArray();

            var entries = await ReadAllAsync(archive);
            Assert.Equal(new[] { "renamed/by/pax", "plain", "symlink" }, entries.Select(e => e.Path));
            var renamed = entries[0];
            Assert.Equal(77, renamed.Uid); // "uid=" removed the global value, so the header's applies
            Assert.Equal(99, renamed.ModificationTime);
            Assert.Equal(4, renamed.Size);
            Assert.Equal(Sha256(Encoding.ASCII.GetBytes("data")), renamed.DataSha256);
            var xattr = Assert.Single(renamed.Xattrs);
            Assert.Equal(("user.a", "2"), (xattr.Name, Encoding.ASCII.GetString(xattr.Value)));
            Assert.Equal(5, entries[1].Uid); // global overrides the header
            Assert.Equal(99, entries[1].ModificationTime);
            Assert.Equal("pax/target/" + new string('l', 200), entries[2].LinkTarget);
        }

        [Fact]
        public async Task Libarchive_xattr_records_are_url_and_base64_decoded_and_merge_with_schily_ones()
        {
            var archive = new TarBuilder()
                .Pax('x',
                    PaxRecord("LIBARCHIVE.xattr.security.capability", Convert.ToBase64String(new byte[] { 1, 0, 0, 2, 0x20, 0, 0, 0 }).TrimEnd('=')),
                    PaxRecord("SCHILY.xattr.security.capability", new byte[] { 1, 0, 0, 2, 0x20, 0, 0, 0 }),
                    PaxRecord("LIBARCHIVE.xattr.user.with%20space%3D", "AAo9"))
                .Entry("f")
                .End()
                .ToArray();

            var entry = Assert.Single(await ReadAllAsync(archive));
            Assert.Equal(new[] { "security.capability", "user.with space=" }, entry.Xattrs.Select(x => x.Name));
            Assert.Equal(new byte[] { 1, 0, 0, 2, 0x20, 0, 0, 0 }, entry.Xattrs[0].Value);
            Assert.Equal(new byte[] { 0, 0x0A, 0x3D }, entry.Xattrs[1].Value);
        }

        [Fact]
        public async Task Volume_labels_dumpdirs_and_unknown_types_are_skipped_with_a_warning()
        {
            var archive = new TarBuilder()
                .Entry("label", 'V', magic: "gnu")
                .Entry("dumped", 'D', Encoding.ASCII.GetBytes("Ya\0Nb\0\0"), magic: "gnu")
                .Pax('x', PaxRecord("path", "vendor-thing"))
                .Entry("vendor", 'Z', new byte[700])
                .Entry("kept", '0', new byte[] { 42 })
                .End()
                .ToArray();

            var reporter = new RecordingReporter();
            var entries = await ReadAllAsync(new TarReader(new MemoryStream(archive), "skips.tar", reporter));
            Assert.Equal("kept", Assert.Single(entries).Path);
            Assert.Equal(Sha256(new byte[] { 42 }), entries[0].DataSha256);
            Assert.Equal(3, reporter.Warnings.Count);
            Assert.Contains("'label'", reporter.Warnings[0]);
            Assert.Contains("volume label", reporter.Warnings[0]);
            Assert.Contains("dump directory", reporter.Warnings[1]);
            Assert.Contains("'vendor-thing'", reporter.Warnings[2]);
            Assert.Contains("'Z'", reporter.Warnings[2]);
        }

        [Fact]
        public async Task Unread_data_is_skipped_and_stale_entries_refuse_to_read()
        {
            var first = Enumerable.Range(0, 3000).Select(i => (byte)i).ToArray();
            var archive = new TarBuilder().Entry("first", data: first).Entry("second", data: new byte[] { 5 }).End().ToArray();
            using var reader = new TarReader(new MemoryStream(archive), "skip.tar");
            var entry1 = (await reader.GetNextEntryAsync())!;
            var part = new byte[100];
            Assert.Equal(100, await entry1.ReadDataAsync(part));
            Assert.Equal(first.Take(100), part);
            var entry2 = (await reader.GetNextEntryAsync())!;
            Assert.Equal("second", entry2.DisplayPath);
            await Assert.ThrowsAsync<InvalidOperationException>(async () => await entry1.ReadDataAsync(part));
            var rest = new byte[10];
            Assert.Equal(1, await entry2.ReadDataAsync(rest));
            Assert.Equal(5, rest[0]);
            Assert.Null(await reader.GetNextEntryAsync());
            Assert.Null(await reader.GetNextEntryAsync());
        }

        [Fact]
        public async Task A_path_of_many_short_components_beyond_100_bytes_is_accepted_up_to_the_limit()
        {
            var longPath = string.Join("/", Enumerable.Repeat(new string('p', 250), 40)); // 10,039 bytes
            var archive = new TarBuilder().Pax('x', PaxRecord("path", longPath)).Entry("x").End().ToArray();
            Assert.Equal(longPath, Assert.Single(await ReadAllAsync(archive)).Path);
        }

        [Fact]
        public async Task Entries_built_by_hand_normalise_their_paths_and_serve_their_data()
        {
            var data = Encoding.ASCII.GetBytes("hand made");
            var entry = new TarEntry("./x//y/", TarEntryType.RegularFile, size: data.Length, mode: Convert.ToInt32("104755", 8), uid: 70000, gid: 3, modificationTime: -5,
                xattrs: new[] { new TarXattr("user.k", new byte[] { 0 }) }, data: new MemoryStream(data));
            Assert.Equal("x/y", entry.DisplayPath);
            Assert.Equal(Convert.ToInt32("4755", 8), entry.Mode);
            Assert.Equal(-1, entry.HeaderOffset);
            var buffer = new byte[64];
            Assert.Equal(data.Length, await entry.ReadDataAsync(buffer));
            Assert.Equal(data, buffer.Take(data.Length));
            Assert.Equal(0, await entry.ReadDataAsync(buffer));

            var link = new TarEntry("l", TarEntryType.HardLink, linkTarget: "./x/y");
            Assert.Equal("x/y", Encoding.UTF8.GetString(link.LinkTarget!));
            Assert.Throws<ArgumentException>(() => new TarEntry("a/../b", TarEntryType.Directory));
        }
    }
}
