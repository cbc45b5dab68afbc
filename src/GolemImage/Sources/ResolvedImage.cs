using System;
using System.Collections.Generic;

namespace GolemImage.Sources
{
    /// <summary>
    /// An image found by a source: its configuration and its layers (base first), ready to be flattened. Disposing
    /// it releases what the source holds for it (temporary files of a docker save, open handles).
    /// </summary>
    public sealed class ResolvedImage : IDisposable
    {
        private readonly List<Action> cleanups = new List<Action>();

        public ResolvedImage(ImageConfig config, IReadOnlyList<ImageLayer> layers, string? reference, string sourceKind, string sourceDescription)
        {
            Config = config;
            Layers = layers;
            Reference = reference;
            SourceKind = sourceKind;
            SourceDescription = sourceDescription;
        }

        public ImageConfig Config { get; }

        public IReadOnlyList<ImageLayer> Layers { get; }

        /// <summary>The image's name as the user knows it ("alpine:3.20"), or null for an unnamed image.</summary>
        public string? Reference { get; }

        /// <summary>Docker, Archive or Registry.</summary>
        public string SourceKind { get; }

        /// <summary>Where it came from, for messages ("docker-save archive /tmp/x.tar").</summary>
        public string SourceDescription { get; }

        public string ImageId => Config.ImageId;

        internal void OnDispose(Action cleanup) => cleanups.Add(cleanup);

        public void Dispose()
        {
            for (int i = cleanups.Count - 1; i >= 0; i--)
            {
                try
                {
                    cleanups[i]();
                }
                catch (Exception)
                {
                    // Cleanup is best effort: a failure to delete a temporary file must not hide the real outcome.
                }
            }

            cleanups.Clear();
        }
    }
}
