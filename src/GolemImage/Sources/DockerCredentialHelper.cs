using System;
using System.ComponentModel;
using System.Diagnostics;
using System.IO;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using System.Threading.Tasks;

namespace GolemImage.Sources
{
    /// <summary>
    /// A Docker credential helper, <c>docker-credential-NAME</c> on the PATH, run as the Docker CLI runs it:
    /// <c>get</c> with the registry's server address on standard input, answering
    /// <c>{"ServerURL":…,"Username":…,"Secret":…}</c> on standard output. This is where <c>docker login</c> keeps
    /// credentials on Docker Desktop (desktop, wincred, osxkeychain) and with the Linux stores (secretservice, pass);
    /// config.json then names the helper (credsStore, credHelpers) and holds no password itself.
    /// </summary>
    public sealed class DockerCredentialHelper
    {
        /// <summary>Some helpers ask the desktop to unlock a keychain first; longer than that is a hung helper.</summary>
        public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(60);

        /// <summary>The user name a helper returns when the secret is an OAuth2 identity (refresh) token.</summary>
        public const string IdentityTokenUserName = "<token>";

        public DockerCredentialHelper(string name)
        {
            if (string.IsNullOrWhiteSpace(name) || name.IndexOfAny(new[] { '/', '\\', '\0' }) >= 0)
            {
                throw new ArgumentException($"'{name}' is not a credential helper name.", nameof(name));
            }

            Name = name;
        }

        /// <summary>The name in config.json (credsStore, credHelpers), e.g. <c>desktop</c>.</summary>
        public string Name { get; }

        /// <summary>The program that is run, found on the PATH (with .exe on Windows).</summary>
        public string ExecutableName => "docker-credential-" + Name;

        /// <summary>
        /// The credentials the helper holds for <paramref name="serverAddress"/>, or null when it holds none.
        /// Throws a GolemImageException with ErrorId CredentialHelperNotFound when the program is not installed, and
        /// CredentialHelperFailed when it fails, answers something else or takes longer than <paramref name="timeout"/>.
        /// </summary>
        public RegistryCredential? Get(string serverAddress, TimeSpan timeout)
        {
            // The helpers are Go programs: UTF-8 in and out, whatever the console's code pages are. .NET Framework
            // writes a redirected stdin in Console.InputEncoding, with a BOM under code page 65001 (wincred and desktop
            // then answer "not found"), and cannot be told otherwise: there the address goes through a file that
            // cmd.exe redirects to the helper's stdin byte for byte.
            string? inputFile = null;
            ProcessStartInfo start;
            if (IsNetFramework)
            {
                inputFile = Path.Combine(Path.GetTempPath(), "golemimage-credential-" + Guid.NewGuid().ToString("N").Substring(0, 8) + ".txt");
                File.WriteAllBytes(inputFile, Utf8.GetBytes(serverAddress));
                start = new ProcessStartInfo(Environment.GetEnvironmentVariable("ComSpec") ?? "cmd.exe", $"/d /c \"{ExecutableName} get < \"{inputFile}\"\"");
            }
            else
            {
                start = new ProcessStartInfo(ExecutableName, "get") { RedirectStandardInput = true };
            }

            start.UseShellExecute = false;
            start.RedirectStandardOutput = true;
            start.RedirectStandardError = true;
            start.StandardOutputEncoding = Utf8;
            start.StandardErrorEncoding = Utf8;
            start.CreateNoWindow = true;

            Process process;
            try
            {
                process = Process.Start(start) ?? throw new Win32Exception($"{ExecutableName} did not start.");
            }
            catch (Win32Exception ex)
            {
                DeleteQuietly(inputFile);
                throw new GolemImageException(ErrorIds.CredentialHelperNotFound, GolemErrorCategory.ObjectNotFound,
                    $"The Docker credential helper '{Name}' named in the docker config.json cannot be run: {ExecutableName} is not on the PATH ({ex.Message}).", ExecutableName, ex);
            }

            using (process)
            {
                Task<string> output = process.StandardOutput.ReadToEndAsync();
                Task<string> error = process.StandardError.ReadToEndAsync();
                if (inputFile == null)
                {
                    try
                    {
                        // The bytes themselves, not the StreamWriter, whose encoding may carry a preamble.
                        byte[] input = Utf8.GetBytes(serverAddress);
                        process.StandardInput.BaseStream.Write(input, 0, input.Length);
                        process.StandardInput.BaseStream.Flush();
                        process.StandardInput.BaseStream.Close();
                    }
                    catch (IOException)
                    {
                        // A helper that exits without reading its input is judged by its exit code and output below.
                    }
                }

                if (!process.WaitForExit((int)Math.Min(int.MaxValue, timeout.TotalMilliseconds)))
                {
                    try
                    {
                        process.Kill();
                    }
                    catch (InvalidOperationException)
                    {
                        // It exited in the meantime.
                    }

                    DeleteQuietly(inputFile);
                    throw Failed($"it did not answer within {timeout.TotalSeconds:0} s", null);
                }

                process.WaitForExit();
                DeleteQuietly(inputFile);
                string stdout = output.GetAwaiter().GetResult();
                string stderr = error.GetAwaiter().GetResult();
                if (process.ExitCode != 0)
                {
                    // docker-credential-helpers' "not found" answer (credentials.errCredentialsNotFound).
                    if (stdout.IndexOf("credentials not found", StringComparison.OrdinalIgnoreCase) >= 0)
                    {
                        return null;
                    }

                    string said = (stdout + " " + stderr).Trim();
                    throw Failed($"it exited with code {process.ExitCode}" + (said.Length > 0 ? ": " + Shorten(said) : string.Empty), null);
                }

                return Parse(stdout);
            }
        }

        private static readonly UTF8Encoding Utf8 = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false);

        private static bool IsNetFramework =>
            RuntimeInformation.IsOSPlatform(OSPlatform.Windows) && RuntimeInformation.FrameworkDescription.StartsWith(".NET Framework", StringComparison.Ordinal);

        private static void DeleteQuietly(string? path)
        {
            if (path == null)
            {
                return;
            }

            try
            {
                File.Delete(path);
            }
            catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException)
            {
            }
        }

        internal RegistryCredential? Parse(string json)
        {
            try
            {
                using (JsonDocument document = JsonDocument.Parse(json))
                {
                    JsonElement root = document.RootElement;
                    if (root.ValueKind == JsonValueKind.Object
                        && root.TryGetProperty("Username", out JsonElement user) && user.ValueKind == JsonValueKind.String
                        && root.TryGetProperty("Secret", out JsonElement secret) && secret.ValueKind == JsonValueKind.String)
                    {
                        string userName = user.GetString() ?? string.Empty;
                        string password = secret.GetString() ?? string.Empty;
                        return userName.Length == 0 && password.Length == 0 ? null : new RegistryCredential(userName, password);
                    }
                }
            }
            catch (JsonException ex)
            {
                // The message must not quote the answer: it may hold the secret.
                throw Failed("its answer is not JSON", ex);
            }

            throw Failed("its answer has no string Username and Secret", null);
        }

        private GolemImageException Failed(string why, Exception? inner) =>
            new GolemImageException(ErrorIds.CredentialHelperFailed, GolemErrorCategory.AuthenticationError,
                $"The Docker credential helper '{Name}' ({ExecutableName} get) failed: {why}.", ExecutableName, inner);

        private static string Shorten(string text) => text.Length <= 300 ? text : text.Substring(0, 300) + "…";
    }
}
