using System;
using System.Collections.Generic;
using System.IO;
using System.Management.Automation;
using GolemImage.Cmdlets.Infrastructure;
using GolemImage.Squashfs.Reading;

namespace GolemImage.Cmdlets
{
    /// <summary>
    /// Test-GolemImage: checks the trailer, the squashfs superblock, the table layout the kernel walks at
    /// mount time, and the padding; $true/$false per file, or every finding with -Detailed.
    /// </summary>
    [Cmdlet(VerbsDiagnostic.Test, "GolemImage", DefaultParameterSetName = LiteralPathSet)]
    [OutputType(typeof(bool), typeof(GolemImageTestFinding))]
    public sealed class TestGolemImageCommand : ImageFileCmdlet
    {

        /// <summary>Emit every check as a GolemImageTestFinding instead of one Boolean per file.</summary>
        [Parameter]
        public SwitchParameter Detailed { get; set; }

        protected override void ProcessRecord()
        {
            foreach (string file in ResolveImageFiles())
            {
                IReadOnlyList<ValidationFinding> findings;
                try
                {
                    findings = RunEngine((reporter, token) => System.Threading.Tasks.Task.Run(() => ImageValidator.ValidateFile(file), token));
                }
                catch (Exception ex) when (!(ex is PipelineStoppedException))
                {
                    WriteEngineError(ex, file);
                    continue;
                }

                foreach (ValidationFinding finding in findings)
                {
                    if (finding.Result == ValidationResult.Failed || finding.Result == ValidationResult.Warning)
                    {
                        WriteVerbose($"{file}: {finding}");
                    }
                }

                if (Detailed.IsPresent)
                {
                    foreach (ValidationFinding finding in findings)
                    {
                        WriteObject(new GolemImageTestFinding(file, finding));
                    }
                }
                else
                {
                    WriteObject(ImageValidator.IsValid(findings));
                }
            }
        }
    }
}
