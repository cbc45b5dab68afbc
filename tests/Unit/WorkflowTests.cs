using System;
using System.IO;
using System.Linq;
using GolemImage.Tests.Squashfs;
using Xunit;

namespace GolemImage.Tests
{
    /// <summary>
    /// The CI workflow cannot run here, so it is checked the way GitHub would read it: yamllint (syntax, style) and
    /// action-validator (the workflow schema: jobs, steps, runners, keys). build.ps1 -Task Test installs both on Linux.
    /// Also: .gitattributes keeps the scripts LF so that a CRLF checkout (Windows) still runs .ci/run.
    /// </summary>
    [Trait(Requires.Key, Requires.Portable)]
    public sealed class WorkflowTests
    {
        private static readonly string Root = Path.GetDirectoryName(FileSharingTests.SourceRoot())!;

        private static string Workflow => Path.Combine(Root, ".github", "workflows", "ci.yml");

        internal static string? FindTool(string name)
        {
            string local = Path.Combine(Root, "out", "tools", "node_modules", ".bin", name);
            if (File.Exists(local))
            {
                return local;
            }

            foreach (string directory in (Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(Path.PathSeparator))
            {
                if (directory.Length > 0 && File.Exists(Path.Combine(directory, name)))
                {
                    return Path.Combine(directory, name);
                }
            }

            return null;
        }

        [Trait(Requires.Key, Requires.LinuxTools)]
        [WorkflowToolFact("yamllint")]
        public void The_workflow_passes_yamllint()
        {
            (int code, string output, string error) = ExternalTool.Run(FindTool("yamllint")!, "-c", Path.Combine(Root, ".yamllint.yml"), "-f", "parsable", Workflow);
            Assert.True(code == 0, output + error);
        }

        [Trait(Requires.Key, Requires.LinuxTools)]
        [WorkflowToolFact("action-validator")]
        public void The_workflow_passes_action_validator()
        {
            (int code, string output, string error) = ExternalTool.Run(FindTool("action-validator")!, Workflow);
            Assert.True(code == 0, output + error);
        }

        [Trait(Requires.Key, Requires.LinuxTools)]
        [WorkflowToolFact("action-validator")]
        public void Action_validator_rejects_a_broken_workflow()
        {
            // A validator that passes everything would make the test above worthless.
            using var directory = new TempDirectory();
            string broken = directory.Combine("broken.yml");
            File.WriteAllText(broken, File.ReadAllText(Workflow).Replace("runs-on: windows-latest", "runs_on: windows-latest"));
            (int code, _, _) = ExternalTool.Run(FindTool("action-validator")!, broken);
            Assert.NotEqual(0, code);
        }

        [Fact]
        public void The_matrix_covers_Linux_Windows_PowerShell_7_and_5_1_and_macOS()
        {
            string text = File.ReadAllText(Workflow);
            Assert.Contains("runs-on: ubuntu-latest", text);
            Assert.Contains("bash .ci/run", text);
            Assert.Equal(2, text.Split("runs-on: windows-latest").Length - 1);
            Assert.Contains("shell: powershell", text);
            Assert.Contains("Framework = 'netstandard2.0'", text);
            Assert.Contains("runs-on: macos-latest", text);
        }

        [Fact]
        public void Gitattributes_keep_the_scripts_LF_on_a_CRLF_checkout()
        {
            string[] rules = File.ReadAllLines(Path.Combine(Root, ".gitattributes")).Select(l => l.Trim()).ToArray();
            Assert.Contains(rules, r => r.StartsWith(".ci/run ", StringComparison.Ordinal) && r.Contains("eol=lf", StringComparison.Ordinal));
            Assert.Contains(rules, r => r.StartsWith("*.sh ", StringComparison.Ordinal) && r.Contains("eol=lf", StringComparison.Ordinal));
            Assert.DoesNotContain('\r', File.ReadAllText(Path.Combine(Root, ".ci", "run")));
        }
    }
}
