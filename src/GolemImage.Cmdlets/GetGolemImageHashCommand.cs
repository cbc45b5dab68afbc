using System;
using System.IO;
using System.Management.Automation;
using GolemImage.Cmdlets.Infrastructure;
using GolemImage.Hashing;
using GolemImage.Registry;

namespace GolemImage.Cmdlets
{
    /// <summary>
    /// Get-GolemImageHash: the SHA3-224 of whole files (trailer included), which is how Golem names an image,
    /// and with -Url the task package string providers download and verify it by. Behaves like Get-FileHash.
    /// </summary>
    [Cmdlet(VerbsCommon.Get, "GolemImageHash", DefaultParameterSetName = LiteralPathSet)]
    [OutputType(typeof(GolemImageHashInfo))]
    public sealed class GetGolemImageHashCommand : ImageFileCmdlet
    {
        private const string StreamSet = "Stream";

        private int activity;

        [Parameter(Mandatory = true, ParameterSetName = StreamSet)]
        [ValidateNotNull]
        public Stream? InputStream { get; set; }

        /// <summary>Where providers will download the image from; adds TaskPackage "hash:sha3:&lt;hash&gt;:&lt;url&gt;".</summary>
        // Not bound from the pipeline: a pipeline-bound parameter shared by all sets stops PowerShell from
        // binding LiteralPath by property name (PSPath), which breaks Get-ChildItem input with brackets.
        [Parameter]
        [ValidateNotNull]
        public Uri? Url { get; set; }

        protected override void ProcessRecord()
        {
            if (IsRelativeUrl(Url))
            {
                return;
            }

            if (ParameterSetName == StreamSet)
            {
                HashStream(InputStream!);
                return;
            }

            foreach (string file in ResolveImageFiles())
            {
                try
                {
                    int id = ++activity;
                    byte[] hash = RunEngine((reporter, token) => FileHasher.HashFileAsync(file, reporter, id, token));
                    WriteObject(Result(hash, file));
                }
                catch (Exception ex) when (!(ex is PipelineStoppedException))
                {
                    WriteEngineError(ex, file);
                }
            }
        }

        private void HashStream(Stream stream)
        {
            try
            {
                int id = ++activity;
                byte[] hash = RunEngine((reporter, token) => FileHasher.HashStreamAsync(stream, "the input stream", reporter, id, token));
                WriteObject(Result(hash, null));
            }
            catch (Exception ex) when (!(ex is PipelineStoppedException))
            {
                WriteError(new ErrorRecord(ex, ErrorIds.StreamReadError, ErrorCategory.ReadError, stream));
            }
        }

        private GolemImageHashInfo Result(byte[] hash, string? path)
        {
            string hex = HexString.Lower(hash);
            return new GolemImageHashInfo(hex, path, Url == null ? null : TaskPackage.Format(hex, Url));
        }
    }
}
