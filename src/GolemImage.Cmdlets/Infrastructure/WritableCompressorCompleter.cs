using System;
using System.Collections;
using System.Collections.Generic;
using System.Management.Automation;
using System.Management.Automation.Language;
using GolemImage.Compression;

namespace GolemImage.Cmdlets.Infrastructure
{
    /// <summary>Tab completion for a compressor parameter: the <see cref="CompressorTable"/> rows this module writes.</summary>
    internal sealed class WritableCompressorCompleter : IArgumentCompleter
    {
        public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete, CommandAst commandAst, IDictionary fakeBoundParameters)
        {
            string prefix = (wordToComplete ?? string.Empty).Trim('\'', '"');
            foreach (CompressorDescriptor row in CompressorTable.Writable)
            {
                string name = row.Algorithm.ToString();
                if (name.StartsWith(prefix, StringComparison.OrdinalIgnoreCase))
                {
                    string tip = row.MountableByGolemProviders ? $"{row.Name}: Golem providers mount it" : $"{row.Name}: Golem providers cannot mount it";
                    yield return new CompletionResult(name, name, CompletionResultType.ParameterValue, tip);
                }
            }
        }
    }
}
