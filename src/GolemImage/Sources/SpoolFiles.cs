using System;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using GolemImage.Reporting;

namespace GolemImage.Sources
{
    /// <summary>
    /// The temporary files a conversion spools to (a `docker save` of the image, a decompressed image archive), which
    /// can be as large as the image. They go where the user says (-SpoolDirectory, else GOLEMIMAGE_SPOOL) or beside the
    /// output, not to %TEMP% (C:\Windows\Temp for a SYSTEM scheduled task, often a small system volume). A killed job
    /// cannot delete its spool, so each name carries the machine and process that own it, and spool files of this
    /// machine whose process is gone are swept before a new one is made.
    /// </summary>
    public static class SpoolFiles
    {
        /// <summary>The environment variable naming the spool directory when -SpoolDirectory is not given.</summary>
        public const string EnvironmentVariable = "GOLEMIMAGE_SPOOL";

        /// <summary>Every spool file's name starts with this (then machine, process id, a random part, ".tmp").</summary>
        public const string NamePrefix = ".golemimage-spool-";

        /// <summary>
        /// How long an orphan stays: a spool file on a share may belong to another machine of the same name, and a file
        /// written moments ago to a process that has just ended is still being deleted by it.
        /// </summary>
        internal static readonly TimeSpan StaleAfter = TimeSpan.FromMinutes(10);

        /// <summary>
        /// The spool directory: the one asked for, else the environment's, else the output's directory (same volume as
        /// the output, which the user chose to have room); null (the temporary directory) when that does not exist yet.
        /// </summary>
        public static string? ChooseDirectory(string? requested, string? environment, string? besideOutput)
        {
            if (!string.IsNullOrWhiteSpace(requested))
            {
                return Existing(requested!, "-SpoolDirectory");
            }

            if (!string.IsNullOrWhiteSpace(environment))
            {
                return Existing(environment!, EnvironmentVariable);
            }

            return besideOutput != null && Directory.Exists(besideOutput) ? besideOutput : null;
        }

        /// <summary>A new spool file's path in <paramref name="directory"/> (the temporary directory when null), after a sweep.</summary>
        internal static string NewPath(string? directory, IEngineReporter reporter)
        {
            string chosen = string.IsNullOrEmpty(directory) ? Path.GetTempPath() : directory!;
            Sweep(chosen, DateTime.UtcNow, StaleAfter, reporter);
            string name = string.Format(
                CultureInfo.InvariantCulture,
                "{0}{1}-{2}-{3}.tmp",
                NamePrefix,
                Environment.MachineName,
                CurrentProcessId,
                Guid.NewGuid().ToString("N").Substring(0, 12));
            return Path.Combine(chosen, name);
        }

        /// <summary>
        /// Deletes this machine's spool files in <paramref name="directory"/> whose owning process has ended and that
        /// have not been written for <paramref name="staleAfter"/>; returns how many. Failures are ignored: the file
        /// stays for the next sweep.
        /// </summary>
        internal static int Sweep(string directory, DateTime nowUtc, TimeSpan staleAfter, IEngineReporter? reporter)
        {
            string[] candidates;
            try
            {
                candidates = Directory.GetFiles(directory, NamePrefix + "*.tmp");
            }
            catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException)
            {
                return 0;
            }

            int swept = 0;
            foreach (string path in candidates)
            {
                try
                {
                    DateTime written = File.GetLastWriteTimeUtc(path);
                    if (nowUtc - written < staleAfter || !TryParseOwner(Path.GetFileName(path), out string machine, out int processId))
                    {
                        continue;
                    }

                    if (!string.Equals(machine, Environment.MachineName, StringComparison.OrdinalIgnoreCase) || IsRunning(processId, written))
                    {
                        continue;
                    }

                    File.Delete(path);
                    swept++;
                    reporter?.Verbose($"Deleted the spool file {path}, left behind by process {processId}, which has ended.");
                }
                catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException)
                {
                }
            }

            return swept;
        }

        /// <summary>Reads "{prefix}{machine}-{pid}-{random}.tmp" (the machine name may hold dashes).</summary>
        internal static bool TryParseOwner(string name, out string machine, out int processId)
        {
            machine = string.Empty;
            processId = 0;
            if (!name.StartsWith(NamePrefix, StringComparison.Ordinal) || !name.EndsWith(".tmp", StringComparison.Ordinal))
            {
                return false;
            }

            string[] parts = name.Substring(NamePrefix.Length, name.Length - NamePrefix.Length - 4).Split('-');
            if (parts.Length < 3 || !int.TryParse(parts[parts.Length - 2], NumberStyles.None, CultureInfo.InvariantCulture, out processId))
            {
                return false;
            }

            machine = string.Join("-", parts, 0, parts.Length - 2);
            return machine.Length > 0;
        }

        private static int CurrentProcessId
        {
            get
            {
                using (Process self = Process.GetCurrentProcess())
                {
                    return self.Id;
                }
            }
        }

        /// <summary>Whether the process that wrote a file last at <paramref name="written"/> may still be running.</summary>
        private static bool IsRunning(int processId, DateTime written)
        {
            if (processId == CurrentProcessId)
            {
                return true;
            }

            try
            {
                using (Process process = Process.GetProcessById(processId))
                {
                    if (process.HasExited)
                    {
                        return false;
                    }

                    // A process started after the file's last write is another one that got the same id (with a little
                    // slack: Linux derives the start time from the boot time and clock ticks).
                    return process.StartTime.ToUniversalTime() <= written + TimeSpan.FromSeconds(5);
                }
            }
            catch (ArgumentException)
            {
                return false;
            }
            catch (Exception ex) when (ex is InvalidOperationException || ex is System.ComponentModel.Win32Exception || ex is NotSupportedException)
            {
                // Another user's process whose start time we may not read: assume it is the owner.
                return true;
            }
        }

        private static string Existing(string directory, string source)
        {
            string full;
            try
            {
                full = Path.GetFullPath(directory);
            }
            catch (Exception ex) when (ex is ArgumentException || ex is NotSupportedException || ex is PathTooLongException)
            {
                throw new GolemImageException(ErrorIds.SpoolDirectoryNotFound, GolemErrorCategory.InvalidArgument, $"The spool directory '{directory}' ({source}) is not a valid path: {ex.Message}", directory, ex);
            }

            if (!Directory.Exists(full))
            {
                throw new GolemImageException(ErrorIds.SpoolDirectoryNotFound, GolemErrorCategory.ObjectNotFound, $"The spool directory '{directory}' ({source}) does not exist; create it or name another.", directory);
            }

            return full;
        }
    }
}
