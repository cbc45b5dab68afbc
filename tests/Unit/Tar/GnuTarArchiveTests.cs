using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Threading.Tasks;
using GolemImage.Tar;
using Xunit;
using static GolemImage.Tests.Tar.TarTestSupport;

namespace GolemImage.Tests.Tar
{
    /// <summary>Archives written by GNU tar in each of its formats, read back field by field.</summary>
    [Trait(Requires.Key, Requires.LinuxTools)]
    public class GnuTarArchiveTests
    {
        private const long Uid = 1234;
        private const long Gid = 5678;

        private static int Oct(string digits) => Convert.ToInt32(digits, 8);

        private static readonly bool IsRoot = Environment.UserName == "root";

        [Theory]
        [InlineData("gnu")]
        [InlineData("posix")]
        [InlineData("ustar")]
        [InlineData("v7")]
        public async Task Reads_every_entry_kind_written_by_gnu_tar(string format)
        {
            using var temp = NewTempDirectory();
            var root = temp.Combine("root");
            var expected = BuildTree(root, format);

            var archive = Run("tar", root, "--format=" + format, "--sort=name", "--owner=" + Uid, "--group=" + Gid, "-cf", "-", ".");
            var entries = await ReadAllAsync(archive, format + ".tar");

            Assert.Equal(expected.Keys.OrderBy(k => k, StringComparer.Ordinal), entries.Select(e => e.Path).OrderBy(k => k, StringComparer.Ordinal));
            foreach (var entry in entries)
            {
                var want = expected[entry.Path];
                Assert.True(want.Type == entry.Type, $"{entry.Path}: type {entry.Type}, expected {want.Type}");
                Assert.True(want.Mode == entry.Mode, $"{entry.Path}: mode {Convert.ToString(entry.Mode, 8)}, expected {Convert.ToString(want.Mode, 8)}");
                Assert.Equal(Uid, entry.Uid);
                Assert.Equal(Gid, entry.Gid);
                Assert.Equal(want.LinkTarget, entry.LinkTarget);
                Assert.Equal(want.DeviceMajor, entry.DeviceMajor);
                Assert.Equal(want.DeviceMinor, entry.DeviceMinor);
                if (want.Type != TarEntryType.HardLink && want.Type != TarEntryType.SymbolicLink)
                {
                    Assert.True(want.ModificationTime == entry.ModificationTime, $"{entry.Path}: mtime {entry.ModificationTime}, expected {want.ModificationTime}");
                }

                Assert.Equal(want.Size, entry.Size);
                Assert.Equal(want.Size, entry.DataLength);
                Assert.Equal(want.DataSha256, entry.DataSha256);
            }

            // Header offsets are increasing multiples of 512 inside the archive.
            Assert.All(entries, e => Assert.Equal(0, e.HeaderOffset % 512));
            Assert.True(entries.Select(e => e.HeaderOffset).SequenceEqual(entries.Select(e => e.HeaderOffset).OrderBy(o => o)));
        }

        /// <summary>Creates the tree and returns what each entry must read back as (path relative to the root, "." for the root).</summary>
        private static Dictionary<string, ReadEntry> BuildTree(string root, string format)
        {
            var expected = new Dictionary<string, ReadEntry>(StringComparer.Ordinal);
            var random = new Random(42);
            var empty = Sha256(Array.Empty<byte>());
            var time = 1_600_000_000L;

            void Dir(string path, int mode)
            {
                var full = path == "." ? root : Path.Combine(root, path);
                Directory.CreateDirectory(full);
                expected[path] = new ReadEntry(path, TarEntryType.Directory, 0, mode, Uid, Gid, 0, null, 0, 0, Array.Empty<TarXattr>(), 0, empty, 0);
            }

            void FileOf(string path, byte[] content, int mode)
            {
                File.WriteAllBytes(Path.Combine(root, path), content);
                expected[path] = new ReadEntry(path, TarEntryType.RegularFile, content.Length, mode, Uid, Gid, 0, null, 0, 0, Array.Empty<TarXattr>(), 0, Sha256(content), content.Length);
            }

            Dir(".", Oct("755"));
            Dir("dir", Oct("750"));
            Dir("sticky", Oct("1777"));
            FileOf("dir/file.txt", "hello\n"u8.ToArray(), Oct("640"));
            FileOf("dir/empty", Array.Empty<byte>(), Oct("600"));
            FileOf("dir/setuid", new byte[] { 1, 2, 3 }, Oct("4755"));
            FileOf("dir/setgid", new byte[] { 4 }, Oct("2711"));
            var big = new byte[3 * 1024 * 1024 + 17];
            random.NextBytes(big);
            FileOf("big.bin", big, Oct("644"));
            FileOf("exact-block.bin", new byte[131072], Oct("644"));

            File.CreateSymbolicLink(Path.Combine(root, "link"), "dir/file.txt");
            expected["link"] = new ReadEntry("link", TarEntryType.SymbolicLink, 0, Oct("777"), Uid, Gid, 0, "dir/file.txt", 0, 0, Array.Empty<TarXattr>(), 0, empty, 0);

            Run("ln", root, "dir/file.txt", "hard");
            expected["hard"] = new ReadEntry("hard", TarEntryType.HardLink, 0, Oct("640"), Uid, Gid, 0, "dir/file.txt", 0, 0, Array.Empty<TarXattr>(), 0, empty, 0);

            if (format != "v7")
            {
                // ustar splits this one between prefix and name; gnu and posix use their long-name mechanisms.
                var longDir = new string('d', 90);
                Dir(longDir, Oct("755"));
                FileOf(longDir + "/" + new string('n', 95), "long\n"u8.ToArray(), Oct("644"));

                Run("mkfifo", root, "fifo");
                expected["fifo"] = new ReadEntry("fifo", TarEntryType.Fifo, 0, Oct("644"), Uid, Gid, 0, null, 0, 0, Array.Empty<TarXattr>(), 0, empty, 0);
                Run("chmod", root, "0644", "fifo");

                if (IsRoot)
                {
                    Run("mknod", root, "chardev", "c", "1", "3");
                    Run("chmod", root, "0666", "chardev");
                    expected["chardev"] = new ReadEntry("chardev", TarEntryType.CharacterDevice, 0, Oct("666"), Uid, Gid, 0, null, 1, 3, Array.Empty<TarXattr>(), 0, empty, 0);
                    Run("mknod", root, "blockdev", "b", "259", "300");
                    Run("chmod", root, "0660", "blockdev");
                    expected["blockdev"] = new ReadEntry("blockdev", TarEntryType.BlockDevice, 0, Oct("660"), Uid, Gid, 0, null, 259, 300, Array.Empty<TarXattr>(), 0, empty, 0);
                }
            }

            if (format == "gnu" || format == "posix")
            {
                var longName = string.Concat(Enumerable.Repeat("component-of-forty-bytes-long-123456789/", 6)) + new string('f', 200);
                Directory.CreateDirectory(Path.Combine(root, Path.GetDirectoryName(longName)!));
                var dirPath = "";
                foreach (var part in Path.GetDirectoryName(longName)!.Split('/'))
                {
                    dirPath = dirPath.Length == 0 ? part : dirPath + "/" + part;
                    Dir(dirPath, Oct("755"));
                }

                FileOf(longName, "deep\n"u8.ToArray(), Oct("644"));
                var longTarget = string.Concat(Enumerable.Repeat("../target-", 30));
                File.CreateSymbolicLink(Path.Combine(root, "longlink"), longTarget);
                expected["longlink"] = new ReadEntry("longlink", TarEntryType.SymbolicLink, 0, Oct("777"), Uid, Gid, 0, longTarget, 0, 0, Array.Empty<TarXattr>(), 0, empty, 0);
                Run("ln", root, longName, "hard-to-long");
                expected["hard-to-long"] = new ReadEntry("hard-to-long", TarEntryType.HardLink, 0, Oct("644"), Uid, Gid, 0, longName, 0, 0, Array.Empty<TarXattr>(), 0, empty, 0);
            }

            // Modes and times last, after every child exists (creating children changes a directory's mtime).
            foreach (var path in expected.Keys.OrderByDescending(p => p.Length).ToList())
            {
                var entry = expected[path];
                var full = path == "." ? root : Path.Combine(root, path);
                if (entry.Type == TarEntryType.SymbolicLink)
                {
                    continue;
                }

                if (entry.Type != TarEntryType.HardLink)
                {
                    Run("chmod", root, Convert.ToString(entry.Mode, 8), full);
                }

                var mtime = time++;
                if (entry.Type == TarEntryType.HardLink)
                {
                    continue;
                }

                Run("touch", root, "-h", "-d", "@" + mtime, full);
                expected[path] = entry with { ModificationTime = mtime };
            }

            // A hard link shares its target's inode, so it reads back with the target's time and mode.
            foreach (var path in expected.Keys.ToList())
            {
                var entry = expected[path];
                if (entry.Type == TarEntryType.HardLink)
                {
                    var target = expected[entry.LinkTarget!];
                    expected[path] = entry with { Mode = target.Mode, ModificationTime = target.ModificationTime };
                }
            }

            return expected;
        }
    }
}
