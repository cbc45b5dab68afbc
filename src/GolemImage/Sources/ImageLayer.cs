using System;
using System.IO;
using System.Threading;
using System.Threading.Tasks;
using GolemImage.Reporting;

namespace GolemImage.Sources
{
    /// <summary>
    /// One layer of an image: how to open its blob (as stored: plain, gzip or zstd tar) and what its digests must be.
    /// A layer can be opened more than once (the flattener re-reads a layer in the rare case of a hard link whose
    /// target a newer layer replaced). The opener is handed the reporter of whoever reads the layer, which may live
    /// longer or shorter than the one the image was resolved with (the cmdlets resolve first, convert later).
    /// </summary>
    public sealed class ImageLayer
    {
        private readonly Func<IEngineReporter, CancellationToken, Task<Stream>> open;

        public ImageLayer(int index, string description, string? blobDigest, string? diffId, long size, Func<IEngineReporter, CancellationToken, Task<Stream>> open, string corruptionErrorId)
        {
            Index = index;
            Description = description;
            BlobDigest = blobDigest;
            DiffId = diffId;
            Size = size;
            this.open = open;
            CorruptionErrorId = corruptionErrorId;
        }

        /// <summary>0 for the base layer.</summary>
        public int Index { get; }

        /// <summary>Names the layer in messages ("layer 2 (sha256:...) of image.tar").</summary>
        public string Description { get; }

        /// <summary>"sha256:..." of the stored blob when the source declares one (OCI descriptors, registries).</summary>
        public string? BlobDigest { get; }

        /// <summary>"sha256:..." of the uncompressed tar, from the image config.</summary>
        public string? DiffId { get; }

        /// <summary>Stored size in bytes, or -1 when unknown.</summary>
        public long Size { get; }

        /// <summary>The ErrorId used when the blob does not match its digest or cannot be decoded (InvalidArchive, RegistryError).</summary>
        public string CorruptionErrorId { get; }

        public Task<Stream> OpenRawAsync(IEngineReporter reporter, CancellationToken cancellationToken) => open(reporter, cancellationToken);
    }
}
