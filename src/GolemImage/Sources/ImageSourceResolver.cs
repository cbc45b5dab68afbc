using System;
using System.Threading;
using System.Threading.Tasks;
using GolemImage.Reporting;

namespace GolemImage.Sources
{
    /// <summary>
    /// Chooses where an image comes from and opens it, with every fallback in one place: -Source Auto uses a Docker
    /// engine that answers and runs Linux images, else the registry with a warning that names the reason (repeated in
    /// any later registry failure, so a scheduled job's log says why Docker was not used); an engine that holds the
    /// image only for another platform (arm64 on Apple Silicon) gives way to the registry's linux/amd64 image.
    /// Two steps, <see cref="PlanAsync"/> then <see cref="OpenAsync"/>, because the caller asks the user in between:
    /// the Docker engine may pull.
    /// </summary>
    public static class ImageSourceResolver
    {
        /// <summary>Chooses the source of <paramref name="image"/> (or of <see cref="ImageSourceOptions.ArchivePath"/>) without reading the image.</summary>
        public static async Task<ImageSourcePlan> PlanAsync(string? image, ImageSourceOptions options, IEngineReporter reporter, CancellationToken cancellationToken)
        {
            if (options.ArchivePath != null)
            {
                return new ImageSourcePlan(ImageSourceKind.Archive, image, options.ArchivePath, null, null);
            }

            if (string.IsNullOrEmpty(image))
            {
                throw new GolemImageException(ErrorIds.InvalidImageReference, GolemErrorCategory.InvalidArgument, "No image was named; give an image reference or -ArchivePath.", image);
            }

            switch (options.Kind)
            {
                case ImageSourceKind.Registry:
                    return new ImageSourcePlan(ImageSourceKind.Registry, image, null, null, null);
                case ImageSourceKind.Archive:
                    throw new GolemImageException(ErrorIds.ArchivePathRequired, GolemErrorCategory.InvalidArgument, "The archive source needs an archive path.", image);
            }

            try
            {
                using (DockerEngineSource engine = await DockerEngineSource.ConnectAsync(options.DockerEnvironment, options.Platform, reporter, cancellationToken).ConfigureAwait(false))
                {
                    return new ImageSourcePlan(ImageSourceKind.Docker, image, null, engine.EngineEndpoint, null);
                }
            }
            catch (GolemImageException ex) when (options.Kind == ImageSourceKind.Auto && IsDockerSetupProblem(ex) && !ImageReference.LooksLikeImageId(image!))
            {
                // Loud, not verbose: a scheduled job whose engine is not running (Docker Desktop runs none without a
                // logged-on user) would otherwise go to Docker Hub for a locally built image and fail far from the cause.
                string reason = DockerEngineSource.WithoutAdvice(ex.Message);
                reporter.Warning($"{reason} Converting '{image}' from its registry instead (-Source Registry says so without this warning).");
                return new ImageSourcePlan(ImageSourceKind.Registry, image, null, null, reason);
            }
        }

        /// <summary>Opens the image <paramref name="plan"/> chose. The caller disposes the result.</summary>
        public static async Task<ResolvedImage> OpenAsync(ImageSourcePlan plan, ImageSourceOptions options, IEngineReporter reporter, CancellationToken cancellationToken)
        {
            switch (plan.Kind)
            {
                case ImageSourceKind.Archive:
                    return await ImageArchiveSource.OpenAsync(plan.ArchivePath!, plan.Image, options.Platform, options.Force, options.SpoolDirectory, reporter, cancellationToken).ConfigureAwait(false);
                case ImageSourceKind.Registry:
                    return await OpenRegistryAsync(plan.Image!, options, plan.DockerReason, reporter, cancellationToken).ConfigureAwait(false);
                case ImageSourceKind.Docker:
                    return await OpenDockerAsync(plan, options, reporter, cancellationToken).ConfigureAwait(false);
                default:
                    throw new ArgumentException("A plan is for Docker, Registry or Archive.", nameof(plan));
            }
        }

        private static async Task<ResolvedImage> OpenDockerAsync(ImageSourcePlan plan, ImageSourceOptions options, IEngineReporter reporter, CancellationToken cancellationToken)
        {
            string image = plan.Image!;
            using (DockerEngineSource engine = await DockerEngineSource.ConnectAsync(plan.DockerEndpoint!, reporter, cancellationToken).ConfigureAwait(false))
            {
                if (!options.Force && !ImageReference.LooksLikeImageId(image))
                {
                    (string Id, ImagePlatform Platform)? local = await engine.FindAsync(image, cancellationToken).ConfigureAwait(false);
                    if (local != null && !options.Platform.Matches(local.Value.Platform))
                    {
                        return await OpenOtherPlatformAsync(image, local.Value.Platform, engine.Endpoint, options, reporter, cancellationToken).ConfigureAwait(false);
                    }
                }

                return await engine.OpenAsync(image, options.Platform, options.Force, options.Credential, options.SpoolDirectory, cancellationToken).ConfigureAwait(false);
            }
        }

        /// <summary>
        /// The engine holds the image for another platform only (a local build on Apple Silicon or Windows on ARM): the
        /// registry may have the wanted one. Pulling it into the engine would retag the user's image, so it is read from
        /// the registry directly.
        /// </summary>
        private static async Task<ResolvedImage> OpenOtherPlatformAsync(string image, ImagePlatform local, string endpoint, ImageSourceOptions options, IEngineReporter reporter, CancellationToken cancellationToken)
        {
            reporter.Warning($"The Docker engine at {endpoint} has '{image}' only as a {local} image; converting its {options.Platform} image from its registry instead.");
            try
            {
                return await OciRegistrySource.OpenAsync(image, options.Platform, false, options.Credential, options.AllowInsecureHttp, reporter, options.RegistryResponseTimeout, cancellationToken).ConfigureAwait(false);
            }
            catch (GolemImageException ex)
            {
                throw new GolemImageException(ErrorIds.UnsupportedPlatform,
                    GolemErrorCategory.InvalidArgument,
                    $"The Docker engine at {endpoint} has '{image}' only as a {local} image, and its registry gives no {options.Platform} image ({ex.Message.TrimEnd('.')}). "
                    + $"Golem providers run {options.Platform}: if the image was built here and never pushed, build it with 'docker build --platform {options.Platform} ...'; -Force converts the {local} image anyway.",
                    image,
                    ex);
            }
        }

        private static async Task<ResolvedImage> OpenRegistryAsync(string image, ImageSourceOptions options, string? dockerReason, IEngineReporter reporter, CancellationToken cancellationToken)
        {
            try
            {
                return await OciRegistrySource.OpenAsync(image, options.Platform, options.Force, options.Credential, options.AllowInsecureHttp, reporter, options.RegistryResponseTimeout, cancellationToken).ConfigureAwait(false);
            }
            catch (GolemImageException ex) when (dockerReason != null)
            {
                throw new GolemImageException(ex.ErrorId, ex.Category, $"{ex.Message.TrimEnd('.')}. (The registry was used because no Docker engine was: {dockerReason.TrimEnd('.')}.)", ex.Target, ex);
            }
        }

        /// <summary>A failure to find or reach a usable engine, after which -Source Auto tries the registry.</summary>
        internal static bool IsDockerSetupProblem(GolemImageException exception) =>
            exception.ErrorId.StartsWith("Docker", StringComparison.Ordinal) && exception.ErrorId != "DockerError";
    }
}
