using System;
using System.IO;
using System.Linq;
using System.Threading.Tasks;
using GolemImage.Tar;
using Xunit;
using static GolemImage.Tests.Tar.TarTestSupport;

namespace GolemImage.Tests.Tar
{
    /// <summary>Headers, PAX records, sparse maps and data that straddle tiny pipe segments parse exactly as from one buffer.</summary>
    [Trait(Requires.Key, Requires.LinuxTools)]
    public class TinyReadTests
    {
        private static byte[] MakeArchive(TempDirectory temp, string format, params string[] extra)
        {
            var root = temp.Combine("root-" + format);
            Directory.CreateDirectory(Path.Combine(root, new string('d', 120)));
            File.WriteAllBytes(Path.Combine(root, new string('d', 120), new string('n', 150)), Enumerable.Range(0, 5000).Select(i => (byte)i).ToArray());
            File.WriteAllText(Path.Combine(root, "small"), "x");
            File.CreateSymbolicLink(Path.Combine(root, "link"), new string('t', 300));
            using (var sparse = File.Create(Path.Combine(root, "sparse")))
            {
                for (var i = 0; i < 8; i++)
                {
                    sparse.Position = i * 65536L;
                    sparse.Write(Enumerable.Repeat((byte)(i + 1), 4096).ToArray());
                }

                sparse.SetLength(9 * 65536L);
            }

            Run("setfattr", root, "-n", "user.data", "-v", "0x0a000a3d", "small");
            return Run("tar", root, new[] { "--format=" + format, "--sort=name", "-S", "--xattrs", "-cf", "-", "." }.Concat(extra).ToArray());
        }

        [Theory]
        [InlineData("gnu")]
        [InlineData("posix", "--sparse-version=1.0")]
        [InlineData("posix", "--sparse-version=0.1")]
        public async Task Tiny_pipe_segments_give_the_same_entries_as_one_buffer(string format, string? extra = null)
        {
            using var temp = NewTempDirectory();
            var archive = extra == null ? MakeArchive(temp, format) : MakeArchive(temp, format, extra);
            var reference = await ReadAllAsync(archive);
            Assert.Contains(reference, e => e.Path == "sparse" && e.Size == 9 * 65536L);

            for (var seed = 1; seed <= 3; seed++)
            {
                var pipe = new TrickleSegmentPipeReader(archive, seed);
                var trickled = await ReadAllAsync(new TarReader(pipe, "trickle.tar"), chunkSize: 333 * seed);
                Assert.True(pipe.Reads > archive.Length / 8, "the reader did not see the data in small pieces");
                AssertSameEntries(reference, trickled);
            }

            var fromStream = await ReadAllAsync(new TarReader(new TrickleStream(archive, 9), "trickle-stream.tar"), chunkSize: 4096);
            AssertSameEntries(reference, fromStream);
        }

        private static void AssertSameEntries(System.Collections.Generic.List<ReadEntry> expected, System.Collections.Generic.List<ReadEntry> actual)
        {
            Assert.Equal(expected.Count, actual.Count);
            for (var i = 0; i < expected.Count; i++)
            {
                var want = expected[i];
                var got = actual[i];
                Assert.Equal(want with { Xattrs = Array.Empty<TarXattr>() }, got with { Xattrs = Array.Empty<TarXattr>() });
                Assert.Equal(want.Xattrs.Select(x => (x.Name, Convert.ToHexString(x.Value))), got.Xattrs.Select(x => (x.Name, Convert.ToHexString(x.Value))));
            }
        }
    }
}
