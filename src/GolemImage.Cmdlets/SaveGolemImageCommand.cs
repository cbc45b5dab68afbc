using System;
using System.Collections.Generic;
using System.IO;
using System.Management.Automation;
using GolemImage.Cmdlets.Infrastructure;
using GolemImage.Gvmi;
using GolemImage.Registry;

namespace GolemImage.Cmdlets
{
    /// <summary>
    /// Save-GolemImage: downloads images from the Golem registry as providers do (HEAD, GET following redirects, Range to
    /// resume), verified against the registry's SHA3-224 while downloading, and emits them as Get-GolemImage does.
    /// </summary>
    [Cmdlet(VerbsData.Save, "GolemImage", SupportsShouldProcess = true)]
    [OutputType(typeof(GolemImageFile))]
    public sealed class SaveGolemImageCommand : RegistryImageCmdlet
    {
        private readonly Dictionary<string, string> written = new Dictionary<string, string>(StringComparer.Ordinal);
        private int activity;

        /// <summary>A file, or an existing directory to put the default file name in.</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? OutputPath { get; set; }

        [Parameter]
        public SwitchParameter Force { get; set; }

        protected override void ProcessRecord()
        {
            foreach ((ImageQuery query, string? tag) in ReadQueries())
            {
                string target = query.ToString();
                try
                {
                    RegistryImage image = WithTag(RunEngine((reporter, token) => RegistryImageFinder.FindAsync(Registry, query, Retry, reporter, token)), tag);
                    string output = ChooseOutputPath(image);
                    target = output;
                    if (written.TryGetValue(output, out string? other) && other != image.Sha3Hex)
                    {
                        throw new GolemImageException(ErrorIds.OutputConflict, GolemErrorCategory.ResourceExists, $"This command already saved the image {other} to '{output}'; give -OutputPath a directory to save several images.", output);
                    }

                    Uri url = ImageDownloader.ChooseUrl(image);
                    if (!ShouldProcess(output, $"Download {image.Tag ?? image.Sha3Hex} from {url}"))
                    {
                        continue;
                    }

                    var request = new DownloadRequest(url, image.Sha3Hex, image.Size, output) { Force = Force.IsPresent, Retry = Retry };
                    int id = ++activity;
                    DownloadResult result = RunEngine((reporter, token) => ImageDownloader.DownloadAsync(request, reporter, id, token));
                    written[output] = image.Sha3Hex;

                    // The hash is known (verified while downloading): read only the trailer and superblock.
                    GvmiImageInfo info = RunEngine((reporter, token) => GvmiImageReader.ReadAsync(result.Path, false, reporter, id, token));
                    GolemImageFile file = GetGolemImageCommand.ToImageFile(info);
                    file.Hash = image.Sha3Hex;
                    WriteObject(file);
                }
                catch (Exception ex) when (!(ex is PipelineStoppedException))
                {
                    WriteEngineError(ex, target);
                }
            }
        }

        private string ChooseOutputPath(RegistryImage image)
        {
            string name = ImageDownloader.DefaultFileName(image.Tag, image.Sha3Hex);
            if (OutputPath == null)
            {
                return Path.Combine(SessionState.Path.CurrentFileSystemLocation.ProviderPath, name);
            }

            string path = SessionState.Path.GetUnresolvedProviderPathFromPSPath(OutputPath);
            return Directory.Exists(path) ? Path.Combine(path, name) : path;
        }
    }
}
