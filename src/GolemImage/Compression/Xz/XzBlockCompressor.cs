using System;
using System.IO.Compression;

namespace GolemImage.Compression.Xz
{
    /// <summary>
    /// xz block compressor for squashfs (compressor id 4): each block becomes one complete .xz stream (stream header,
    /// one block of LZMA2, optionally behind the x86 BCJ filter, a CRC32 check, the index and the footer), the
    /// form the kernel's embedded xz decoder reads. The stream's dictionary is the configured one (the options
    /// block's, which the kernel preallocates), or less for a smaller block. Levels:
    /// <list type="bullet">
    /// <item>Fastest: a greedy parse with one position of lazy look-ahead and no prices over hash chains (48 deep, nice length 128).</item>
    /// <item>Optimal (the default): a price-based optimal parse over binary-tree matches (nice length 64, depth 48), liblzma preset 6's class.</item>
    /// <item>SmallestSize: Optimal, and each block also through the x86 BCJ filter, keeping the smaller stream (mksquashfs -Xbcj x86).</item>
    /// </list>
    /// The output depends only on the input and the settings. An instance keeps its work memory between blocks
    /// and must be used by one thread at a time.
    /// </summary>
    public sealed unsafe class XzBlockCompressor : IBlockCompressor
    {
        /// <summary>The dictionary of a default squashfs image: its 128 KiB block size.</summary>
        public const int DefaultDictionarySize = 128 * 1024;

        /// <summary>The dictionary mksquashfs uses for metadata blocks.</summary>
        public const int MetadataDictionarySize = 8192;

        private const int SmallestSizeValue = 3;

        private readonly LzmaEncoder _encoder;
        private readonly bool _tryX86;
        private byte[] _plain = Array.Empty<byte>();
        private byte[] _filteredStream = Array.Empty<byte>();
        private byte[] _filtered = Array.Empty<byte>();

        public XzBlockCompressor()
            : this(CompressionLevel.Optimal, DefaultDictionarySize)
        {
        }

        /// <summary>A data-block compressor: SmallestSize tries the x86 filter on each block, the other levels do not.</summary>
        public XzBlockCompressor(CompressionLevel level, int dictionarySize)
            : this(level, dictionarySize, (int)level == SmallestSizeValue)
        {
        }

        /// <param name="level">Fastest, Optimal or SmallestSize.</param>
        /// <param name="dictionarySize">
        /// The options block's dictionary: the image's block size for data, <see cref="MetadataDictionarySize"/> for a
        /// metadata compressor. A power of two or 3 * 2^n, at least 8 KiB (mksquashfs's rule), at most 1 GiB.
        /// </param>
        /// <param name="tryX86">Whether each block is also tried through the x86 BCJ filter (never for metadata).</param>
        public XzBlockCompressor(CompressionLevel level, int dictionarySize, bool tryX86)
        {
            if (dictionarySize < MetadataDictionarySize || dictionarySize > (1 << 30) || XzFormat.DictionarySizeOf(XzFormat.DictionaryByteFor(dictionarySize)) != dictionarySize)
            {
                throw new ArgumentOutOfRangeException(nameof(dictionarySize), dictionarySize, "The xz dictionary must be 2^n or 3 * 2^n bytes, from 8 KiB to 1 GiB.");
            }

            switch ((int)level)
            {
                case (int)CompressionLevel.Fastest:
                    _encoder = new LzmaEncoder(niceLength: 128, depth: 48, hashChain: true, fastParse: true);
                    break;
                case (int)CompressionLevel.Optimal:
                case SmallestSizeValue:
                    _encoder = new LzmaEncoder(niceLength: 64, depth: 48, hashChain: false, fastParse: false);
                    break;
                default:
                    throw new ArgumentOutOfRangeException(nameof(level), level, "xz supports the compression levels Optimal, Fastest and SmallestSize.");
            }

            Level = level;
            DictionarySize = dictionarySize;
            _tryX86 = tryX86;
            Options = new XzOptions(dictionarySize, tryX86 ? XzOptions.X86Filter : 0);
        }

        public CompressionAlgorithm Algorithm => (CompressionAlgorithm)XzFormat.SquashfsId;

        public CompressionLevel Level { get; }

        public int DictionarySize { get; }

        /// <summary>The values for the image's xz options block.</summary>
        public XzOptions Options { get; }

        /// <summary>The most bytes one stream can take for <paramref name="sourceLength"/> input bytes.</summary>
        public static int MaxStreamLength(int sourceLength) =>
            XzFormat.StreamHeaderSize + 16 + LzmaEncoder.MaxEncodedLength(sourceLength) + 3 + 4 + 32 + XzFormat.StreamFooterSize;

        public int Compress(ReadOnlySpan<byte> source, Span<byte> destination)
        {
            ReadOnlySpan<byte> stream = EncodeSmallest(source);
            if (stream.Length >= source.Length || stream.Length > destination.Length)
            {
                return -1;
            }

            stream.CopyTo(destination);
            return stream.Length;
        }

        /// <summary>The stream for <paramref name="source"/>, whether or not it is smaller (for tests and tools).</summary>
        public byte[] Encode(ReadOnlySpan<byte> source, bool x86) => EncodeInto(source, x86, ref _plain).ToArray();

        private ReadOnlySpan<byte> EncodeSmallest(ReadOnlySpan<byte> source)
        {
            ReadOnlySpan<byte> plain = EncodeInto(source, false, ref _plain);
            if (!_tryX86)
            {
                return plain;
            }

            ReadOnlySpan<byte> filtered = EncodeInto(source, true, ref _filteredStream);
            return filtered.Length < plain.Length ? filtered : plain;
        }

        private ReadOnlySpan<byte> EncodeInto(ReadOnlySpan<byte> source, bool x86, ref byte[] buffer)
        {
            int bound = MaxStreamLength(source.Length);
            if (buffer.Length < bound)
            {
                buffer = new byte[bound];
            }

            ReadOnlySpan<byte> input = source;
            if (x86)
            {
                if (_filtered.Length < source.Length)
                {
                    _filtered = new byte[source.Length];
                }

                source.CopyTo(_filtered);
                fixed (byte* f = _filtered)
                {
                    BcjX86.Encode(f, source.Length);
                }

                input = new ReadOnlySpan<byte>(_filtered, 0, source.Length);
            }

            // A smaller block needs no more dictionary than itself; the kernel accepts any size up to the options block's.
            int dictionary = (int)Math.Min(DictionarySize, XzFormat.DictionarySizeOf(XzFormat.DictionaryByteFor(Math.Max(source.Length, XzFormat.MinDictionarySize))));
            Span<byte> output = buffer;
            int p = XzFormat.WriteStreamHeader(output);
            int blockStart = p;
            int headerSize = XzFormat.WriteBlockHeader(output.Slice(p), x86, XzFormat.DictionaryByteFor(dictionary));
            p += headerSize;
            int compressed;
            fixed (byte* data = input)
            fixed (byte* o = output)
            {
                compressed = _encoder.Encode(data, input.Length, o + p);
            }

            p += compressed;
            while (((p - blockStart) & 3) != 0)
            {
                output[p++] = 0;
            }

            XzFormat.WriteUInt32(output.Slice(p), XzFormat.Crc32Of(source));
            p += 4;
            int indexSize = XzFormat.WriteIndex(output.Slice(p), headerSize + compressed + 4, source.Length);
            p += indexSize;
            p += XzFormat.WriteStreamFooter(output.Slice(p), indexSize);
            return new ReadOnlySpan<byte>(buffer, 0, p);
        }
    }
}
