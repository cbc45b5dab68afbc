using System;
using System.IO;
using System.Management.Automation;
using GolemImage.Cmdlets.Infrastructure;
using GolemImage.Gvmi;
using GolemImage.Registry;

namespace GolemImage.Cmdlets
{
    /// <summary>
    /// Publish-GolemImage: uploads .gvmi files to the Golem registry (resumable, parallel chunks) and tags them.
    /// </summary>
    [Cmdlet(VerbsData.Publish, "GolemImage", SupportsShouldProcess = true, DefaultParameterSetName = LiteralPathSet, ConfirmImpact = ConfirmImpact.Medium)]
    [OutputType(typeof(PublishedGolemImage))]
    public sealed class PublishGolemImageCommand : ImageFileCmdlet
    {
        private Uri? registryUrl;
        private ImageTag? imageTag;
        private RegistryCredential? credential;

        /// <summary>user/repository:tag (":tag" defaults to latest).</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? Tag { get; set; }

        [Parameter]
        [Credential]
        public PSCredential? Credential { get; set; }

        [Parameter]
        public SwitchParameter Anonymous { get; set; }

        [Parameter]
        [ValidateNotNull]
        public Uri? RegistryUrl { get; set; }

        [Parameter]
        [ValidateRange(4096L, int.MaxValue)]
        public long ChunkSize { get; set; }

        [Parameter]
        [ValidateRange(1, 64)]
        public int ThrottleLimit { get; set; } = 4;

        [Parameter]
        public SwitchParameter AllowInsecureHttp { get; set; }

        [Parameter]
        [ValidateRange(0, 100)]
        public int MaximumRetryCount { get; set; } = 5;

        [Parameter]
        [ValidateRange(0, 3600)]
        public int RetryIntervalSec { get; set; } = 1;

        [Parameter]
        [ValidateRange(1, 86400)]
        public int TimeoutSec { get; set; } = 100;

        [Parameter]
        [ValidateRange(0, 86400)]
        public int ValidationTimeoutSec { get; set; } = 30;

        protected override void BeginProcessing()
        {
            try
            {
                if (Anonymous.IsPresent && Tag != null)
                {
                    throw new GolemImageException(ErrorIds.AnonymousWithTag, GolemErrorCategory.InvalidArgument, "An anonymous upload cannot be tagged: use either -Tag or -Anonymous.", Tag);
                }

                if (!Anonymous.IsPresent && Tag == null)
                {
                    throw new GolemImageException(ErrorIds.TagRequired, GolemErrorCategory.InvalidArgument, "Say where to publish with -Tag <user>/<repository>:<tag>, or upload untagged with -Anonymous.", null);
                }

                string url = RegistryUrl?.OriginalString ?? NonEmpty(Environment.GetEnvironmentVariable("REGISTRY_URL")) ?? RegistryPublisher.DefaultRegistryUrl;
                registryUrl = RegistryPublisher.ValidateRegistryUrl(url, AllowInsecureHttp.IsPresent);
                if (Tag != null)
                {
                    imageTag = ImageTag.Parse(Tag);
                    credential = ResolveCredential();
                }
            }
            catch (GolemImageException ex)
            {
                ThrowTerminatingError(ErrorRecordFactory.FromException(ex, ex.Target));
            }
        }

        protected override void ProcessRecord()
        {
            foreach (string file in ResolveImageFiles())
            {
                // Checked before ShouldProcess too, so that -WhatIf and -Confirm never offer to publish a file that is not
                // a .gvmi (the engine checks again, cheaply, for its other callers).
                try
                {
                    RunEngine((reporter, token) => GvmiImageReader.ReadAsync(file, false, reporter, 0, token));
                }
                catch (Exception ex) when (!(ex is PipelineStoppedException))
                {
                    WriteEngineError(ex, file);
                    continue;
                }

                string action = imageTag != null ? $"Publish to {registryUrl} as {imageTag}" : $"Publish anonymously to {registryUrl}";
                if (!ShouldProcess(file, action))
                {
                    continue;
                }

                var request = new PublishRequest(file, registryUrl!)
                {
                    Tag = imageTag,
                    Credential = credential,
                    ChunkSize = MyInvocation.BoundParameters.ContainsKey(nameof(ChunkSize)) ? ChunkSize : (long?)null,
                    ThrottleLimit = ThrottleLimit,
                    Retry = new RetrySettings
                    {
                        MaximumRetryCount = MaximumRetryCount,
                        InitialDelay = TimeSpan.FromSeconds(RetryIntervalSec),
                        RequestTimeout = TimeSpan.FromSeconds(TimeoutSec),
                    },
                    ValidationTimeout = TimeSpan.FromSeconds(ValidationTimeoutSec),
                };
                try
                {
                    PublishResult result = RunEngine((reporter, token) => RegistryPublisher.PublishAsync(request, reporter, token));
                    WriteObject(new PublishedGolemImage(result));
                }
                catch (Exception ex) when (!(ex is PipelineStoppedException))
                {
                    WriteEngineError(ex, file);
                }
            }
        }

        private static string? NonEmpty(string? value) => string.IsNullOrEmpty(value) ? null : value;

        private RegistryCredential ResolveCredential()
        {
            if (Credential != null && Credential != PSCredential.Empty)
            {
                return new RegistryCredential(Credential.UserName, Credential.GetNetworkCredential().Password);
            }

            string? user = NonEmpty(Environment.GetEnvironmentVariable("REGISTRY_USER"));
            string? token = NonEmpty(Environment.GetEnvironmentVariable("REGISTRY_TOKEN"));
            if (user == null || token == null)
            {
                throw new GolemImageException(ErrorIds.CredentialRequired, GolemErrorCategory.AuthenticationError, $"Publishing as {imageTag} needs a registry user and personal access token: pass -Credential, or set REGISTRY_USER and REGISTRY_TOKEN. Use -Anonymous to upload without a tag.", Tag);
            }

            return new RegistryCredential(user, token);
        }
    }
}
