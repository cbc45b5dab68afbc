using System;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Text;
using GolemImage.Gvmi;
using Xunit;

namespace GolemImage.Tests.Gvmi
{
    /// <summary>A .gvmi made the way gvmkit-build makes one: a real mksquashfs image plus a trailer appended by hand.</summary>
    internal sealed class MksquashfsImage : IDisposable
    {
        public const uint MkfsTime = 1234567890;

        private MksquashfsImage(string directory, byte[] squashfs)
        {
            Directory = directory;
            Squashfs = squashfs;
        }

        public string Directory { get; }

        /// <summary>The mksquashfs output, padding included (unless -nopad).</summary>
        public byte[] Squashfs { get; }

        /// <summary>
        /// Makes root, a, b (300 KB random: data blocks plus a fragment tail), d, d/c; five inodes.
        /// With <paramref name="xattr"/> b carries user.golem=test so the image has an xattr table.
        /// </summary>
        public static MksquashfsImage Create(bool xattr, params string[] options)
        {
            return CreateFrom(
                source =>
                {
                    System.IO.Directory.CreateDirectory(Path.Combine(source, "d"));
                    File.WriteAllText(Path.Combine(source, "a"), "hi\n");
                    var random = new Random(5);
                    var data = new byte[300_000];
                    random.NextBytes(data);
                    File.WriteAllBytes(Path.Combine(source, "b"), data);
                    File.WriteAllText(Path.Combine(source, "d", "c"), "x\n");
                    if (xattr)
                    {
                        Run("setfattr", "-n", "user.golem", "-v", "test", Path.Combine(source, "b"));
                    }
                },
                options);
        }

        /// <summary>An image of the tree <paramref name="populate"/> writes into the (empty) directory it is given.</summary>
        public static MksquashfsImage CreateFrom(Action<string> populate, params string[] options)
        {
            string directory = Path.Combine(Path.GetTempPath(), "gi-gvmi-" + Guid.NewGuid().ToString("N"));
            string source = Path.Combine(directory, "src");
            System.IO.Directory.CreateDirectory(source);
            populate(source);
            string image = Path.Combine(directory, "image.sqfs");
            Run("mksquashfs", new[] { source, image, "-noappend", "-quiet", "-no-progress", "-mkfs-time", MkfsTime.ToString(), "-all-time", MkfsTime.ToString() }.Concat(options).ToArray());
            return new MksquashfsImage(directory, File.ReadAllBytes(image));
        }

        /// <summary>The squashfs bytes followed by a trailer for <paramref name="config"/>.</summary>
        public static byte[] WithTrailer(byte[] squashfs, ContainerConfig config)
        {
            var output = new MemoryStream();
            output.Write(squashfs, 0, squashfs.Length);
            GvmiTrailer.Write(output, config);
            return output.ToArray();
        }

        public byte[] Gvmi(ContainerConfig? config = null)
        {
            return WithTrailer(Squashfs, config ?? new ContainerConfig { Env = new[] { "PATH=/bin" }, WorkingDir = "/" });
        }

        public string WriteFile(byte[] bytes, string name = "image.gvmi")
        {
            string path = Path.Combine(Directory, name);
            File.WriteAllBytes(path, bytes);
            return path;
        }

        public void Dispose()
        {
            System.IO.Directory.Delete(Directory, true);
        }

        private static void Run(string program, params string[] arguments)
        {
            var start = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            foreach (string argument in arguments)
            {
                start.ArgumentList.Add(argument);
            }

            using (Process process = Process.Start(start)!)
            {
                string error = process.StandardError.ReadToEnd();
                process.StandardOutput.ReadToEnd();
                process.WaitForExit();
                Assert.True(process.ExitCode == 0, $"{program} failed: {error}");
            }
        }
    }
}
