using System.Collections.Generic;

namespace GolemImage.Registry
{
    /// <summary>What the registry knows about one descriptor (GET /v1/image/descr/{sha256}).</summary>
    public sealed class DescriptorStatus
    {
        public DescriptorStatus(bool known, string? status, IReadOnlyList<bool> chunksStored)
        {
            Known = known;
            Status = status;
            ChunksStored = chunksStored;
        }

        /// <summary>The registry holds the descriptor ("descriptor": "ok").</summary>
        public bool Known { get; }

        /// <summary>"full" once every chunk is stored and the image verified.</summary>
        public string? Status { get; }

        public bool IsFull => Status == "full";

        /// <summary>One flag per chunk number: the registry already stores that chunk.</summary>
        public IReadOnlyList<bool> ChunksStored { get; }
    }
}
