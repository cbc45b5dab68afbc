using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Management.Automation;
using GolemImage.Cmdlets.Infrastructure;
using GolemImage.Registry;
using GolemImage.Squashfs.Reading;

namespace GolemImage.Cmdlets
{
    /// <summary>
    /// Test-GolemImage: checks the trailer, the squashfs superblock, the table layout the kernel walks at
    /// mount time, the padding and what providers would hide or ignore, and with -Url that a URL serves the image;
    /// $true/$false per file, or every finding with -Detailed.
    /// </summary>
    [Cmdlet(VerbsDiagnostic.Test, "GolemImage", DefaultParameterSetName = LiteralPathSet)]
    [OutputType(typeof(bool), typeof(GolemImageTestFinding))]
    public sealed class TestGolemImageCommand : ImageFileCmdlet
    {

        /// <summary>Emit every check as a GolemImageTestFinding instead of one Boolean per file.</summary>
        [Parameter]
        public SwitchParameter Detailed { get; set; }

        /// <summary>Also check that this URL serves the image as a provider will download it (a self-hosted task package).</summary>
        // Not bound from the pipeline, like Get-GolemImageHash -Url: it would stop LiteralPath binding by PSPath.
        [Parameter]
        [ValidateNotNull]
        public Uri? Url { get; set; }

        protected override void ProcessRecord()
        {
            if (IsRelativeUrl(Url))
            {
                return;
            }

            List<string> files = ResolveImageFiles().ToList();
            if (Url != null && files.Count > 1)
            {
                WriteError(new ErrorRecord(
                    new ArgumentException($"-Url checks one image against the file at {Url.AbsoluteUri}, but the path names {files.Count} files."),
                    ErrorIds.UrlNeedsOneImage,
                    ErrorCategory.InvalidArgument,
                    Url));
                return;
            }

            foreach (string file in files)
            {
                List<ValidationFinding> findings;
                try
                {
                    findings = RunEngine((reporter, token) => System.Threading.Tasks.Task.Run(() => ImageValidator.ValidateFile(file, token), token)).ToList();
                    if (Url != null)
                    {
                        Uri url = Url;
                        findings.AddRange(RunEngine((reporter, token) => HostedImageCheck.CheckAsync(file, url, reporter, token)));
                    }
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
