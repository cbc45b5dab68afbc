using System;
using System.IO;
using Xunit.Abstractions;

namespace GolemImage.Tests.Squashfs
{
    /// <summary>
    /// A read-only kernel loop mount of an image, unmounted on dispose. Where the machine does not allow loop
    /// mounts, <see cref="TryMount"/> says so in the test output and returns null, so the kernel check is skipped
    /// while the tool checks before it still count.
    /// </summary>
    internal sealed class LoopMount : IDisposable
    {
        private LoopMount(string path)
        {
            Path = path;
        }

        public string Path { get; }

        public static LoopMount? TryMount(string image, string mountPoint, ITestOutputHelper output)
        {
            Directory.CreateDirectory(mountPoint);
            (int exit, _, string error) = ExternalTool.Run("mount", "-t", "squashfs", "-o", "loop,ro", image, mountPoint);
            if (exit != 0)
            {
                output.WriteLine($"Kernel check skipped: loop mount not allowed here ({error.Trim()}).");
                return null;
            }

            return new LoopMount(mountPoint);
        }

        public void Dispose() => ExternalTool.Run("umount", Path);
    }
}
