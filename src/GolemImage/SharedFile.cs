using System;
using System.IO;
using System.Runtime.InteropServices;
using System.Threading;

namespace GolemImage
{
    /// <summary>
    /// Files other programs hold at the same time (a publish reading the image while it is converted again, a web
    /// server, antivirus, OneDrive): every read shares Read and Delete, so a rename over the file succeeds on Windows,
    /// and a rename that still meets a sharing violation is retried with backoff, as those holds are short.
    /// </summary>
    public static class SharedFile
    {
        private const int ErrorSharingViolation = 32;
        private const int ErrorLockViolation = 33;

        /// <summary>Opens <paramref name="path"/> for reading, letting others read, rename and delete it meanwhile.</summary>
        public static FileStream OpenRead(string path, int bufferSize = 4096, FileOptions options = FileOptions.None) =>
            new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read | FileShare.Delete, bufferSize, options);

        /// <summary>File.ReadAllBytes with Read|Delete sharing.</summary>
        public static byte[] ReadAllBytes(string path)
        {
            using (FileStream stream = OpenRead(path))
            using (var copy = new MemoryStream())
            {
                stream.CopyTo(copy);
                return copy.ToArray();
            }
        }

        /// <summary>
        /// Runs <paramref name="operation"/> (a rename, replace or delete), retrying it while another process holds the
        /// file: about 5 s in all, with doubling pauses. Other failures, and the last sharing violation, are thrown.
        /// </summary>
        public static T RetryWhileShared<T>(Func<T> operation, CancellationToken cancellationToken = default, Action<TimeSpan>? pause = null)
        {
            pause ??= delay => cancellationToken.WaitHandle.WaitOne(delay);
            TimeSpan delay = TimeSpan.FromMilliseconds(50);
            for (int attempt = 1; ; attempt++)
            {
                try
                {
                    return operation();
                }
                catch (Exception ex) when (attempt < 9 && IsSharingViolation(ex) && !cancellationToken.IsCancellationRequested)
                {
                    pause(delay);
                    delay = TimeSpan.FromMilliseconds(Math.Min(1000, delay.TotalMilliseconds * 2));
                }
            }
        }

        /// <summary>
        /// Puts a finished temporary file in place of <paramref name="destination"/>: a replace when it exists (readers
        /// holding the old file keep it), a move otherwise; retried while another process holds either file.
        /// </summary>
        public static void MoveIntoPlace(string source, string destination, CancellationToken cancellationToken = default) =>
            RetryWhileShared(() =>
            {
                if (File.Exists(destination))
                {
                    File.Replace(source, destination, null);
                }
                else
                {
                    File.Move(source, destination);
                }

                return true;
            }, cancellationToken);

        /// <summary>
        /// True for another process holding the file. Windows reports a rename over a file that is open without
        /// delete sharing, or pending deletion, as access denied too; elsewhere that means permissions, never retried.
        /// </summary>
        public static bool IsSharingViolation(Exception exception)
        {
            if (exception is IOException && !(exception is FileNotFoundException) && !(exception is DirectoryNotFoundException))
            {
                int code = exception.HResult & 0xFFFF;
                return code == ErrorSharingViolation || code == ErrorLockViolation;
            }

            return exception is UnauthorizedAccessException && RuntimeInformation.IsOSPlatform(OSPlatform.Windows);
        }
    }
}
