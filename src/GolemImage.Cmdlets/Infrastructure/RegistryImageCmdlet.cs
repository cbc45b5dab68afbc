using System;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using GolemImage.Registry;

namespace GolemImage.Cmdlets.Infrastructure
{
    /// <summary>
    /// Base of the cmdlets that read images from the Golem registry (Find-GolemImage, Save-GolemImage): -Tag and -Hash
    /// bound from strings and by property name (Publish-GolemImage, Find-GolemImage, Get-GolemImage and
    /// Get-GolemImageHash output all carry a Hash), the registry URL as Publish-GolemImage takes it, and its retries.
    /// </summary>
    public abstract class RegistryImageCmdlet : GolemCmdlet
    {
        private Uri? registry;

        /// <summary>user/repository:tag; a 56-hex SHA3-224 given here is taken as a hash.</summary>
        // AllowNull: an anonymously published image has a null Tag, and it must still bind (by its Hash).
        [Parameter(Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
        [AllowNull]
        [AllowEmptyCollection]
        [AllowEmptyString]
        public string?[]? Tag { get; set; }

        [Parameter(ValueFromPipelineByPropertyName = true)]
        [AllowNull]
        [AllowEmptyCollection]
        [AllowEmptyString]
        public string?[]? Hash { get; set; }

        [Parameter]
        [ValidateNotNull]
        public Uri? RegistryUrl { get; set; }

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

        /// <summary>The validated registry root (-RegistryUrl, else REGISTRY_URL, else the public registry).</summary>
        protected Uri Registry => registry!;

        protected RetrySettings Retry => new RetrySettings
        {
            MaximumRetryCount = MaximumRetryCount,
            InitialDelay = TimeSpan.FromSeconds(RetryIntervalSec),
            RequestTimeout = TimeSpan.FromSeconds(TimeoutSec),
        };

        protected override void BeginProcessing()
        {
            try
            {
                string? fromEnvironment = Environment.GetEnvironmentVariable("REGISTRY_URL");
                string url = RegistryUrl?.OriginalString ?? (string.IsNullOrEmpty(fromEnvironment) ? RegistryPublisher.DefaultRegistryUrl : fromEnvironment!);
                registry = RegistryImageFinder.ValidateRegistryUrl(url, AllowInsecureHttp.IsPresent);
            }
            catch (GolemImageException ex)
            {
                ThrowTerminatingError(ErrorRecordFactory.FromException(ex, ex.Target));
            }
        }

        /// <summary>
        /// What this record asks for: one lookup per hash when there are hashes (a hash pins the image; a single tag
        /// beside it is carried into the output), else one per tag. A malformed tag or hash is a non-terminating error.
        /// </summary>
        protected IEnumerable<(ImageQuery Query, string? Tag)> ReadQueries()
        {
            string[] hashes = Present(Hash);
            string[] tags = Present(Tag);
            if (hashes.Length == 0 && tags.Length == 0)
            {
                WriteError(new ErrorRecord(
                    new ArgumentException("Name the image with -Tag <user>/<repository>:<tag> or -Hash <sha3-224 hex>, or pipe in an object with a Tag or Hash property."),
                    "ImageNotSpecified",
                    ErrorCategory.InvalidArgument,
                    null));
                yield break;
            }

            // Only carried, never looked up, so not worth an error: an object without a Tag property (Get-GolemImage
            // output) also reaches -Tag, as its string form (its path), through PowerShell's by-value coercion.
            string? carried = null;
            if (hashes.Length > 0 && tags.Length == 1)
            {
                try
                {
                    carried = ImageQuery.ForTag(tags[0]).Tag!.ToString();
                }
                catch (GolemImageException)
                {
                }
            }

            foreach (string text in hashes.Length > 0 ? hashes : tags)
            {
                string input = text;
                ImageQuery? query = TryQuery(() => hashes.Length > 0 ? ImageQuery.ForHash(input) : ImageQuery.Parse(input), input);
                if (query != null)
                {
                    yield return (query, query.Tag?.ToString() ?? carried);
                }
            }
        }

        /// <summary>The registry's answer with the tag the caller gave, when it was looked up by hash.</summary>
        protected static RegistryImage WithTag(RegistryImage image, string? tag) =>
            tag == null || image.Tag != null ? image : new RegistryImage(image.RegistryUrl, tag, image.Sha3Hex, image.Size, image.HttpUrl, image.HttpsUrl);

        private static string[] Present(string?[]? values) =>
            values == null ? Array.Empty<string>() : values.Where(v => !string.IsNullOrWhiteSpace(v)).Select(v => v!).ToArray();

        private ImageQuery? TryQuery(Func<ImageQuery> parse, string input)
        {
            try
            {
                return parse();
            }
            catch (GolemImageException ex)
            {
                WriteEngineError(ex, input);
                return null;
            }
        }
    }
}
