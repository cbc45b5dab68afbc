using System;
using System.Collections;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using System.Management.Automation.Language;
using System.Threading;
using GolemImage.Sources;

namespace GolemImage.Cmdlets.Completion
{
    /// <summary>
    /// Completes ConvertTo-GolemImage -Image with the local Docker engine's repo:tag names. Waits at most
    /// <see cref="Timeout"/> for the engine and completes nothing, silently, when none answers.
    /// </summary>
    public sealed class DockerImageCompleter : IArgumentCompleter
    {
        internal static readonly TimeSpan Timeout = TimeSpan.FromSeconds(2);

        public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete, CommandAst commandAst, IDictionary fakeBoundParameters)
        {
            IReadOnlyList<string> names;
            try
            {
                names = CompletionSources.DockerImageNamesAsync(Timeout, CancellationToken.None).GetAwaiter().GetResult();
            }
            catch (Exception)
            {
                return Array.Empty<CompletionResult>();
            }

            return Matching(names, wordToComplete, "Docker image ");
        }

        internal static IEnumerable<CompletionResult> Matching(IEnumerable<string> values, string wordToComplete, string tooltipPrefix)
        {
            string word = (wordToComplete ?? string.Empty).Trim('\'', '"');
            var pattern = new WildcardPattern(WildcardPattern.Escape(word) + "*", WildcardOptions.IgnoreCase);
            return values
                .Where(value => pattern.IsMatch(value))
                .Select(value => new CompletionResult(Quote(value), value, CompletionResultType.ParameterValue, tooltipPrefix + value))
                .ToList();
        }

        private static string Quote(string value) =>
            value.IndexOfAny(new[] { ' ', '\'', '"', '$', '`', '(', ')', '{', '}', ';', ',', '&', '|', '@' }) >= 0 ? "'" + value.Replace("'", "''") + "'" : value;
    }
}
