using System;
using System.Runtime.InteropServices;

namespace GolemImage
{
    /// <summary>
    /// Paths of 260 characters and more on .NET Framework (Windows PowerShell 5.1), which refuses them unless they carry
    /// the \\?\ prefix; .NET 8 adds it itself, and other systems have no such limit.
    /// </summary>
    public static class LongPath
    {
        /// <summary>Directory paths must leave room for an 8.3 name (12 characters) under the 260 limit.</summary>
        internal const int Limit = 248;

        private static readonly bool NeedsPrefix =
            RuntimeInformation.IsOSPlatform(OSPlatform.Windows) && RuntimeInformation.FrameworkDescription.StartsWith(".NET Framework", StringComparison.Ordinal);

        /// <summary><paramref name="fullPath"/> in the form this runtime can open, whatever its length.</summary>
        public static string ForFileSystem(string fullPath) => Extend(fullPath, NeedsPrefix);

        /// <summary>With <paramref name="needsPrefix"/>: C:\... of 248 characters or more as \\?\C:\..., \\server\share\... as \\?\UNC\server\share\....</summary>
        public static string Extend(string fullPath, bool needsPrefix)
        {
            if (!needsPrefix || fullPath.Length < Limit || fullPath.StartsWith(@"\\?\", StringComparison.Ordinal) || fullPath.StartsWith(@"\\.\", StringComparison.Ordinal))
            {
                return fullPath;
            }

            string windows = fullPath.Replace('/', '\\');
            return windows.StartsWith(@"\\", StringComparison.Ordinal) ? @"\\?\UNC\" + windows.Substring(2) : @"\\?\" + windows;
        }
    }
}
