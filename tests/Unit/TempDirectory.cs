using System;
using System.IO;
using GolemImage.Tests.Squashfs;

namespace GolemImage.Tests
{
    /// <summary>A fresh directory under the system temp directory, deleted with everything in it on dispose.</summary>
    internal sealed class TempDirectory : IDisposable
    {
        public TempDirectory()
        {
            Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "golemimage-test-" + Guid.NewGuid().ToString("N"));
            Directory.CreateDirectory(Path);
        }

        public string Path { get; }

        public string Combine(params string[] parts) => System.IO.Path.Combine(Path, System.IO.Path.Combine(parts));

        public void Dispose()
        {
            try
            {
                // Read-only directories from extracted trees would block a plain recursive delete.
                if (!OperatingSystem.IsWindows())
                {
                    ExternalTool.Run("/bin/chmod", "-R", "u+rwx", Path);
                }

                Directory.Delete(Path, true);
            }
            catch (IOException)
            {
            }
            catch (UnauthorizedAccessException)
            {
            }
        }
    }
}
