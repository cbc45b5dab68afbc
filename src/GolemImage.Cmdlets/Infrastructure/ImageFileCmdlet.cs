using System;
using System.Collections.Generic;
using System.IO;
using System.Management.Automation;

namespace GolemImage.Cmdlets.Infrastructure
{
    /// <summary>
    /// Base of the cmdlets that take .gvmi files: -Path (wildcards) and -LiteralPath bound from strings, from
    /// Get-ChildItem items (PSPath/FullName) and from GolemImageFile objects (PSPath), resolved like Get-FileHash does.
    /// Derived cmdlets make LiteralPath their default parameter set: an object with both a Path and a PSPath
    /// property (a GolemImageFile) would otherwise bind to -Path and have its name expanded as a wildcard pattern.
    /// Strings still bind to -Path (the only set that takes them by value).
    /// </summary>
    public abstract class ImageFileCmdlet : GolemCmdlet
    {
        protected const string PathSet = "Path";
        protected const string LiteralPathSet = "LiteralPath";

        [Parameter(Mandatory = true, Position = 0, ParameterSetName = PathSet, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
        [ValidateNotNullOrEmpty]
        public string[] Path { get; set; } = Array.Empty<string>();

        [Parameter(Mandatory = true, ParameterSetName = LiteralPathSet, ValueFromPipelineByPropertyName = true)]
        [Alias("PSPath", "LP", "FullName")]
        [ValidateNotNullOrEmpty]
        public string[] LiteralPath { get; set; } = Array.Empty<string>();

        /// <summary>Writes a RelativeUrl error and returns true for a URL providers could not download from (a relative one).</summary>
        protected bool IsRelativeUrl(Uri? url)
        {
            if (url == null || url.IsAbsoluteUri)
            {
                return false;
            }

            WriteError(new ErrorRecord(
                new ArgumentException($"The URL '{url.OriginalString}' is not absolute; providers need a full URL such as https://example.com/image.gvmi."),
                ErrorIds.RelativeUrl,
                ErrorCategory.InvalidArgument,
                url));
            return true;
        }

        /// <summary>
        /// The files named by -Path or -LiteralPath. A missing path or a directory is a non-terminating error,
        /// so one bad item among many does not stop the others.
        /// </summary>
        protected IEnumerable<string> ResolveImageFiles()
        {
            bool literal = ParameterSetName == LiteralPathSet;
            foreach (string file in ResolveFileSystemPaths(literal ? LiteralPath : Path, literal))
            {
                if (Directory.Exists(file))
                {
                    WriteEngineError(new GolemImageException(ErrorIds.PathIsDirectory, GolemErrorCategory.InvalidArgument, $"'{file}' is a directory, not a .gvmi image file.", file), file);
                    continue;
                }

                yield return file;
            }
        }
    }
}
