using System;
using System.Formats.Tar;
using System.IO;
using System.IO.Compression;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using GolemImage.Compression;
using GolemImage.Squashfs;
using GolemImage.Tests.Squashfs;
using GolemImage.Tree;
using Xunit;

namespace GolemImage.Tests.Compression.Lzo
{
    /// <summary>
    /// Whole LZO images from our squashfs writer, read by independent readers: unsquashfs (which decodes every
    /// block with liblzo2's lzo1x_decompress_safe), sqfs2tar, and the kernel through a loop mount.
    /// </summary>
    [Trait(Requires.Key, Requires.SquashfsTools)]
    [Trait(Requires.Key, Requires.LinuxTools)]
    [Trait(Requires.Key, Requires.Root)]
    public class LzoImageTests
    {
        // Text, code, binaries, zeros, random data, long and short files, a symlink, many small files.
        private const string TreeScript =
            "mkdir -p src/text src/bin src/small src/links && " +
            "for d in json email encodings; do [ -d /usr/lib/python3.11/$d ] && cp -r /usr/lib/python3.11/$d src/text/; done; " +
            "seq 1 200000 > src/text/numbers && " +
            "cp /usr/bin/busybox src/bin/ 2>/dev/null || head -c 900000 /usr/bin/dpkg > src/bin/dpkg; " +
            "head -c 400000 /dev/urandom > src/bin/random && head -c 300000 /dev/zero > src/bin/zeros && " +
            "for i in $(seq 1 200); do printf 'file %d %s\\n' $i $(seq -s, 1 $i) > src/small/f$i; done && " +
            "ln -s ../text/numbers src/links/numbers && : > src/empty && " +
            "tar -C src -cf t.tar .";

        public static readonly TheoryData<int, string> LevelsAndStat = new TheoryData<int, string>
        {
            { (int)CompressionLevel.Fastest, "algorithm lzo1x_1" },
            { (int)CompressionLevel.Optimal, "algorithm lzo1x_999" },
            { (int)CompressionLevel.SmallestSize, string.Empty },
        };

        [Theory]
        [MemberData(nameof(LevelsAndStat))]
        public async Task Unsquashfs_and_sqfs2tar_read_every_level_back_and_report_the_algorithm(int level, string statLine)
        {
            using var temp = new TempDirectory();
            ExternalTool.RunShell(TreeScript, temp.Path);
            string image = temp.Combine("lzo.sqfs");
            await WriteImage(temp.Combine("t.tar"), image, (CompressionLevel)level);

            ExternalTool.RunChecked("unsquashfs", "-d", temp.Combine("x"), image);
            ExternalTool.RunShell("diff -r --no-dereference src x", temp.Path);
            ExternalTool.RunShell("sqfs2tar lzo.sqfs > /dev/null", temp.Path);

            string stat = ExternalTool.RunChecked("unsquashfs", "-stat", image);
            Assert.Contains("Compression lzo", stat);
            if (statLine.Length == 0)
            {
                Assert.DoesNotContain("algorithm", stat);
            }
            else
            {
                Assert.Contains(statLine, stat);
            }
        }

        [Fact]
        public void Lzo_is_the_default_compression()
        {
            var settings = new SquashfsWriterOptions().Compression;
            Assert.Equal(CompressionAlgorithm.Lzo, settings.Algorithm);
            Assert.Equal(CompressionLevel.Optimal, settings.Level);
            Assert.IsType<GolemImage.Compression.Lzo.LzoBlockCompressor>(settings.CreateCompressor());
            Assert.IsType<GolemImage.Compression.Lzo.LzoBlockDecompressor>(settings.CreateDecompressor());
        }

        [LoopMountFact]
        public async Task Kernel_loop_mount_of_an_lzo_image_reads_back_exactly()
        {
            using var temp = new TempDirectory();
            ExternalTool.RunShell(TreeScript, temp.Path);
            string image = temp.Combine("lzo.sqfs");
            await WriteImage(temp.Combine("t.tar"), image, CompressionLevel.Optimal);
            Directory.CreateDirectory(temp.Combine("mnt"));
            ExternalTool.RunChecked("mount", "-t", "squashfs", "-o", "loop,ro", image, temp.Combine("mnt"));
            try
            {
                ExternalTool.RunShell("diff -r --no-dereference src mnt && find mnt -type f -exec cat {} + > /dev/null", temp.Path);
            }
            finally
            {
                ExternalTool.Run("umount", temp.Combine("mnt"));
            }
        }

        private static async Task WriteImage(string tarPath, string imagePath, CompressionLevel level)
        {
            using var output = File.Create(imagePath);
            using var writer = new SquashfsWriter(output, new SquashfsWriterOptions
            {
                Compression = new CompressionSettings(CompressionAlgorithm.Lzo, level),
                WorkerCount = 2,
            });
            using var tar = new TarReader(File.OpenRead(tarPath));
            TarEntry? e;
            while ((e = tar.GetNextEntry()) != null)
            {
                string name = e.Name.StartsWith("./", StringComparison.Ordinal) ? e.Name.Substring(2) : e.Name;
                name = name.TrimEnd('/');
                if (name == ".")
                {
                    name = string.Empty;
                }

                TreeEntryType type = e.EntryType switch
                {
                    TarEntryType.Directory => TreeEntryType.Directory,
                    TarEntryType.SymbolicLink => TreeEntryType.SymbolicLink,
                    _ => TreeEntryType.RegularFile,
                };
                var entry = new TreeEntry(Encoding.UTF8.GetBytes(name), type)
                {
                    Mode = (int)e.Mode,
                    Uid = e.Uid,
                    Gid = e.Gid,
                    ModificationTime = e.ModificationTime.ToUnixTimeSeconds(),
                    LinkTarget = type == TreeEntryType.SymbolicLink ? Encoding.UTF8.GetBytes(e.LinkName) : null,
                };
                Stream? data = e.DataStream;
                await writer.AddAsync(entry, data == null ? null : (m, ct) => data.ReadAsync(m, ct), CancellationToken.None);
            }

            await writer.FinishAsync(CancellationToken.None);
        }
    }

    /// <summary>Needs root, /dev/loop-control and squashfs in /proc/filesystems (like Pester's Test-CanLoopMount).</summary>
    public sealed class LoopMountFactAttribute : FactAttribute
    {
        public LoopMountFactAttribute()
        {
            if (!OperatingSystem.IsLinux() || Environment.UserName != "root")
            {
                Skip = "loop mounting needs root on Linux";
            }
            else if (!File.Exists("/dev/loop-control"))
            {
                Skip = "no /dev/loop-control";
            }
            else if (!File.ReadAllText("/proc/filesystems").Contains("squashfs"))
            {
                Skip = "the kernel has no squashfs support loaded";
            }
        }
    }
}
