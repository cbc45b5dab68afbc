using System;
using System.Collections.Generic;
using System.IO;
using System.Management.Automation;
using System.Net;
using System.Threading;
using System.Threading.Tasks;
using GolemImage.Cmdlets.Infrastructure;
using GolemImage.Compression;
using GolemImage.Gvmi;
using GolemImage.Reporting;
using GolemImage.Sources;
using GolemImage.Squashfs;

namespace GolemImage.Cmdlets
{
    /// <summary>
    /// ConvertTo-GolemImage: a Docker/OCI image (from the Docker engine, a registry or an image archive) to a .gvmi.
    /// </summary>
    [Cmdlet(VerbsData.ConvertTo, "GolemImage", DefaultParameterSetName = ImageSet, SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
    [OutputType(typeof(GolemImageFile))]
    public sealed class ConvertToGolemImageCommand : GolemCmdlet
    {
        private const string ImageSet = "Image";
        private const string ArchiveSet = "Archive";
        private readonly HashSet<string> writtenThisRun = new HashSet<string>(GvmiOutputPath.Comparer);

        /// <summary>Image references (name[:tag], name@digest) or image ids; with -ArchivePath, which image(s) of the archive.</summary>
        [Parameter(ParameterSetName = ImageSet, Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
        [Parameter(ParameterSetName = ArchiveSet)]
        [Alias("ID", "ImageId", "Reference")]
        [ValidateNotNullOrEmpty]
        [ArgumentCompleter(typeof(Completion.DockerImageCompleter))]
        public string[] Image { get; set; } = Array.Empty<string>();

        /// <summary>Repository of an object from `docker image ls --format json`; used with Tag instead of the ID.</summary>
        [Parameter(ParameterSetName = ImageSet, ValueFromPipelineByPropertyName = true)]
        public string? Repository { get; set; }

        /// <summary>Tag of an object from `docker image ls --format json`.</summary>
        [Parameter(ParameterSetName = ImageSet, ValueFromPipelineByPropertyName = true)]
        public string? Tag { get; set; }

        /// <summary>docker save archives (legacy or OCI layout, optionally gzip/zstd compressed) or OCI image-layout directories.</summary>
        [Parameter(ParameterSetName = ArchiveSet, Mandatory = true, ValueFromPipelineByPropertyName = true)]
        [Alias("FullName", "LiteralPath")]
        [ValidateNotNullOrEmpty]
        public string[] ArchivePath { get; set; } = Array.Empty<string>();

        /// <summary>Where the image comes from: the Docker engine, a registry, or Auto (Docker when an engine answers, else the registry).</summary>
        [Parameter(ParameterSetName = ImageSet)]
        [ValidateSet("Auto", "Docker", "Registry")]
        public string Source { get; set; } = "Auto";

        /// <summary>The platform to convert; Golem providers run linux/amd64.</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        [ArgumentCompleter(typeof(Completion.PlatformCompleter))]
        public string Platform { get; set; } = "linux/amd64";

        /// <summary>An output file, or an existing directory for the default file name; default: the current location.</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? OutputPath { get; set; }

        /// <summary>Squashfs compressor; default the engine's default (LZO, which every Golem provider reads).</summary>
        [Parameter]
        [WritableCompressor]
        [ArgumentCompleter(typeof(WritableCompressorCompleter))]
        public string? Compression { get; set; }

        [Parameter]
        [ValidateSet("Optimal", "Fastest", "SmallestSize")]
        public string CompressionLevel { get; set; } = "Optimal";

        /// <summary>Squashfs data block size in bytes (a power of two from 4 KiB to 1 MiB).</summary>
        [Parameter]
        [ValidateSet("4096", "8192", "16384", "32768", "65536", "131072", "262144", "524288", "1048576")]
        public int BlockSize { get; set; } = 131072;

        /// <summary>
        /// Most threads compressing blocks at once; unset, one per processor. The image's bytes never depend on it. The
        /// upper bound keeps the blocks in flight (about 8 per thread) within a few GiB at 1 MiB blocks.
        /// </summary>
        [Parameter]
        [ValidateRange(1, 256)]
        public int ThrottleLimit { get; set; }

        /// <summary>
        /// Where the large temporary files go (a docker save of the image, a decompressed archive); default
        /// $env:GOLEMIMAGE_SPOOL, else the output's directory.
        /// </summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? SpoolDirectory { get; set; }

        /// <summary>Registry credentials (default: what docker login saved, through config.json's credential helper or auths entry; else anonymous).</summary>
        [Parameter]
        [Credential]
        public PSCredential? Credential { get; set; }

        /// <summary>Allows plain http to a registry that is not on the loopback interface.</summary>
        [Parameter(ParameterSetName = ImageSet)]
        public SwitchParameter AllowInsecureHttp { get; set; }

        /// <summary>Converts even when the output already holds this image, and converts non-amd64 images (with a warning).</summary>
        [Parameter]
        public SwitchParameter Force { get; set; }

        protected override void ProcessRecord()
        {
            if (ParameterSetName == ArchiveSet)
            {
                foreach (string archive in ResolveFileSystemPaths(ArchivePath, literal: true))
                {
                    if (Image.Length == 0)
                    {
                        ConvertOne(archive, null);
                    }
                    else
                    {
                        foreach (string image in Image)
                        {
                            ConvertOne(archive, image);
                        }
                    }
                }

                return;
            }

            foreach (string image in Image)
            {
                ConvertOne(null, ChooseReference(image));
            }
        }

        /// <summary>`docker image ls` objects carry ID, Repository and Tag; a name beats an id (it keeps the tag for the file name).</summary>
        private string ChooseReference(string image)
        {
            string? repository = Repository;
            if (string.IsNullOrEmpty(repository) || repository == "<none>")
            {
                return image;
            }

            string? tag = Tag;
            return string.IsNullOrEmpty(tag) || tag == "<none>" ? repository! : repository + ":" + tag;
        }

        private void ConvertOne(string? archive, string? image)
        {
            object target = (object?)archive ?? image ?? string.Empty;
            try
            {
                ImagePlatform platform = ImagePlatform.Parse(Platform);
                SquashfsWriterOptions squashfs = CreateSquashfsOptions();
                RegistryCredential? credential = Credential == null ? null : new RegistryCredential(Credential.UserName, Credential.GetNetworkCredential().Password);
                string? explicitOutput = OutputPath == null ? null : ResolveOutputPath(OutputPath);
                string location = SessionState.Path.CurrentFileSystemLocation.ProviderPath;
                string? spool = SpoolFiles.ChooseDirectory(
                    SpoolDirectory == null ? null : SessionState.Path.GetUnresolvedProviderPathFromPSPath(SpoolDirectory),
                    Environment.GetEnvironmentVariable(SpoolFiles.EnvironmentVariable),
                    explicitOutput == null ? location : Directory.Exists(explicitOutput) ? explicitOutput : Path.GetDirectoryName(explicitOutput));

                var sourceOptions = new ImageSourceOptions
                {
                    Kind = archive != null ? ImageSourceKind.Archive : (ImageSourceKind)Enum.Parse(typeof(ImageSourceKind), Source, ignoreCase: true),
                    ArchivePath = archive,
                    Platform = platform,
                    Force = Force,
                    Credential = credential,
                    AllowInsecureHttp = AllowInsecureHttp,
                    SpoolDirectory = spool,
                };
                ResolvedImage? resolved = null;
                try
                {
                    // The Docker engine pulls a missing image and saves it to a temporary file while resolving, so the
                    // user is asked before that (other sources resolve without side effects and are asked afterwards,
                    // when the output file name is known).
                    ImageSourcePlan plan = RunEngine((reporter, cancellationToken) => ImageSourceResolver.PlanAsync(image, sourceOptions, reporter, cancellationToken));
                    bool approved = false;
                    if (plan.Kind == ImageSourceKind.Docker)
                    {
                        if (!ShouldProcess(explicitOutput ?? location, $"Convert Docker image '{image}' to a Golem image (pulling it first if the engine does not have it)"))
                        {
                            return;
                        }

                        approved = true;
                    }

                    string output = string.Empty;
                    string sourceName = string.Empty;
                    GolemImageFile? existing = RunEngine<GolemImageFile?>(async (reporter, cancellationToken) =>
                    {
                        resolved = await ImageSourceResolver.OpenAsync(plan, sourceOptions, reporter, cancellationToken).ConfigureAwait(false);
                        output = GvmiOutputPath.Choose(explicitOutput, location, resolved, archive);
                        sourceName = resolved.Reference ?? archive ?? image ?? resolved.ImageId;
                        return Force ? null : await ExistingImage.TryReadAsync(output, resolved.ImageId, reporter, cancellationToken).ConfigureAwait(false);
                    });

                    if (existing != null)
                    {
                        WriteVerbose($"{output} already holds image {resolved!.ImageId}; skipping the conversion (use -Force to convert again).");
                        existing.SourceImage = sourceName;
                        existing.Platform = resolved.Config.Platform.ToString();
                        WriteObject(existing);
                        return;
                    }

                    if (!writtenThisRun.Add(output))
                    {
                        throw new GolemImageException(ErrorIds.OutputConflict, GolemErrorCategory.ResourceExists, $"Two images of this command would be written to the same file '{output}'; give -OutputPath a directory, or convert them one at a time.", output);
                    }

                    if (!approved && !ShouldProcess(output, $"Convert {sourceName} to a Golem image"))
                    {
                        return;
                    }

                    ResolvedImage image0 = resolved!;
                    GolemImageFile result = RunEngine(async (reporter, cancellationToken) =>
                    {
                        var options = new ImageConversionOptions { Squashfs = squashfs };
                        ImageConversionResult converted = await ImageConverter.ConvertAsync(image0, output, options, reporter, cancellationToken).ConfigureAwait(false);
                        return new GolemImageFile
                        {
                            Path = converted.Written.Path,
                            Hash = converted.Hash,
                            Size = converted.Written.FileSize,
                            Compression = squashfs.Compression.Descriptor.Name,
                            BlockSize = squashfs.BlockSize,
                            InodeCount = converted.Written.InodeCount,
                            Created = DateTimeOffset.FromUnixTimeSeconds(converted.BuildTime).UtcDateTime,
                            Config = converted.Config,
                            SourceImage = sourceName,
                            ImageId = image0.ImageId,
                            Platform = image0.Config.Platform.ToString(),
                        };
                    });
                    WriteObject(result);
                }
                finally
                {
                    resolved?.Dispose();
                }
            }
            catch (PipelineStoppedException)
            {
                throw;
            }
            catch (Exception ex) when (ex is GolemImageException || ex is IOException || ex is UnauthorizedAccessException)
            {
                WriteEngineError(ex, target);
            }
        }

        private SquashfsWriterOptions CreateSquashfsOptions()
        {
            var options = new SquashfsWriterOptions { BlockSize = BlockSize, WorkerCount = ThrottleLimit };
            System.IO.Compression.CompressionLevel level = CompressionLevel switch
            {
                "Fastest" => System.IO.Compression.CompressionLevel.Fastest,
                "SmallestSize" => (System.IO.Compression.CompressionLevel)3,
                _ => System.IO.Compression.CompressionLevel.Optimal,
            };
            // [WritableCompressor] has checked that the table has a writable row of this name.
            CompressionAlgorithm algorithm = Compression == null ? options.Compression.Algorithm : CompressorTable.Find(Compression)!.Algorithm;
            options.Compression = new CompressionSettings(algorithm, level);
            // A choice providers cannot mount is warned about by the squashfs writer itself, so every engine caller sees it once.
            return options;
        }

        /// <summary>
        /// The provider path of -OutputPath. A name Windows cannot hold is an InvalidArgument error for this item, not
        /// the NotSupportedException/ArgumentException that Windows PowerShell's path APIs throw, which would end the batch.
        /// </summary>
        private string ResolveOutputPath(string outputPath)
        {
            string problem = GvmiOutputPath.LeafProblem(outputPath);
            if (problem.Length > 0)
            {
                throw new GolemImageException(ErrorIds.InvalidOutputPath, GolemErrorCategory.InvalidArgument, $"The output path '{outputPath}' {problem}.", outputPath);
            }

            string resolved;
            try
            {
                resolved = SessionState.Path.GetUnresolvedProviderPathFromPSPath(outputPath);
            }
            catch (Exception ex) when (ex is ArgumentException || ex is NotSupportedException || ex is PSNotSupportedException || ex is PSArgumentException || ex is ProviderInvocationException || ex is System.Management.Automation.DriveNotFoundException || ex is ProviderNotFoundException)
            {
                throw new GolemImageException(ErrorIds.InvalidOutputPath, GolemErrorCategory.InvalidArgument, $"The output path '{outputPath}' is not a file-system path: {ex.Message}", outputPath, ex);
            }

            GvmiOutputPath.Validate(resolved);
            return resolved;
        }

        internal static string DefaultFileName(ResolvedImage image, string? archive) => GvmiOutputPath.DefaultFileName(image, archive);
    }
}
