using System;
using System.IO.Compression;

namespace GolemImage.Compression.Lzo
{
    /// <summary>
    /// LZO1X block compressor for squashfs (compressor id 3). Three levels:
    /// <list type="bullet">
    /// <item>Fastest: LZO1X-1 class (single hash probe, skip-ahead on incompressible data).</item>
    /// <item>Optimal (the default): hash chains and lazy matching with the short M1/M2 codes.</item>
    /// <item>SmallestSize: a cost-exact shortest-path parse over all match candidates (lzo1x_999 class size).</item>
    /// </list>
    /// The output is plain LZO1X (bitstream version 0, ending 0x11 0x00 0x00) and depends only on the input and
    /// the level. An instance keeps its work memory between blocks and must be used by one thread at a time.
    /// </summary>
    public sealed unsafe class LzoBlockCompressor : IBlockCompressor
    {
        // Search depth and "good enough" match length, tuned on /usr/lib/llvm-14 + python3.11 in 128 KiB blocks
        // against liblzo2: Optimal ~1.06x lzo1x_999/8's size at ~1/10 of its time. SmallestSize (tree depth,
        // length that ends a search, length taken whole): ~0.990x lzo1x_999/8's size at ~0.55x its time.
        private const int OptimalChainDepth = 8;
        private const int OptimalNiceLength = 32;
        private const int OptimalSkipLength = 48;
        private const int SmallestTreeDepth = 128;
        private const int SmallestNiceLength = 128;
        private const int SmallestSkipLength = 48;

        private readonly LzoFastEncoder? _fast;
        private readonly LzoLazyEncoder? _lazy;
        private readonly LzoOptimalEncoder? _optimal;
        private byte[] _scratch = Array.Empty<byte>();

        public LzoBlockCompressor()
            : this(CompressionLevel.Optimal)
        {
        }

        public LzoBlockCompressor(CompressionLevel level)
        {
            Level = level;
            switch ((int)level)
            {
                case (int)CompressionLevel.Optimal:
                    _lazy = new LzoLazyEncoder(OptimalChainDepth, OptimalNiceLength, OptimalSkipLength);
                    break;
                case (int)CompressionLevel.Fastest:
                    _fast = new LzoFastEncoder();
                    break;
                case SmallestSizeValue:
                    _optimal = new LzoOptimalEncoder(SmallestTreeDepth, SmallestNiceLength, SmallestSkipLength);
                    break;
                default:
                    throw new ArgumentOutOfRangeException(nameof(level), level, "LZO supports the compression levels Optimal, Fastest and SmallestSize.");
            }
        }

        /// <summary>CompressionLevel.SmallestSize, which netstandard2.0's enum lacks (same value on .NET 6+).</summary>
        internal const int SmallestSizeValue = 3;

        public CompressionAlgorithm Algorithm => CompressionAlgorithm.Lzo;

        public CompressionLevel Level { get; }

        /// <summary>The most bytes <see cref="Encode"/> can write for <paramref name="sourceLength"/> input bytes.</summary>
        public static int MaxEncodedLength(int sourceLength) => LzoEncoding.MaxEncodedLength(sourceLength);

        public int Compress(ReadOnlySpan<byte> source, Span<byte> destination)
        {
            int bound = LzoEncoding.MaxEncodedLength(source.Length);
            if (destination.Length >= bound)
            {
                int written = Encode(source, destination);
                return written < source.Length ? written : -1;
            }

            if (_scratch.Length < bound)
            {
                _scratch = new byte[bound];
            }

            int length = Encode(source, _scratch);
            if (length >= source.Length || length > destination.Length)
            {
                return -1;
            }

            _scratch.AsSpan(0, length).CopyTo(destination);
            return length;
        }

        /// <summary>
        /// Encodes <paramref name="source"/> whether or not that makes it smaller; <paramref name="destination"/>
        /// must hold <see cref="MaxEncodedLength"/> bytes. Returns the encoded length.
        /// </summary>
        public int Encode(ReadOnlySpan<byte> source, Span<byte> destination)
        {
            if (destination.Length < LzoEncoding.MaxEncodedLength(source.Length))
            {
                throw new ArgumentException($"The destination must hold at least {LzoEncoding.MaxEncodedLength(source.Length)} bytes.", nameof(destination));
            }

            fixed (byte* input = source)
            fixed (byte* output = destination)
            {
                if (_fast != null)
                {
                    return _fast.Encode(input, source.Length, output);
                }

                if (_lazy != null)
                {
                    return _lazy.Encode(input, source.Length, output);
                }

                return _optimal!.Encode(input, source.Length, output);
            }
        }
    }
}
