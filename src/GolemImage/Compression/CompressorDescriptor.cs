using System;
using System.IO;
using System.IO.Compression;

namespace GolemImage.Compression
{
    /// <summary>
    /// One row of <see cref="CompressorTable"/>: everything the module knows about one squashfs compressor. Writers,
    /// readers, the validator and the cmdlets ask the row instead of naming the compressor themselves.
    /// </summary>
    public sealed class CompressorDescriptor
    {
        private readonly Func<CompressionLevel, int>? _nativeLevel;
        private readonly Func<CompressionLevel, int, IBlockCompressor>? _createCompressor;
        private readonly Func<CompressorOptions, IBlockDecompressor>? _createDecompressor;
        private readonly Func<CompressionLevel, int, byte[]?> _writeOptions;
        private readonly Func<byte[]?, int, CompressorOptions> _readOptions;
        private readonly Func<CompressionLevel, IBlockCompressor>? _createMetadataCompressor;

        /// <param name="algorithm">The squashfs id.</param>
        /// <param name="name">The name mksquashfs -comp and unsquashfs -stat use.</param>
        /// <param name="mount">Who can mount images of this compressor.</param>
        /// <param name="notMountableReason">Why Golem providers cannot mount it (a clause), when they cannot.</param>
        /// <param name="nativeLevel">Our level to the compressor's own level number (null: it has none).</param>
        /// <param name="createCompressor">(level, block size) to a compressor; null while this module cannot write it.</param>
        /// <param name="createDecompressor">
        /// The image's options (as <paramref name="readOptions"/> decodes them) to a decompressor that reads what the kernel
        /// would read with them (xz: streams whose dictionary fits the options block's); null while this module cannot read it.
        /// </param>
        /// <param name="writeOptions">(level, block size) to the options block payload, null where the defaults describe it.</param>
        /// <param name="readOptions">(payload or null when absent, block size) to the options; InvalidDataException when a reader would refuse them.</param>
        /// <param name="createMetadataCompressor">
        /// level to a compressor for the 8 KiB metadata blocks, where they need other settings than data blocks (xz: an
        /// 8 KiB dictionary, no BCJ filter); null: the data block compressor serves both.
        /// </param>
        internal CompressorDescriptor(
            CompressionAlgorithm algorithm,
            string name,
            CompressorMount mount,
            string? notMountableReason,
            Func<CompressionLevel, int>? nativeLevel,
            Func<CompressionLevel, int, IBlockCompressor>? createCompressor,
            Func<CompressorOptions, IBlockDecompressor>? createDecompressor,
            Func<CompressionLevel, int, byte[]?> writeOptions,
            Func<byte[]?, int, CompressorOptions> readOptions,
            Func<CompressionLevel, IBlockCompressor>? createMetadataCompressor = null)
        {
            if (mount != CompressorMount.GolemProviders && string.IsNullOrEmpty(notMountableReason))
            {
                throw new ArgumentException("A compressor Golem providers cannot mount needs the reason.", nameof(notMountableReason));
            }

            Algorithm = algorithm;
            Name = name;
            Mount = mount;
            NotMountableReason = notMountableReason;
            _nativeLevel = nativeLevel;
            _createCompressor = createCompressor;
            _createDecompressor = createDecompressor;
            _writeOptions = writeOptions;
            _readOptions = readOptions;
            _createMetadataCompressor = createMetadataCompressor;
        }

        public CompressionAlgorithm Algorithm { get; }

        /// <summary>The superblock compression id.</summary>
        public ushort Id => (ushort)Algorithm;

        /// <summary>The compressor as mksquashfs names it (gzip, lzo, xz, ...); Get-GolemImage shows it.</summary>
        public string Name { get; }

        public CompressorMount Mount { get; }

        /// <summary>True when the Golem provider kernel's squashfs driver reads it.</summary>
        public bool MountableByGolemProviders => Mount == CompressorMount.GolemProviders;

        /// <summary>Why Golem providers cannot mount it (a clause: "the Golem provider kernel ... lacks ..."), or null.</summary>
        public string? NotMountableReason { get; }

        /// <summary>True when this module writes images with it (ConvertTo-GolemImage offers exactly these).</summary>
        public bool CanWrite => _createCompressor != null;

        /// <summary>True when this module decompresses its blocks (Test-GolemImage's Volumes check, duplicate checks).</summary>
        public bool CanRead => _createDecompressor != null;

        /// <summary>The compressor's own level number for <paramref name="level"/> (zlib 1..9, zstd 1..22, lz4 0/1 = HC, lzo1x_999 level); 0 when it has none.</summary>
        public int NativeLevel(CompressionLevel level) => _nativeLevel?.Invoke(level) ?? 0;

        /// <summary>A compressor for one worker thread; a clear error when this module cannot write this compressor.</summary>
        public IBlockCompressor CreateCompressor(CompressionLevel level, int blockSize)
        {
            EnsureCanWrite();
            return _createCompressor!(level, blockSize);
        }

        /// <summary>
        /// A compressor for one image's metadata blocks (inode, directory, lookup and xattr tables), for images of
        /// <paramref name="blockSize"/> blocks; a clear error when this module cannot write this compressor.
        /// </summary>
        public IBlockCompressor CreateMetadataCompressor(CompressionLevel level, int blockSize)
        {
            EnsureCanWrite();
            return _createMetadataCompressor != null ? _createMetadataCompressor(level) : _createCompressor!(level, blockSize);
        }

        /// <summary>A GolemImageException (CompressorNotAvailable) naming the compressor when this module cannot write it.</summary>
        public void EnsureCanWrite()
        {
            if (_createCompressor == null)
            {
                throw new GolemImageException(ErrorIds.CompressorNotAvailable,
                    GolemErrorCategory.NotImplemented,
                    $"This version of GolemImage cannot write {Name} squashfs images yet; use {CompressorTable.DescribeWritable()}.",
                    Name);
            }
        }

        /// <summary>
        /// A decompressor for the blocks of an image with <paramref name="options"/> (its options block as
        /// <see cref="ReadOptions"/> decodes it, or the defaults it implies), or null when this module cannot read this
        /// compressor's blocks.
        /// </summary>
        public IBlockDecompressor? TryCreateDecompressor(CompressorOptions options) => _createDecompressor?.Invoke(options);

        /// <summary>
        /// A decompressor for the blocks of an image of <paramref name="blockSize"/> blocks whose options block is
        /// <paramref name="payload"/> (null: absent); null when this module cannot read this compressor's blocks, and
        /// <see cref="InvalidDataException"/> when the options would be refused.
        /// </summary>
        public IBlockDecompressor? TryCreateDecompressor(byte[]? payload, int blockSize) =>
            _createDecompressor == null ? null : _createDecompressor(ReadOptions(payload, blockSize));

        /// <summary>The payload of the compressor-options metadata block for these settings, or null when none is written.</summary>
        public byte[]? WriteOptions(CompressionLevel level, int blockSize) => _writeOptions(level, blockSize);

        /// <summary>
        /// Decodes the options block an image carries (<paramref name="payload"/> null: the image has none, so the
        /// compressor's defaults apply). Throws <see cref="InvalidDataException"/> when the kernel or unsquashfs would
        /// refuse the block (or its absence).
        /// </summary>
        public CompressorOptions ReadOptions(byte[]? payload, int blockSize) => _readOptions(payload, blockSize);

        public override string ToString() => Name;
    }
}
