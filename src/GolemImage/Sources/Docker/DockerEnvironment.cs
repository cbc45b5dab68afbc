using System;
using System.IO;
using System.Runtime.InteropServices;

namespace GolemImage.Sources
{
    /// <summary>
    /// What the Docker endpoint discovery reads from the machine: environment variables, the home directory and the
    /// operating system. Tests give a fake one (a temporary HOME, chosen variables) so every rule is checked anywhere.
    /// </summary>
    public sealed class DockerEnvironment
    {
        private readonly Func<string, string?> variables;

        public DockerEnvironment(Func<string, string?> variables, string homeDirectory, bool isWindows, bool isMacOS)
        {
            this.variables = variables ?? throw new ArgumentNullException(nameof(variables));
            HomeDirectory = homeDirectory ?? string.Empty;
            IsWindows = isWindows;
            IsMacOS = isMacOS;
        }

        /// <summary>The process's own environment.</summary>
        public static DockerEnvironment Current => new DockerEnvironment(
            Environment.GetEnvironmentVariable,
            Environment.GetFolderPath(Environment.SpecialFolder.UserProfile),
            RuntimeInformation.IsOSPlatform(OSPlatform.Windows),
            RuntimeInformation.IsOSPlatform(OSPlatform.OSX));

        public string HomeDirectory { get; }

        public bool IsWindows { get; }

        public bool IsMacOS { get; }

        /// <summary>The variable's value, or null when it is unset or empty (Docker treats both alike).</summary>
        public string? Variable(string name)
        {
            string? value = variables(name);
            return string.IsNullOrEmpty(value) ? null : value;
        }

        /// <summary>DOCKER_CONFIG, else ~/.docker: where config.json, contexts and (by default) TLS material live.</summary>
        public string ConfigDirectory => Variable("DOCKER_CONFIG") ?? Path.Combine(HomeDirectory, ".docker");
    }
}
