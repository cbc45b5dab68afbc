using System;
using System.Collections.Generic;
using System.Linq;
using GolemImage.Reporting;

namespace GolemImage.Sources
{
    /// <summary>Chooses one manifest of an image index for the requested platform.</summary>
    internal static class PlatformSelector
    {
        public static OciDescriptor Select(IReadOnlyList<OciDescriptor> manifests, ImagePlatform wanted, bool force, string context, IEngineReporter reporter)
        {
            List<OciDescriptor> images = manifests.Where(m => !IsAttestation(m)).ToList();
            if (images.Count == 0)
            {
                throw new GolemImageException(ErrorIds.InvalidImage, GolemErrorCategory.InvalidData, $"{context} lists no image manifests.", context);
            }

            OciDescriptor? match = images.FirstOrDefault(m => m.Platform != null && wanted.Matches(m.Platform));
            if (match != null)
            {
                return match;
            }

            // An index entry without a platform is what single-image layouts (docker save, umoci) write.
            if (images.Count == 1 && images[0].Platform == null)
            {
                return images[0];
            }

            string available = string.Join(", ", images.Select(m => m.Platform?.ToString() ?? "unknown"));
            if (force)
            {
                reporter.Warning($"{context} has no {wanted} image (it has {available}); -Force converts {images[0].Platform?.ToString() ?? "the first image"} instead, which Golem providers (x86_64) cannot run.");
                return images[0];
            }

            throw new GolemImageException(
                ErrorIds.UnsupportedPlatform,
                GolemErrorCategory.InvalidArgument,
                $"{context} has no image for {wanted}; it has {available}. Golem providers run linux/amd64 (x86_64) images; use -Force to convert another platform anyway.",
                context);
        }

        private static bool IsAttestation(OciDescriptor descriptor) =>
            descriptor.Annotation("vnd.docker.reference.type") == "attestation-manifest"
            || (descriptor.Platform != null && descriptor.Platform.Os == "unknown" && descriptor.Platform.Architecture == "unknown");

        /// <summary>Refuses (or, with force, warns about) an image whose config is not for a Golem provider.</summary>
        public static void CheckConfig(ImageConfig config, ImagePlatform wanted, bool force, string context, IEngineReporter reporter)
        {
            if (wanted.Matches(config.Platform))
            {
                if (!config.Platform.IsGolemCompatible)
                {
                    reporter.Warning($"{context} is a {config.Platform} image; Golem providers run linux/amd64 (x86_64) images.");
                }

                return;
            }

            if (force)
            {
                reporter.Warning($"{context} is a {config.Platform} image, not {wanted}; converting it anyway because of -Force. Golem providers run linux/amd64 (x86_64) images.");
                return;
            }

            throw new GolemImageException(
                ErrorIds.UnsupportedPlatform,
                GolemErrorCategory.InvalidArgument,
                $"{context} is a {config.Platform} image, not {wanted}. Golem providers run linux/amd64 (x86_64) images; use -Force to convert it anyway.",
                context);
        }
    }
}
