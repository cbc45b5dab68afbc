using System;
using System.ComponentModel;
using System.Diagnostics;
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
            var start = new ProcessStartInfo(ExecutableName, "get")
            {
                UseShellExecute = false,
                RedirectStandardInput = true,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                CreateNoWindow = true,
            };

            Process process;
            try
            {
                process = Process.Start(start) ?? throw new Win32Exception($"{ExecutableName} did not start.");
            }
            catch (Win32Exception ex)
            {
                throw new GolemImageException(ErrorIds.CredentialHelperNotFound, GolemErrorCategory.ObjectNotFound,
                    $"The Docker credential helper '{Name}' named in the docker config.json cannot be run: {ExecutableName} is not on the PATH ({ex.Message}).", ExecutableName, ex);
            }

            using (process)
            {
                Task<string> output = process.StandardOutput.ReadToEndAsync();
                Task<string> error = process.StandardError.ReadToEndAsync();
                try
                {
                    process.StandardInput.Write(serverAddress);
                    process.StandardInput.Close();
                }
                catch (System.IO.IOException)
                {
                    // A helper that exits without reading its input is judged by its exit code and output below.
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

                    throw Failed($"it did not answer within {timeout.TotalSeconds:0} s", null);
                }

                process.WaitForExit();
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
