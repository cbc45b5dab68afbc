using System;
using System.Formats.Tar;
using System.IO;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using GolemImage.Compression;
using GolemImage.Squashfs;
using GolemImage.Tree;
using Xunit;

namespace GolemImage.Tests.Squashfs
{
    public class SmokeTests
    {
        [Theory]
        [InlineData(CompressionAlgorithm.Gzip, false)]
        [InlineData(CompressionAlgorithm.Gzip, true)]
        [InlineData(CompressionAlgorithm.Lz4, false)]
        [InlineData(CompressionAlgorithm.Zstd, false)]
        public async Task Simple_tree_reads_back(CompressionAlgorithm algorithm, bool uncompressed)
        {
            using var temp = new TempDirectory();
            ExternalTool.RunShell("mkdir -p src/a/b src/c && echo hello > src/a/hello.txt && head -c 300000 /dev/urandom > src/a/b/rand && ln -s ../a/hello.txt src/c/link && : > src/empty && head -c 262144 /dev/zero > src/zeros && for i in $(seq 1 300); do echo $i > src/c/f$i; done && tar -C src -cf t.tar .", temp.Path);
            string image = temp.Combine("out.sqfs");
            using (var output = File.Create(image))
            using (var writer = new SquashfsWriter(output, new SquashfsWriterOptions { Compression = new CompressionSettings(algorithm, System.IO.Compression.CompressionLevel.Optimal, uncompressed), WorkerCount = 2 }))
            {
                using var tar = new TarReader(File.OpenRead(temp.Combine("t.tar")));
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

            ExternalTool.RunChecked("unsquashfs", "-d", temp.Combine("x"), image);
            ExternalTool.RunShell("diff -r --no-dereference src x", temp.Path);
            ExternalTool.RunChecked("sqfs2tar", image);
        }
    }
}
