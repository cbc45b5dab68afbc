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
    /// <summary>GNU tar's sparse dialects and its PAX xattr records, compared against the files they came from.</summary>
    [Trait(Requires.Key, Requires.LinuxTools)]
    public class GnuTarSparseAndXattrTests
    {
        [Theory]
        [InlineData("gnu", null)]
        [InlineData("posix", "0.0")]
        [InlineData("posix", "0.1")]
        [InlineData("posix", "1.0")]
        public async Task Sparse_files_read_back_with_their_holes_as_zeros(string format, string? sparseVersion)
        {
            using var temp = NewTempDirectory();
            var root = temp.Combine("root");
            Directory.CreateDirectory(root);
            var random = new Random(7);

            // 30 data regions: more than the 4 an old GNU header holds, so extension headers are needed too.
            var manyRegions = Path.Combine(root, "many-regions.bin");
            using (var file = File.Create(manyRegions))
            {
                for (var i = 0; i < 30; i++)
                {
                    var chunk = new byte[4096 * (1 + (i % 3))];
                    random.NextBytes(chunk);
                    file.Position = i * 256L * 1024;
                    file.Write(chunk);
                }

                file.SetLength(30 * 256L * 1024 + 12345);
            }

            var tailHole = Path.Combine(root, "tail-hole.bin");
            using (var file = File.Create(tailHole))
            {
                var chunk = new byte[8192];
                random.NextBytes(chunk);
                file.Write(chunk);
                file.SetLength(5 * 1024 * 1024);
            }

            var allHole = Path.Combine(root, "all-hole.bin");
            using (var file = File.Create(allHole))
            {
                file.SetLength(3 * 1024 * 1024);
            }

            var arguments = new System.Collections.Generic.List<string> { "--format=" + format, "--sort=name", "-S" };
            if (sparseVersion != null)
            {
                arguments.Add("--sparse-version=" + sparseVersion);
            }

            arguments.AddRange(new[] { "-cf", "-", "many-regions.bin", "tail-hole.bin", "all-hole.bin" });
            var archive = Run("tar", root, arguments.ToArray());

            var logicalTotal = new FileInfo(manyRegions).Length + new FileInfo(tailHole).Length + new FileInfo(allHole).Length;
            Assert.True(archive.Length < logicalTotal / 4, $"GNU tar did not write sparse entries ({archive.Length} bytes for {logicalTotal} logical)");

            var entries = await ReadAllAsync(archive, $"sparse-{format}-{sparseVersion}.tar");
            Assert.Equal(new[] { "many-regions.bin", "tail-hole.bin", "all-hole.bin" }, entries.Select(e => e.Path));
            foreach (var entry in entries)
            {
                var content = File.ReadAllBytes(Path.Combine(root, entry.Path));
                Assert.Equal(TarEntryType.RegularFile, entry.Type);
                Assert.Equal(content.Length, entry.Size);
                Assert.Equal(content.Length, entry.DataLength);
                Assert.True(Sha256(content) == entry.DataSha256, $"{entry.Path}: content differs");
            }

            // The same archive read in odd-sized pieces gives the same bytes (holes and data split across reads).
            var oddChunks = await ReadAllAsync(new TarReader(new MemoryStream(archive), "sparse.tar"), chunkSize: 1000);
            Assert.Equal(entries.Select(e => e.DataSha256), oddChunks.Select(e => e.DataSha256));
        }

        [Fact]
        public async Task Xattrs_from_gnu_tar_posix_records_are_byte_exact()
        {
            using var temp = NewTempDirectory();
            var root = temp.Combine("root");
            Directory.CreateDirectory(Path.Combine(root, "dir"));
            var file = Path.Combine(root, "file");
            File.WriteAllText(file, "content");
            Run("setfattr", root, "-n", "user.text", "-v", "hello world", "file");
            Run("setfattr", root, "-n", "user.binary", "-v", "0x000aff3d200a0a00", "file");
            Run("setfattr", root, "-n", "user.dirattr", "-v", "on a directory", "dir");
            if (Environment.UserName == "root")
            {
                Run("setcap", root, "cap_net_raw,cap_net_admin+ep", "file");
            }

            var archive = Run("tar", root, "--format=posix", "--xattrs", "--xattrs-include=*", "--sort=name", "-cf", "-", "file", "dir");
            var entries = await ReadAllAsync(archive, "xattrs.tar");

            foreach (var name in new[] { "file", "dir" })
            {
                var entry = Single(entries, name);
                var listed = Encoding.UTF8.GetString(Run("getfattr", root, "--absolute-names", "-m", "-", "--only-values", "--dump", name))
                    .Split('\n').Where(l => l.StartsWith("user.") || l.StartsWith("security.")).ToList();
                var names = Run("getfattr", root, "-m", "-", "--absolute-names", name);
                var expectedNames = Encoding.UTF8.GetString(names).Split('\n').Where(l => l.Length > 0 && !l.StartsWith('#')).OrderBy(n => n, StringComparer.Ordinal).ToList();
                Assert.Equal(expectedNames, entry.Xattrs.Select(x => x.Name).OrderBy(n => n, StringComparer.Ordinal));
                foreach (var xattr in entry.Xattrs)
                {
                    var value = Run("getfattr", root, "--absolute-names", "--only-values", "-n", xattr.Name, name);
                    Assert.True(value.AsSpan().SequenceEqual(xattr.Value), $"{name}: {xattr.Name} differs");
                }
            }

            var binary = Single(entries, "file").Xattrs.Single(x => x.Name == "user.binary");
            Assert.Equal(new byte[] { 0x00, 0x0A, 0xFF, 0x3D, 0x20, 0x0A, 0x0A, 0x00 }, binary.Value);
            if (Environment.UserName == "root")
            {
                var capability = Single(entries, "file").Xattrs.Single(x => x.Name == "security.capability");
                Assert.Equal(20, capability.Value.Length);
            }
        }
    }
}
