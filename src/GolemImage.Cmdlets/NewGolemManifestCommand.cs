using System;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using GolemImage.Cmdlets.Infrastructure;
using GolemImage.Manifest;
using GolemImage.Registry;

namespace GolemImage.Cmdlets
{
    /// <summary>
    /// New-GolemManifest: a Computation Payload Manifest as golem-sdk-cli writes it, from images in the pipeline (or
    /// -Hash with -Url), with outbound URLs, optionally signed as `golem-sdk manifest sign` does.
    /// </summary>
    [Cmdlet(VerbsCommon.New, "GolemManifest", SupportsShouldProcess = true)]
    [OutputType(typeof(GolemManifest))]
    public sealed class NewGolemManifestCommand : GolemCmdlet
    {
        private readonly ManifestRequest request = new ManifestRequest();
        private string? firstTag;
        private int badInputs;

        [Parameter(ValueFromPipelineByPropertyName = true)]
        [ValidateNotNullOrEmpty]
        public string? Hash { get; set; }

        /// <summary>Where providers download the image; Find-GolemImage and Publish-GolemImage output binds by DownloadUrl.</summary>
        [Parameter(ValueFromPipelineByPropertyName = true)]
        [Alias("DownloadUrl")]
        [ValidateNotNullOrEmpty]
        public Uri[]? Url { get; set; }

        /// <summary>hash:sha3:&lt;hex&gt;:&lt;url&gt;; Get-GolemImageHash -Url output binds here.</summary>
        [Parameter(ValueFromPipelineByPropertyName = true)]
        [AllowNull]
        [AllowEmptyString]
        public string? TaskPackage { get; set; }

        /// <summary>Names the manifest when -Name is not given.</summary>
        [Parameter(ValueFromPipelineByPropertyName = true)]
        [AllowNull]
        [AllowEmptyString]
        public string? Tag { get; set; }

        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? Name { get; set; }

        [Parameter]
        [ValidateNotNullOrEmpty]
        public string Version { get; set; } = "1.0.0";

        [Parameter]
        [ValidateNotNull]
        public string? Description { get; set; }

        [Parameter]
        [ValidateNotNullOrEmpty]
        public string[]? Author { get; set; }

        [Parameter]
        [ValidateNotNull]
        public Uri? Homepage { get; set; }

        [Parameter]
        [ValidateNotNullOrEmpty]
        public Uri[]? OutboundUrl { get; set; }

        [Parameter]
        public DateTime? ExpiresAt { get; set; }

        [Parameter]
        public TimeSpan? ValidFor { get; set; }

        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? OutputPath { get; set; }

        [Parameter]
        public SwitchParameter Force { get; set; }

        [Parameter]
        [ValidateNotNull]
        public X509Certificate2? Certificate { get; set; }

        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? PrivateKeyPath { get; set; }

        protected override void BeginProcessing()
        {
            try
            {
                if (ExpiresAt.HasValue && ValidFor.HasValue)
                {
                    throw new GolemImageException(ErrorIds.ExpiryTwice, GolemErrorCategory.InvalidArgument, "Give either -ExpiresAt or -ValidFor, not both.", null);
                }

                if (ValidFor.HasValue && ValidFor.Value <= TimeSpan.Zero)
                {
                    throw new GolemImageException(ErrorIds.InvalidExpiry, GolemErrorCategory.InvalidArgument, $"-ValidFor {ValidFor.Value} is not a positive time span.", ValidFor.Value);
                }

                DateTimeOffset now = DateTimeOffset.UtcNow;
                request.CreatedAt = now;
                request.ExpiresAt = ExpiresAt.HasValue ? ToOffset(ExpiresAt.Value) : ValidFor.HasValue ? now + ValidFor.Value : (DateTimeOffset?)null;
                request.Version = Version;
                request.Description = Description;
                request.Homepage = Homepage;
                if (Author != null)
                {
                    request.Authors.AddRange(Author);
                }

                if (OutboundUrl != null)
                {
                    request.OutboundUrls.AddRange(OutboundUrl);
                }
            }
            catch (GolemImageException ex)
            {
                ThrowTerminatingError(ErrorRecordFactory.FromException(ex, ex.Target));
            }
        }

        protected override void ProcessRecord()
        {
            if (Hash == null && TaskPackage == null && Url == null)
            {
                return;
            }

            try
            {
                ManifestPayload payload;
                if (Hash != null && Url != null)
                {
                    payload = new ManifestPayload(ImageQuery.ForHash(Hash).Sha3Hex!, Url);
                }
                else if (!string.IsNullOrWhiteSpace(TaskPackage))
                {
                    payload = ManifestPayload.FromTaskPackage(TaskPackage!);
                    if (Hash != null && ImageQuery.ForHash(Hash).Sha3Hex != payload.Sha3Hex)
                    {
                        throw new GolemImageException(ErrorIds.TaskPackageMismatch, GolemErrorCategory.InvalidArgument, $"The task package names the image {payload.Sha3Hex}, not {Hash}.", TaskPackage);
                    }
                }
                else if (Hash != null)
                {
                    throw new GolemImageException(ErrorIds.PayloadUrlRequired, GolemErrorCategory.InvalidArgument, $"The image {Hash} needs a URL providers download it from: give -Url, or pipe in Find-GolemImage, Publish-GolemImage or Get-GolemImageHash -Url output.", Hash);
                }
                else
                {
                    throw new GolemImageException(ErrorIds.PayloadHashRequired, GolemErrorCategory.InvalidArgument, "A payload needs the image's hash: give -Hash with -Url (Get-GolemImageHash prints it), or pipe in Find-GolemImage output.", Url![0].OriginalString);
                }

                request.Payloads.Add(payload);
                if (firstTag == null && !string.IsNullOrWhiteSpace(Tag))
                {
                    firstTag = Tag;
                }
            }
            catch (GolemImageException ex)
            {
                badInputs++;
                WriteEngineError(ex, ex.Target);
            }
        }

        protected override void EndProcessing()
        {
            try
            {
                if (badInputs > 0)
                {
                    throw new GolemImageException(ErrorIds.ManifestNotCreated, GolemErrorCategory.InvalidArgument, $"{badInputs} of the images given could not be used (see the errors above), so no manifest was made: a manifest without them would not be the one meant.", null);
                }

                request.Name = Name ?? DefaultName();
                PayloadManifest manifest = PayloadManifest.Create(request);
                ManifestSignature? signature = null;
                if (Certificate != null || PrivateKeyPath != null)
                {
                    RSA? key = PrivateKeyPath == null ? null : RsaPrivateKeyPem.Read(SessionState.Path.GetUnresolvedProviderPathFromPSPath(PrivateKeyPath));
                    using (key)
                    {
                        signature = ManifestSigner.Sign(manifest, key, Certificate);
                    }
                }

                string? path = null;
                if (OutputPath != null)
                {
                    path = SessionState.Path.GetUnresolvedProviderPathFromPSPath(OutputPath);
                    if (!ShouldProcess(path, "Write the payload manifest"))
                    {
                        return;
                    }

                    manifest.Save(path, Force.IsPresent);
                }

                WriteObject(new GolemManifest(manifest, request.Payloads.Select(p => p.Sha3Hex).ToList(), path, signature));
            }
            catch (GolemImageException ex)
            {
                ThrowTerminatingError(ErrorRecordFactory.FromException(ex, ex.Target));
            }
        }

        private static DateTimeOffset ToOffset(DateTime time) =>
            time.Kind == DateTimeKind.Unspecified ? new DateTimeOffset(DateTime.SpecifyKind(time, DateTimeKind.Local)) : new DateTimeOffset(time);

        /// <summary>The first image's repository (alice/hello:1.0 gives hello), else image-&lt;first 10 hex of its hash&gt;.</summary>
        private string DefaultName()
        {
            if (firstTag != null)
            {
                try
                {
                    return ImageTag.Parse(firstTag).Repository;
                }
                catch (GolemImageException)
                {
                }
            }

            return request.Payloads.Count > 0 ? "image-" + request.Payloads[0].Sha3Hex.Substring(0, 10) : "image";
        }
    }
}
