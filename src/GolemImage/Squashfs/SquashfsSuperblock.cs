using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.IO;
using GolemImage.Compression;
using GolemImage.Squashfs.Reading;

namespace GolemImage.Squashfs
{
    /// <summary>
    /// The 96-byte squashfs 4.0 superblock at offset 0: the one layout the writer encodes (<see cref="Write"/>) and the
    /// readers decode (<see cref="Parse"/>, <see cref="Read"/>). Parse validates nothing; Read refuses what no reader may
    /// show or trust; ImageValidator checks the rest.
    /// </summary>
    public sealed class SquashfsSuperblock
    {
        public const int Size = 96;

        /// <summary>"hsqs" on disk.</summary>
        public const uint ExpectedMagic = 0x73717368;

        /// <summary>The only version Linux mounts: 4.0.</summary>
        public const ushort SupportedMajorVersion = 4;

        /// <summary>The "absent" value of the optional table pointers.</summary>
        public const ulong NoTable = ulong.MaxValue;

        public uint Magic { get; internal set; } = ExpectedMagic;

        public uint InodeCount { get; internal set; }

        public uint ModificationTime { get; internal set; }

        public uint BlockSize { get; internal set; }

        public uint FragmentCount { get; internal set; }

        public ushort CompressionId { get; internal set; }

        public ushort BlockLog { get; internal set; }

        public SquashfsFlags Flags { get; internal set; }

        public ushort IdCount { get; internal set; }

        public ushort VersionMajor { get; internal set; } = SupportedMajorVersion;

        public ushort VersionMinor { get; internal set; }

        public ulong RootInode { get; internal set; }

        public ulong BytesUsed { get; internal set; }

        public ulong IdTableStart { get; internal set; }

        public ulong XattrIdTableStart { get; internal set; } = NoTable;

        public ulong InodeTableStart { get; internal set; }

        public ulong DirectoryTableStart { get; internal set; }

        public ulong FragmentTableStart { get; internal set; }

        public ulong LookupTableStart { get; internal set; } = NoTable;

        /// <summary>mkfs time as a UTC date (the field is unsigned seconds since 1970).</summary>
        public DateTime Created => new DateTime(1970, 1, 1, 0, 0, 0, DateTimeKind.Utc).AddSeconds(ModificationTime);

        /// <summary>The compressor's row, or null for an id no squashfs tool knows.</summary>
        public CompressorDescriptor? Compressor => CompressorTable.Find(CompressionId);

        /// <summary>The compressor as mksquashfs names it (gzip, lzo, xz, ...), or "unknown(N)".</summary>
        public string CompressionName => CompressorTable.NameOf(CompressionId);

        /// <summary>True for the compressors the Golem provider kernel's squashfs driver reads (see <see cref="CompressorTable"/>).</summary>
        public bool MountableByGolemProviders => Compressor?.MountableByGolemProviders == true;

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
                Flags = (SquashfsFlags)BinaryPrimitives.ReadUInt16LittleEndian(bytes.Slice(24)),
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
        /// naming <paramref name="sourceName"/> when the file is too short, lacks the "hsqs" magic or has counts its
        /// tables cannot hold (<see cref="SuperblockCounts"/>, the rules of Test-GolemImage's Superblock.Counts), so
        /// that no reader shows or trusts an impossible count.
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

            IReadOnlyList<string> countProblems = SuperblockCounts.Problems(superblock);
            if (countProblems.Count > 0)
            {
                throw new GolemImageException(ErrorIds.InvalidSquashfs, GolemErrorCategory.InvalidData, $"'{source}' is damaged: the counts in its squashfs superblock (bytes 4 to 28) are impossible: {string.Join("; ", countProblems)}.", sourceName);
            }

            return superblock;
        }

        /// <summary>Encodes the superblock into the first 96 bytes of <paramref name="destination"/>, as <see cref="Parse"/> decodes it.</summary>
        public void Write(Span<byte> destination)
        {
            if (destination.Length < Size)
            {
                throw new ArgumentException($"A squashfs superblock is {Size} bytes; got room for {destination.Length}.", nameof(destination));
            }

            BinaryPrimitives.WriteUInt32LittleEndian(destination, Magic);
            BinaryPrimitives.WriteUInt32LittleEndian(destination.Slice(4), InodeCount);
            BinaryPrimitives.WriteUInt32LittleEndian(destination.Slice(8), ModificationTime);
            BinaryPrimitives.WriteUInt32LittleEndian(destination.Slice(12), BlockSize);
            BinaryPrimitives.WriteUInt32LittleEndian(destination.Slice(16), FragmentCount);
            BinaryPrimitives.WriteUInt16LittleEndian(destination.Slice(20), CompressionId);
            BinaryPrimitives.WriteUInt16LittleEndian(destination.Slice(22), BlockLog);
            BinaryPrimitives.WriteUInt16LittleEndian(destination.Slice(24), (ushort)Flags);
            BinaryPrimitives.WriteUInt16LittleEndian(destination.Slice(26), IdCount);
            BinaryPrimitives.WriteUInt16LittleEndian(destination.Slice(28), VersionMajor);
            BinaryPrimitives.WriteUInt16LittleEndian(destination.Slice(30), VersionMinor);
            BinaryPrimitives.WriteUInt64LittleEndian(destination.Slice(32), RootInode);
            BinaryPrimitives.WriteUInt64LittleEndian(destination.Slice(40), BytesUsed);
            BinaryPrimitives.WriteUInt64LittleEndian(destination.Slice(48), IdTableStart);
            BinaryPrimitives.WriteUInt64LittleEndian(destination.Slice(56), XattrIdTableStart);
            BinaryPrimitives.WriteUInt64LittleEndian(destination.Slice(64), InodeTableStart);
            BinaryPrimitives.WriteUInt64LittleEndian(destination.Slice(72), DirectoryTableStart);
            BinaryPrimitives.WriteUInt64LittleEndian(destination.Slice(80), FragmentTableStart);
            BinaryPrimitives.WriteUInt64LittleEndian(destination.Slice(88), LookupTableStart);
        }
    }
}
