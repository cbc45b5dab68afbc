using System;
using System.Diagnostics;
using System.IO;
using System.Text;
using GolemImage.Sources;
using Xunit;

namespace GolemImage.Tests.Sources
{
    /// <summary>
    /// Credential helpers as docker-credential-helpers implements them (get, the server address on stdin, JSON or
    /// "credentials not found in native keychain" with exit code 1), played by shell scripts put first on the PATH.
    /// </summary>
    [Trait(Requires.Key, Requires.LinuxTools)]
    public sealed class DockerCredentialHelperTests : IClassFixture<DockerCredentialHelperTests.FakeHelpers>, IDisposable
    {
        private readonly FakeHelpers _helpers;
        private readonly string _config = Path.Combine(Path.GetTempPath(), "golem-docker-config-" + Guid.NewGuid().ToString("N") + ".json");

        public DockerCredentialHelperTests(FakeHelpers helpers)
        {
            _helpers = helpers;
        }

        public void Dispose() => File.Delete(_config);

        private static string Auth(string user, string password) => Convert.ToBase64String(Encoding.UTF8.GetBytes(user + ":" + password));

        [Fact]
        public void CredsStore_answers_for_the_registry_it_was_asked_about()
        {
            File.WriteAllText(_config, "{\"auths\":{\"127.0.0.1:5000\":{}},\"credsStore\":\"golemtest\"}");
            var reporter = new RecordingReporter();
            RegistryCredential? credential = DockerConfigCredentials.Find("127.0.0.1:5000", _config, reporter);
            Assert.Equal("local", credential!.UserName);
            Assert.Equal("s3cret", credential.Password);
            Assert.Equal("127.0.0.1:5000", _helpers.LastServerAddress());
            Assert.Empty(reporter.Warnings);
            Assert.DoesNotContain(reporter.VerboseMessages, m => m.Contains("s3cret", StringComparison.Ordinal));
        }

        [Fact]
        public void Docker_Hub_is_asked_for_by_its_index_address()
        {
            File.WriteAllText(_config, "{\"credsStore\":\"golemtest\"}");
            Assert.Equal("hubuser", DockerConfigCredentials.Find(ImageReference.DockerHubRegistry, _config)!.UserName);
            Assert.Equal("https://index.docker.io/v1/", _helpers.LastServerAddress());
        }

        [Fact]
        public void CredHelpers_entry_for_the_host_wins_over_credsStore()
        {
            File.WriteAllText(_config, "{\"credsStore\":\"golembroken\",\"credHelpers\":{\"127.0.0.1:5000\":\"golemtest\"}}");
            Assert.Equal("local", DockerConfigCredentials.Find("127.0.0.1:5000", _config)!.UserName);
        }

        [Fact]
        public void Falls_back_to_auths_when_the_helper_has_nothing_for_the_registry()
        {
            File.WriteAllText(_config, "{\"credsStore\":\"golemtest\",\"auths\":{\"registry.example\":{\"auth\":\"" + Auth("fromfile", "pw") + "\"}}}");
            Assert.Equal("fromfile", DockerConfigCredentials.Find("registry.example", _config)!.UserName);
            Assert.Equal("registry.example", _helpers.LastServerAddress());
            Assert.Null(DockerConfigCredentials.Find("other.example", _config));
        }

        [Fact]
        public void A_helper_that_is_not_installed_is_a_warning_and_auths_still_count()
        {
            File.WriteAllText(_config, "{\"credsStore\":\"golemmissing\",\"auths\":{\"registry.example\":{\"auth\":\"" + Auth("fromfile", "pw") + "\"}}}");
            var reporter = new RecordingReporter();
            Assert.Equal("fromfile", DockerConfigCredentials.Find("registry.example", _config, reporter)!.UserName);
            string warning = Assert.Single(reporter.Warnings);
            Assert.Contains("docker-credential-golemmissing", warning, StringComparison.Ordinal);
            Assert.Contains("'golemmissing'", warning, StringComparison.Ordinal);
        }

        [Fact]
        public void A_failing_helper_is_an_error_naming_it_and_what_it_said()
        {
            var error = Assert.Throws<GolemImageException>(() => new DockerCredentialHelper("golembroken").Get("127.0.0.1:5000", TimeSpan.FromSeconds(30)));
            Assert.Equal("CredentialHelperFailed", error.ErrorId);
            Assert.Equal(GolemErrorCategory.AuthenticationError, error.Category);
            Assert.Contains("docker-credential-golembroken", error.Message, StringComparison.Ordinal);
            Assert.Contains("code 3", error.Message, StringComparison.Ordinal);
            Assert.Contains("keychain is locked", error.Message, StringComparison.Ordinal);
        }

        [Fact]
        public void A_failing_helper_does_not_stop_an_anonymous_pull_it_is_a_warning_and_auths_still_count()
        {
            File.WriteAllText(_config, "{\"credsStore\":\"golembroken\"}");
            var reporter = new RecordingReporter();
            Assert.Null(DockerConfigCredentials.Find("127.0.0.1:5000", _config, reporter));
            string warning = Assert.Single(reporter.Warnings);
            Assert.Contains("docker-credential-golembroken", warning, StringComparison.Ordinal);
            Assert.Contains("keychain is locked", warning, StringComparison.Ordinal);
            Assert.Contains("anonymously", warning, StringComparison.Ordinal);

            File.WriteAllText(_config, "{\"credsStore\":\"golembroken\",\"auths\":{\"127.0.0.1:5000\":{\"auth\":\"" + Auth("fromauths", "pw") + "\"}}}");
            Assert.Equal("fromauths", DockerConfigCredentials.Find("127.0.0.1:5000", _config, new RecordingReporter())!.UserName);
        }

        [Fact]
        public void The_address_goes_in_as_UTF8_without_a_BOM_and_the_answer_is_read_as_UTF8()
        {
            RegistryCredential? credential = new DockerCredentialHelper("golemutf8").Get("registry.example:5000", TimeSpan.FromSeconds(30));
            Assert.Equal("jürgen", credential!.UserName);
            Assert.Equal("pässwörd€", credential.Password);
            Assert.Equal(Convert.ToHexString(Encoding.UTF8.GetBytes("registry.example:5000")).ToLowerInvariant(), _helpers.LastInputHex());
        }

        [Fact]
        public void An_answer_that_is_not_JSON_is_an_error_that_does_not_quote_it()
        {
            var error = Assert.Throws<GolemImageException>(() => new DockerCredentialHelper("golemgarbage").Get("127.0.0.1:5000", TimeSpan.FromSeconds(30)));
            Assert.Equal("CredentialHelperFailed", error.ErrorId);
            Assert.Contains("not JSON", error.Message, StringComparison.Ordinal);
            Assert.DoesNotContain("hunter2", error.Message, StringComparison.Ordinal);

            // Through config.json it becomes a warning, which must not quote the answer either.
            File.WriteAllText(_config, "{\"credsStore\":\"golemgarbage\"}");
            var reporter = new RecordingReporter();
            Assert.Null(DockerConfigCredentials.Find("127.0.0.1:5000", _config, reporter));
            Assert.DoesNotContain("hunter2", Assert.Single(reporter.Warnings), StringComparison.Ordinal);
        }

        [Fact]
        public void An_identity_token_is_skipped_with_a_warning()
        {
            File.WriteAllText(_config, "{\"credsStore\":\"golemtest\"}");
            var reporter = new RecordingReporter();
            Assert.Null(DockerConfigCredentials.Find("token.example", _config, reporter));
            Assert.Contains("identity token", Assert.Single(reporter.Warnings), StringComparison.Ordinal);
        }

        [Fact]
        public void A_helper_that_hangs_is_stopped_after_the_timeout()
        {
            var clock = Stopwatch.StartNew();
            var error = Assert.Throws<GolemImageException>(() => new DockerCredentialHelper("golemhang").Get("127.0.0.1:5000", TimeSpan.FromSeconds(1)));
            Assert.Equal("CredentialHelperFailed", error.ErrorId);
            Assert.Contains("within 1 s", error.Message, StringComparison.Ordinal);
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(20), $"took {clock.Elapsed}");
        }

        [Fact]
        public void Helper_names_cannot_be_paths()
        {
            Assert.Throws<ArgumentException>(() => new DockerCredentialHelper("../evil"));
            File.WriteAllText(_config, "{\"credsStore\":\"../evil\"}");
            Assert.Equal("InvalidDockerConfig", Assert.Throws<GolemImageException>(() => DockerConfigCredentials.Find("127.0.0.1:5000", _config)).ErrorId);
        }

        /// <summary>Writes the fake helpers into a directory put first on this process's PATH while the class runs.</summary>
        public sealed class FakeHelpers : IDisposable
        {
            private readonly string _directory = Path.Combine(Path.GetTempPath(), "golem-credential-helpers-" + Guid.NewGuid().ToString("N"));
            private readonly string? _savedPath = Environment.GetEnvironmentVariable("PATH");

            public FakeHelpers()
            {
                Directory.CreateDirectory(_directory);
                string log = Path.Combine(_directory, "asked");
                Write("golemtest", $@"server=$(cat)
printf '%s' ""$server"" > '{log}'
case ""$server"" in
  127.0.0.1:5000) printf '{{""ServerURL"":""%s"",""Username"":""local"",""Secret"":""s3cret""}}' ""$server"" ;;
  https://index.docker.io/v1/) printf '{{""ServerURL"":""%s"",""Username"":""hubuser"",""Secret"":""hubpass""}}' ""$server"" ;;
  token.example) printf '{{""ServerURL"":""%s"",""Username"":""<token>"",""Secret"":""refresh""}}' ""$server"" ;;
  *) echo 'credentials not found in native keychain'; exit 1 ;;
esac");
                Write("golembroken", "cat > /dev/null\necho 'error: the keychain is locked' >&2\nexit 3");
                Write("golemgarbage", "cat > /dev/null\necho 'user hunter2'");
                Write("golemhang", "exec sleep 30");
                Write("golemutf8", $"od -An -tx1 | tr -d ' \\n' > '{Path.Combine(_directory, "input-hex")}'\nprintf '%s' '{{\"ServerURL\":\"x\",\"Username\":\"jürgen\",\"Secret\":\"pässwörd€\"}}'");
                Environment.SetEnvironmentVariable("PATH", _directory + Path.PathSeparator + _savedPath);
            }

            public string LastInputHex() => File.ReadAllText(Path.Combine(_directory, "input-hex"));

            public string LastServerAddress() => File.ReadAllText(Path.Combine(_directory, "asked"));

            public void Dispose()
            {
                Environment.SetEnvironmentVariable("PATH", _savedPath);
                Directory.Delete(_directory, recursive: true);
            }

            private void Write(string name, string body)
            {
                string path = Path.Combine(_directory, "docker-credential-" + name);
                File.WriteAllText(path, "#!/bin/sh\n" + body + "\n");
                if (!OperatingSystem.IsWindows())
                {
                    File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
                }
            }
        }
    }
}
