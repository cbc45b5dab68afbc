using System;
using GolemImage.Compression;

namespace GolemImage.Squashfs
{
    /// <summary>How <see cref="SquashfsWriter"/> builds the image. The defaults give reproducible output.</summary>
    public sealed class SquashfsWriterOptions
    {
        private int _blockSize = 131072;

        public CompressionSettings Compression { get; set; } = new CompressionSettings(CompressorTable.Default.Algorithm);

        /// <summary>Data block size: a power of two, 4096..1048576 (kernels with 64 KiB pages need >= 65536).</summary>
        public int BlockSize
        {
            get => _blockSize;
            set
            {
                if (value < 4096 || value > 1048576 || (value & (value - 1)) != 0)
                {
                    throw new ArgumentOutOfRangeException(nameof(BlockSize), value, "The block size must be a power of two from 4096 to 1048576.");
                }

                _blockSize = value;
            }
        }

        /// <summary>Compression threads; 0 = one per processor. The output never depends on it.</summary>
        public int WorkerCount { get; set; }

        /// <summary>The superblock creation time (unix seconds). Fixed so that the same input gives the same bytes.</summary>
        public long MkfsTime { get; set; }

        /// <summary>The mtime of directories that are only implied by their children's paths.</summary>
        public long DefaultModificationTime { get; set; }

        /// <summary>Store files with identical content once (they share blocks; not hard links).</summary>
        public bool Deduplicate { get; set; } = true;

        /// <summary>Blocks read ahead of the writer per worker; bounds memory to about 2 x block size x this x workers.</summary>
        public int BlocksInFlightPerWorker { get; set; } = 4;

        /// <summary>
        /// Test seam: maps a file's XxHash128 to the hash used to find duplicate candidates, so that tests can make
        /// files of the same size with different content collide.
        /// </summary>
        internal Func<byte[], byte[]>? ContentHashForTests { get; set; }

        internal int EffectiveWorkerCount => WorkerCount > 0 ? WorkerCount : Math.Max(1, Environment.ProcessorCount);
    }
}
