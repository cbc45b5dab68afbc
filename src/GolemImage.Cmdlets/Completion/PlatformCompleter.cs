using System;
using System.Collections;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using System.Management.Automation.Language;
using GolemImage.Sources;

namespace GolemImage.Cmdlets.Completion
{
    /// <summary>
    /// Completes ConvertTo-GolemImage -Platform with the platforms of the -ArchivePath archive when one is typed (and
    /// readable without decompressing), else with the usual ones, linux/amd64 (what Golem providers run) first.
    /// </summary>
    public sealed class PlatformCompleter : IArgumentCompleter
    {
        public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete, CommandAst commandAst, IDictionary fakeBoundParameters)
        {
            IReadOnlyList<string> platforms = Array.Empty<string>();
            try
            {
                string? archive = FirstPath(fakeBoundParameters);
                if (archive != null)
                {
                    platforms = CompletionSources.ArchivePlatforms(Resolve(archive));
                }
            }
            catch (Exception)
            {
            }

            string source = platforms.Count > 0 ? "in the archive: " : "platform ";
            if (platforms.Count == 0)
            {
                platforms = CompletionSources.UsualPlatforms;
            }

            return DockerImageCompleter.Matching(platforms, wordToComplete, source);
        }

        private static string? FirstPath(IDictionary bound)
        {
            foreach (string name in new[] { "ArchivePath", "FullName", "LiteralPath" })
            {
                if (bound != null && bound.Contains(name))
                {
                    object? value = bound[name];
                    if (value is PSObject wrapped)
                    {
                        value = wrapped.BaseObject;
                    }

                    if (value is IEnumerable list && !(value is string))
                    {
                        value = list.Cast<object?>().FirstOrDefault();
                    }

                    string? text = value?.ToString();
                    return string.IsNullOrWhiteSpace(text) ? null : text!.Trim('\'', '"');
                }
            }

            return null;
        }

        /// <summary>Relative to PowerShell's current location, which is not the process's working directory.</summary>
        private static string Resolve(string path)
        {
            try
            {
                // A completer runs on the pipeline thread of the session asking, so a nested pipeline sees its location.
                using (PowerShell shell = PowerShell.Create(RunspaceMode.CurrentRunspace))
                {
                    shell.AddScript("param($p) $ExecutionContext.SessionState.Path.GetUnresolvedProviderPathFromPSPath($p)").AddArgument(path);
                    object? resolved = shell.Invoke().FirstOrDefault()?.BaseObject;
                    if (resolved is string text && text.Length > 0)
                    {
                        return text;
                    }
                }
            }
            catch (Exception)
            {
            }

            return System.IO.Path.GetFullPath(path);
        }
    }
}
