using System;
using System.IO;
using System.Threading;
using System.Threading.Tasks;
using GolemImage.Gvmi;
using GolemImage.Squashfs;

namespace GolemImage.Tests.Squashfs
{
    /// <summary>
    /// A real directory tree holding every kind of entry squashfs can store (built with mknod, mkfifo, setfattr,
    /// setcap, sparse files, hard links, ...), the tar GNU tar makes of it, and its expected manifests. Built once per
    /// test class.
    /// </summary>
    public sealed class EveryEntryKindTree : IDisposable
    {
        private const string BuildScript = """
            mkdir -p src && cd src
            echo hello > hello.txt
            : > empty
            head -c 3145728 /dev/urandom > rand3m
            cp rand3m copy-of-rand3m
            head -c 131072 /dev/urandom > exact-1-block
            head -c 262144 /dev/urandom > exact-2-blocks
            head -c 1000 /dev/urandom > small-a && cp small-a small-a-copy
            truncate -s 10M sparse && printf 'data-in-the-middle' | dd of=sparse bs=1 seek=5000000 conv=notrunc status=none
            head -c 400000 /dev/zero > zeros
            mkdir -p dir1 dir2 empty-dir
            echo linked > dir1/hardlinked && ln dir1/hardlinked dir2/hardlink2 && ln dir1/hardlinked hardlink3
            : > empty-hardlinked && ln empty-hardlinked empty-hardlink2
            ln -s hello.txt symlink && ln -s /nonexistent/dangling dangling
            ln -s "$(printf 'x/%.0s' $(seq 1 2000))" long-symlink
            mknod chardev c 1 3 && mknod blockdev b 7 0 && mknod bigminor c 240 300000 && mkfifo fifo
            echo s > setuid && chmod 4755 setuid
            echo g > setgid && chmod 2711 setgid
            mkdir sticky && chmod 1777 sticky
            echo x > xattrs && setfattr -n user.x -v y xattrs && setfattr -n trusted.t -v tv xattrs
            echo x2 > same-xattrs && setfattr -n user.x -v y same-xattrs && setfattr -n trusted.t -v tv same-xattrs
            cp /bin/true capfile && setcap cap_net_bind_service+ep capfile
            mkdir xattr-dir && setfattr -n user.dir -v 1 xattr-dir
            echo u > "ünïcødé ñame ✓"
            echo r > "$(printf '\xef\xbf\xbd')" && echo e > "😀" && echo z > "Zz"
            echo n > "$(printf 'n%.0s' $(seq 1 255))"
            mkdir many && for i in $(seq 1 350); do echo $i > many/f$i; done
            mkdir big-listing && long=$(printf 'L%.0s' $(seq 1 196)) && for i in $(seq 1 400); do : > "big-listing/$(printf '%03d' $i)$long"; done
            echo o > big-owner && chown 100000:200000 big-owner
            echo old > before-1970 && touch -d '1960-01-01 00:00:00 UTC' before-1970
            echo future > after-2038 && touch -d '2050-06-01 00:00:00 UTC' after-2038
            echo far > after-2106 && touch -d '2200-01-01 00:00:00 UTC' after-2106
            mkdir -p deep/a/b/c/d/e && echo deep > deep/a/b/c/d/e/f
            touch -d '2001-02-03 04:05:06 UTC' hello.txt
            chmod 0640 hello.txt && chmod 0700 dir2
            cd .. && tar --xattrs --xattrs-include='*' --numeric-owner --sparse --format=pax -cf tree.tar -C src .
            """;

        private readonly TempDirectory _temp = new TempDirectory();

        public EveryEntryKindTree()
        {
            ExternalTool.RunShell(BuildScript, _temp.Path);
            ExpectedManifest = TreeManifest.OfDirectory(SourceDirectory);
            ExpectedListing = TreeManifest.OfDirectory(SourceDirectory, reduced: true);
        }

        public string Root => _temp.Path;

        public string SourceDirectory => _temp.Combine("src");

        public string TarPath => _temp.Combine("tree.tar");

        public string ExpectedManifest { get; }

        public string ExpectedListing { get; }

        public static ContainerConfig SampleConfig() => new ContainerConfig
        {
            Env = new[] { "PATH=/usr/bin:/bin" },
            Cmd = new[] { "/bin/sh" },
            WorkingDir = "/",
        };

        public async Task<GvmiWriteResult> WriteImageAsync(string tarPath, string outputPath, SquashfsWriterOptions options)
        {
            using FileStream tar = File.OpenRead(tarPath);
            return await GvmiImageWriter.WriteFromTarAsync(outputPath, SampleConfig(), tar, tarPath, options, null, CancellationToken.None);
        }

        public void Dispose() => _temp.Dispose();
    }
}
