using System;
using System.IO;
using System.Linq;
using System.Text;
using System.Threading.Tasks;
using GolemImage.Tar;
using Xunit;
using static GolemImage.Tests.Tar.TarBuilder;

namespace GolemImage.Tests.Tar
{
    /// <summary>
    /// Whatever the damage, the reader either reads entries or throws InvalidTarException; never an
    /// IndexOutOfRangeException, an overflow, a hang or an unbounded allocation.
    /// </summary>
    [Trait(Requires.Key, Requires.Portable)]
    public class DamagedArchiveFuzzTests
    {
        private static byte[] SampleArchive()
        {
            var mapText = Encoding.ASCII.GetBytes("2\n0\n100\n700\n50\n");
            var mapArea = new byte[512];
            mapText.CopyTo(mapArea, 0);
            var oldSparse = Header("old-sparse", 'S', size: 30, magic: "gnu", edit: h =>
            {
                Octal(10, 12).CopyTo(h, 386);
                Octal(30, 12).CopyTo(h, 398);
                Octal(100, 12).CopyTo(h, 483);
            });
            return new TarBuilder()
                .Pax('g', PaxRecord("uname", "global"))
                .Pax('x', PaxRecord("path", "pax/" + new string('p', 150)), PaxRecord("SCHILY.xattr.user.x", new byte[] { 0, 10, 61 }), PaxRecord("mtime", "-12.5"))
                .Entry("short", data: Enumerable.Range(0, 700).Select(i => (byte)i).ToArray())
                .Entry("././@LongLink", 'L', Encoding.ASCII.GetBytes(new string('l', 130) + "\0"), magic: "gnu")
                .Entry("ignored", '2', linkName: "target", magic: "gnu")
                .Pax('x', PaxRecord("GNU.sparse.major", "1"), PaxRecord("GNU.sparse.minor", "0"), PaxRecord("GNU.sparse.name", "sparse"), PaxRecord("GNU.sparse.realsize", "1000"))
                .Entry("GNUSparseFile.1/sparse", data: Concat(mapArea, new byte[150]))
                .Raw(oldSparse)
                .Data(new byte[30])
                .Entry("dev", '3', edit: h => Octal(5, 8).CopyTo(h, 329))
                .End()
                .ToArray();
        }

        private static async Task ReadAllowingOnlyInvalidTar(byte[] archive, string what)
        {
            try
            {
                using var reader = new TarReader(new MemoryStream(archive), "fuzz.tar");
                var buffer = new byte[4096];
                var entries = 0;
                while (await reader.GetNextEntryAsync() is { } entry)
                {
                    Assert.True(++entries < 10_000, what + ": too many entries");
                    long total = 0;
                    int read;
                    while (total < (1 << 20) && (read = await entry.ReadDataAsync(buffer)) > 0)
                    {
                        total += read;
                    }
                }
            }
            catch (InvalidTarException)
            {
            }
            catch (Exception e)
            {
                Assert.Fail($"{what}: {e.GetType().Name}: {e.Message}\n{e.StackTrace}");
            }
        }

        [Fact]
        public async Task Every_truncation_reads_entries_or_reports_invalid_tar()
        {
            var archive = SampleArchive();
            var intact = await TarTestSupport.ReadAllAsync(archive);
            Assert.Equal(new[] { "pax/" + new string('p', 150), new string('l', 130), "sparse", "old-sparse", "dev" }, intact.Select(e => e.Path));
            Assert.Equal(new long[] { 700, 0, 1000, 100, 0 }, intact.Select(e => e.DataLength));
            for (var length = 0; length < archive.Length; length += 7)
            {
                await ReadAllowingOnlyInvalidTar(archive.AsSpan(0, length).ToArray(), $"truncated at {length}");
            }
        }

        [Fact]
        public async Task Random_byte_damage_with_repaired_checksums_reads_entries_or_reports_invalid_tar()
        {
            var archive = SampleArchive();
            var random = new Random(20261127);
            var iterations = Environment.GetEnvironmentVariable("GOLEMIMAGE_EXHAUSTIVE") == "1" ? 200_000 : 3_000;
            for (var iteration = 0; iteration < iterations; iteration++)
            {
                var damaged = (byte[])archive.Clone();
                var changes = random.Next(1, 5);
                for (var i = 0; i < changes; i++)
                {
                    var position = random.Next(damaged.Length);
                    damaged[position] = random.Next(4) switch
                    {
                        0 => 0,
                        1 => (byte)random.Next(256),
                        2 => (byte)"0123456789 \n=/."[random.Next(15)],
                        _ => 0xFF,
                    };
                }

                // Repair header checksums most of the time so the damage reaches the field parsers.
                if (random.Next(4) != 0)
                {
                    for (var block = 0; block + 512 <= damaged.Length; block += 512)
                    {
                        if (damaged.AsSpan(block + 257, 5).SequenceEqual("ustar"u8))
                        {
                            var header = damaged.AsSpan(block, 512).ToArray();
                            SetChecksum(header);
                            header.CopyTo(damaged, block);
                        }
                    }
                }

                await ReadAllowingOnlyInvalidTar(damaged, $"iteration {iteration}");
            }
        }
    }
}
