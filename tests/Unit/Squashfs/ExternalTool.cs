using System;
using System.Diagnostics;
using System.IO;
using System.Text;

namespace GolemImage.Tests.Squashfs
{
    /// <summary>Runs the independent reference tools (unsquashfs, sqfs2tar, rdsquashfs, tar, mount) for the tests.</summary>
    internal static class ExternalTool
    {
        public static (int ExitCode, string Output, string Error) Run(string fileName, params string[] arguments) => RunIn(null, fileName, arguments);

        public static (int ExitCode, string Output, string Error) RunIn(string? workingDirectory, string fileName, params string[] arguments)
        {
            var start = new ProcessStartInfo(fileName)
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
                StandardOutputEncoding = Encoding.UTF8,
            };
            if (workingDirectory != null)
            {
                start.WorkingDirectory = workingDirectory;
            }

            foreach (string argument in arguments)
            {
                start.ArgumentList.Add(argument);
            }

            using Process process = Process.Start(start)!;
            var error = new StringBuilder();
            process.ErrorDataReceived += (_, e) =>
            {
                if (e.Data != null)
                {
                    lock (error)
                    {
                        error.AppendLine(e.Data);
                    }
                }
            };
            process.BeginErrorReadLine();
            string output = process.StandardOutput.ReadToEnd();
            if (!process.WaitForExit(300_000))
            {
                process.Kill(true);
                throw new TimeoutException($"{fileName} did not finish in 5 minutes.");
            }

            process.WaitForExit();
            lock (error)
            {
                return (process.ExitCode, output, error.ToString());
            }
        }

        public static string RunChecked(string fileName, params string[] arguments)
        {
            (int exit, string output, string error) = Run(fileName, arguments);
            if (exit != 0)
            {
                throw new InvalidOperationException($"{fileName} {string.Join(" ", arguments)} failed ({exit}): {error}{output}");
            }

            return output;
        }

        public static void RunShell(string script, string? workingDirectory = null)
        {
            (int exit, string output, string error) = RunIn(workingDirectory, "/bin/bash", "-euo", "pipefail", "-c", script);
            if (exit != 0)
            {
                throw new InvalidOperationException($"Shell script failed ({exit}): {error}{output}\n{script}");
            }
        }

        public static bool Exists(string fileName) => File.Exists(fileName);
    }
}
