using System;
using System.Buffers.Binary;
using System.IO;

namespace GolemImage.Squashfs.Reading
{
    /// <summary>The 96-byte squashfs 4.0 superblock at offset 0, decoded as stored (nothing validated here).</summary>
    public sealed class SquashfsSuperblock
    {
        public const int Size = 96;

        public const uint ExpectedMagic = 0x73717368;

        /// <summary>The "absent" value of the optional table pointers.</summary>
        public const ulong NoTable = ulong.MaxValue;

        public const ushort CompressorOptionsFlag = 0x0400;

        private SquashfsSuperblock()
        {
        }

        public uint Magic { get; private set; }

        public uint InodeCount { get; private set; }

        public uint ModificationTime { get; private set; }

        public uint BlockSize { get; private set; }

        public uint FragmentCount { get; private set; }

        public ushort CompressionId { get; private set; }

        public ushort BlockLog { get; private set; }

        public ushort Flags { get; private set; }

        public ushort IdCount { get; private set; }

        public ushort VersionMajor { get; private set; }

        public ushort VersionMinor { get; private set; }

        public ulong RootInode { get; private set; }

        public ulong BytesUsed { get; private set; }

        public ulong IdTableStart { get; private set; }

        public ulong XattrIdTableStart { get; private set; }

        public ulong InodeTableStart { get; private set; }

        public ulong DirectoryTableStart { get; private set; }

        public ulong FragmentTableStart { get; private set; }

        public ulong LookupTableStart { get; private set; }

        /// <summary>mkfs time as a UTC date (the field is unsigned seconds since 1970).</summary>
        public DateTime Created => new DateTime(1970, 1, 1, 0, 0, 0, DateTimeKind.Utc).AddSeconds(ModificationTime);

        /// <summary>The compressor as mksquashfs names it (gzip, lzma, lzo, xz, lz4, zstd), or "unknown(N)".</summary>
        public string CompressionName => NameOfCompression(CompressionId);

        /// <summary>
        /// True for the compressors the Golem provider kernel's squashfs driver reads (gzip, lzo, xz, lz4): not zstd,
        /// which that kernel is built without, nor lzma (id 2), which no Linux kernel reads.
        /// </summary>
        public bool MountableByGolemProviders => CompressionId == 1 || CompressionId == 3 || CompressionId == 4 || CompressionId == 5;

        public static string NameOfCompression(int id)
        {
            switch (id)
            {
                case 1: return "gzip";
                case 2: return "lzma";
                case 3: return "lzo";
                case 4: return "xz";
                case 5: return "lz4";
                case 6: return "zstd";
                default: return $"unknown({id})";
            }
        }

        /// <summary>Decodes the first 96 bytes of <paramref name="bytes"/>.</summary>
        public static SquashfsSuperblock Parse(ReadOnlySpan<byte> bytes)
        {
            if (bytes.Length < Size)
            {
                throw new ArgumentException($"A squashfs superblock is {Size} bytes; got {bytes.Length}.", nameof(bytes));
            }

            return new SquashfsSuperblock
            {
                Magic = BinaryPrimitives.ReadUInt32LittleEndian(bytes),
                InodeCount = BinaryPrimitives.ReadUInt32LittleEndian(bytes.Slice(4)),
                ModificationTime = BinaryPrimitives.ReadUInt32LittleEndian(bytes.Slice(8)),
                BlockSize = BinaryPrimitives.ReadUInt32LittleEndian(bytes.Slice(12)),
                FragmentCount = BinaryPrimitives.ReadUInt32LittleEndian(bytes.Slice(16)),
                CompressionId = BinaryPrimitives.ReadUInt16LittleEndian(bytes.Slice(20)),
                BlockLog = BinaryPrimitives.ReadUInt16LittleEndian(bytes.Slice(22)),
                Flags = BinaryPrimitives.ReadUInt16LittleEndian(bytes.Slice(24)),
                IdCount = BinaryPrimitives.ReadUInt16LittleEndian(bytes.Slice(26)),
                VersionMajor = BinaryPrimitives.ReadUInt16LittleEndian(bytes.Slice(28)),
                VersionMinor = BinaryPrimitives.ReadUInt16LittleEndian(bytes.Slice(30)),
                RootInode = BinaryPrimitives.ReadUInt64LittleEndian(bytes.Slice(32)),
                BytesUsed = BinaryPrimitives.ReadUInt64LittleEndian(bytes.Slice(40)),
                IdTableStart = BinaryPrimitives.ReadUInt64LittleEndian(bytes.Slice(48)),
                XattrIdTableStart = BinaryPrimitives.ReadUInt64LittleEndian(bytes.Slice(56)),
                InodeTableStart = BinaryPrimitives.ReadUInt64LittleEndian(bytes.Slice(64)),
                DirectoryTableStart = BinaryPrimitives.ReadUInt64LittleEndian(bytes.Slice(72)),
                FragmentTableStart = BinaryPrimitives.ReadUInt64LittleEndian(bytes.Slice(80)),
                LookupTableStart = BinaryPrimitives.ReadUInt64LittleEndian(bytes.Slice(88)),
            };
        }

        /// <summary>
        /// Reads the superblock at offset 0 of <paramref name="seekable"/>; an InvalidSquashfs error
        /// naming <paramref name="sourceName"/> when the file is too short or lacks the "hsqs" magic.
        /// </summary>
        public static SquashfsSuperblock Read(Stream seekable, string? sourceName)
        {
            string source = sourceName ?? "the image";
            var bytes = new byte[Size];
            seekable.Seek(0, SeekOrigin.Begin);
            int filled = 0;
            while (filled < Size)
            {
                int read = seekable.Read(bytes, filled, Size - filled);
                if (read == 0)
                {
                    throw new GolemImageException(ErrorIds.InvalidSquashfs, GolemErrorCategory.InvalidData, $"'{source}' is {filled} bytes long, too short for a squashfs superblock ({Size} bytes).", sourceName);
                }

                filled += read;
            }

            SquashfsSuperblock superblock = Parse(bytes);
            if (superblock.Magic != ExpectedMagic)
            {
                throw new GolemImageException(ErrorIds.InvalidSquashfs, GolemErrorCategory.InvalidData, $"'{source}' is not a squashfs image: it starts with 0x{superblock.Magic:x8} instead of the magic \"hsqs\".", sourceName);
            }

            return superblock;
        }
    }
}
