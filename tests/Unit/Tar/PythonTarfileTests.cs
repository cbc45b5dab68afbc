using System;
using System.IO;
using System.Linq;
using System.Text;
using System.Threading.Tasks;
using GolemImage.Tar;
using Xunit;
using static GolemImage.Tests.Tar.TarTestSupport;

namespace GolemImage.Tests.Tar
{
    /// <summary>
    /// Archives written by Python's tarfile, which reaches corners GNU tar does not: binary PAX values,
    /// fractional and negative times, global headers, base-256 numbers.
    /// </summary>
    [Trait(Requires.Key, Requires.LinuxTools)]
    public class PythonTarfileTests
    {
        private const string Script = @"
import io, tarfile

def add(tar, name, data=b'', **fields):
    info = tarfile.TarInfo(name)
    pax = fields.pop('pax', None)
    for key, value in fields.items():
        setattr(info, key, value)
    if pax is not None:
        info.pax_headers = pax
    if info.type in (tarfile.REGTYPE, tarfile.AREGTYPE):
        info.size = len(data)
        tar.addfile(info, io.BytesIO(data))
    else:
        tar.addfile(info)

long_dir = '/'.join(['segment-%02d-' % i + 'x' * 50 for i in range(6)])
with tarfile.open('pax.tar', 'w', format=tarfile.PAX_FORMAT, pax_headers={'gid': '4242', 'comment': 'global'}) as tar:
    add(tar, 'bin-xattr', b'payload\n', mode=0o4755, uid=1, gid=2, mtime=1000,
        pax={'SCHILY.xattr.user.bin': '\x00\n=\udcff\n', 'SCHILY.xattr.security.capability': '\x01\x00\x00\x02\x00\x20\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00',
             'LIBARCHIVE.xattr.user.caf%C3%A9%3D': 'aGk', 'SCHILY.acl.access': 'user::rw-', 'atime': '5.5', 'ctime': '6'})
    add(tar, 'negative-fraction', b'', mtime=-1.5)
    add(tar, 'positive-fraction', b'x', mtime=1700000000.75)
    add(tar, 'tiny-exponent', b'', mtime=0.00001)
    add(tar, 'after-2106', b'', mtime=8589934592 * 2)
    add(tar, 'big-ids', b'ids', uid=3000000, gid=4000000)
    add(tar, 'global-gid', b'g', gid=10)
    add(tar, long_dir + '/' + 'f' * 200, b'long path\n')
    add(tar, 'long-symlink', type=tarfile.SYMTYPE, linkname='../' * 100 + 'target')
    add(tar, 'dir/', type=tarfile.DIRTYPE, mode=0o1777, mtime=1234567890)
    add(tar, 'hardlink', type=tarfile.LNKTYPE, linkname='./bin-xattr')
    add(tar, 'cdev', type=tarfile.CHRTYPE, devmajor=4, devminor=64, mode=0o620)
    add(tar, 'bdev', type=tarfile.BLKTYPE, devmajor=8, devminor=1, mode=0o660)
    add(tar, 'fifo', type=tarfile.FIFOTYPE, mode=0o600)

with tarfile.open('gnu.tar', 'w', format=tarfile.GNU_FORMAT) as tar:
    add(tar, 'negative-mtime', b'n', mtime=-100)
    add(tar, 'big-ids', b'ids', uid=3000000, gid=2097152, mtime=2 ** 40)
    add(tar, long_dir + '/' + 'f' * 200, b'long path\n', mtime=5)
    add(tar, 'long-hardlink', type=tarfile.LNKTYPE, linkname=long_dir + '/' + 'f' * 200)
    add(tar, 'long-symlink', type=tarfile.SYMTYPE, linkname='../' * 100 + 'target')
";

        private static readonly string LongDir = string.Join('/', Enumerable.Range(0, 6).Select(i => $"segment-{i:00}-" + new string('x', 50)));
        private static readonly string LongPath = LongDir + "/" + new string('f', 200);
        private static readonly string LongTarget = string.Concat(Enumerable.Repeat("../", 100)) + "target";

        [Fact]
        public async Task Pax_archive_fields_and_binary_xattrs_read_back_exactly()
        {
            using var temp = NewTempDirectory();
            RunPython(temp.Path, Script);
            var entries = await ReadAllAsync(File.ReadAllBytes(temp.Combine("pax.tar")), "pax.tar");

            Assert.Equal(
                new[] { "bin-xattr", "negative-fraction", "positive-fraction", "tiny-exponent", "after-2106", "big-ids", "global-gid", LongPath, "long-symlink", "dir", "hardlink", "cdev", "bdev", "fifo" },
                entries.Select(e => e.Path));

            var withXattrs = Single(entries, "bin-xattr");
            Assert.Equal(Convert.ToInt32("4755", 8), withXattrs.Mode);
            Assert.Equal(1, withXattrs.Uid);
            Assert.Equal(4242, withXattrs.Gid); // the global record overrides the ustar field
            Assert.Equal(1000, withXattrs.ModificationTime);
            Assert.Equal(Sha256("payload\n"u8.ToArray()), withXattrs.DataSha256);
            Assert.Equal(new[] { "user.bin", "security.capability", "user.café=" }, withXattrs.Xattrs.Select(x => x.Name));
            Assert.Equal(new byte[] { 0x00, 0x0A, 0x3D, 0xFF, 0x0A }, withXattrs.Xattrs[0].Value);
            Assert.Equal(new byte[] { 1, 0, 0, 2, 0, 0x20, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 }, withXattrs.Xattrs[1].Value);
            Assert.Equal("hi"u8.ToArray(), withXattrs.Xattrs[2].Value);

            Assert.Equal(-2, Single(entries, "negative-fraction").ModificationTime);
            Assert.Equal(1700000000, Single(entries, "positive-fraction").ModificationTime);
            Assert.Equal(0, Single(entries, "tiny-exponent").ModificationTime);
            Assert.Equal(8589934592L * 2, Single(entries, "after-2106").ModificationTime);

            var bigIds = Single(entries, "big-ids");
            Assert.Equal(3000000, bigIds.Uid);
            Assert.Equal(4000000, bigIds.Gid);
            Assert.Equal(4242, Single(entries, "global-gid").Gid);

            Assert.Equal(Sha256("long path\n"u8.ToArray()), Single(entries, LongPath).DataSha256);
            Assert.Equal(LongTarget, Single(entries, "long-symlink").LinkTarget);
            Assert.Equal(TarEntryType.SymbolicLink, Single(entries, "long-symlink").Type);

            var dir = Single(entries, "dir");
            Assert.Equal(TarEntryType.Directory, dir.Type);
            Assert.Equal(Convert.ToInt32("1777", 8), dir.Mode);
            Assert.Equal(1234567890, dir.ModificationTime);

            var hardlink = Single(entries, "hardlink");
            Assert.Equal(TarEntryType.HardLink, hardlink.Type);
            Assert.Equal("bin-xattr", hardlink.LinkTarget); // "./bin-xattr" canonicalised like a path

            Assert.Equal((TarEntryType.CharacterDevice, 4, 64, Convert.ToInt32("620", 8)), (Single(entries, "cdev").Type, Single(entries, "cdev").DeviceMajor, Single(entries, "cdev").DeviceMinor, Single(entries, "cdev").Mode));
            Assert.Equal((TarEntryType.BlockDevice, 8, 1), (Single(entries, "bdev").Type, Single(entries, "bdev").DeviceMajor, Single(entries, "bdev").DeviceMinor));
            Assert.Equal(TarEntryType.Fifo, Single(entries, "fifo").Type);
        }

        [Fact]
        public async Task Gnu_archive_base256_numbers_and_long_names_read_back_exactly()
        {
            using var temp = NewTempDirectory();
            RunPython(temp.Path, Script);
            var archive = File.ReadAllBytes(temp.Combine("gnu.tar"));

            // Make sure the writer really used base-256 (a leading 0xFF / 0x80 byte in the fields).
            Assert.Equal(0xFF, archive[136]);
            var entries = await ReadAllAsync(archive, "gnu.tar");

            Assert.Equal(new[] { "negative-mtime", "big-ids", LongPath, "long-hardlink", "long-symlink" }, entries.Select(e => e.Path));
            Assert.Equal(-100, Single(entries, "negative-mtime").ModificationTime);
            var bigIds = Single(entries, "big-ids");
            Assert.Equal(3000000, bigIds.Uid);
            Assert.Equal(2097152, bigIds.Gid);
            Assert.Equal(1L << 40, bigIds.ModificationTime);
            Assert.Equal(Sha256("ids"u8.ToArray()), bigIds.DataSha256);
            Assert.Equal(5, Single(entries, LongPath).ModificationTime);
            Assert.Equal(LongPath, Single(entries, "long-hardlink").LinkTarget);
            Assert.Equal(LongTarget, Single(entries, "long-symlink").LinkTarget);
        }
    }
}
