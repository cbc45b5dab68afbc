using System;
using System.IO;
using System.Linq;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using GolemImage.Compression;
using GolemImage.Squashfs;
using GolemImage.Tests.Gvmi;
using GolemImage.Tree;
using Xunit;

namespace GolemImage.Tests.Squashfs
{
    /// <summary>The one superblock definition: what the writer encodes is what the readers decode, and both match mksquashfs.</summary>
    [Trait(Requires.Key, Requires.Portable)]
    public class SquashfsSuperblockTests
    {
        [Fact]
        public void Every_field_survives_write_and_parse_at_its_own_offset()
        {
            // Distinct values in every byte of every field: a field written or read at another offset, or with
            // another width, cannot come back equal.
            var written = new SquashfsSuperblock
            {
                Magic = 0x01020304,
                InodeCount = 0x05060708,
                ModificationTime = 0x090A0B0C,
                BlockSize = 0x0D0E0F10,
                FragmentCount = 0x11121314,
                CompressionId = 0x1516,
                BlockLog = 0x1718,
                Flags = (SquashfsFlags)0x191A,
                IdCount = 0x1B1C,
                VersionMajor = 0x1D1E,
                VersionMinor = 0x1F20,
                RootInode = 0x2122232425262728,
                BytesUsed = 0x292A2B2C2D2E2F30,
                IdTableStart = 0x3132333435363738,
                XattrIdTableStart = 0x393A3B3C3D3E3F40,
                InodeTableStart = 0x4142434445464748,
                DirectoryTableStart = 0x494A4B4C4D4E4F50,
                FragmentTableStart = 0x5152535455565758,
                LookupTableStart = 0x595A5B5C5D5E5F60,
            };
            var bytes = new byte[SquashfsSuperblock.Size];
            written.Write(bytes);
            Assert.Equal(new byte[] { 4, 3, 2, 1, 8, 7, 6, 5 }, bytes.Take(8).ToArray());
            Assert.Equal(new byte[] { 0x60, 0x5F, 0x5E, 0x5D, 0x5C, 0x5B, 0x5A, 0x59 }, bytes.Skip(88).ToArray());

            SquashfsSuperblock read = SquashfsSuperblock.Parse(bytes);
            foreach (var property in typeof(SquashfsSuperblock).GetProperties().Where(p => p.CanWrite))
            {
                Assert.Equal(property.GetValue(written), property.GetValue(read));
            }

            var again = new byte[SquashfsSuperblock.Size];
            read.Write(again);
            Assert.Equal(bytes, again);
        }

        [Fact]
        public void A_new_superblock_is_a_valid_empty_4_0_one()
        {
            var superblock = new SquashfsSuperblock();
            Assert.Equal(SquashfsSuperblock.ExpectedMagic, superblock.Magic);
            Assert.Equal(4, superblock.VersionMajor);
            Assert.Equal(0, superblock.VersionMinor);
            Assert.Equal(SquashfsSuperblock.NoTable, superblock.XattrIdTableStart);
            Assert.Equal(SquashfsSuperblock.NoTable, superblock.LookupTableStart);
            var bytes = new byte[SquashfsSuperblock.Size];
            superblock.Write(bytes);
            Assert.Equal(Encoding.ASCII.GetBytes("hsqs"), bytes.Take(4).ToArray());
            Assert.Throws<ArgumentException>(() => superblock.Write(new byte[95]));
            Assert.Throws<ArgumentException>(() => SquashfsSuperblock.Parse(new byte[95]));
        }

        [Trait(Requires.Key, Requires.SquashfsTools)]
        [Trait(Requires.Key, Requires.LinuxTools)]
        [Theory]
        [InlineData("-comp", "gzip")]
        [InlineData("-comp", "xz", "-Xbcj", "x86")]
        [InlineData("-comp", "lz4", "-no-xattrs", "-no-fragments")]
        [InlineData("-comp", "lzo", "-noI", "-noD", "-noF", "-noX", "-b", "4096")]
        public void A_mksquashfs_superblock_is_written_back_byte_for_byte(params string[] options)
        {
            using (MksquashfsImage image = MksquashfsImage.Create(true, options))
            {
                byte[] original = image.Squashfs.Take(SquashfsSuperblock.Size).ToArray();
                SquashfsSuperblock superblock = SquashfsSuperblock.Parse(original);
                Assert.Equal(options[1], superblock.CompressionName);
                Assert.Equal(CompressorTable.Find(options[1])!.Id, superblock.CompressionId);
                var written = new byte[SquashfsSuperblock.Size];
                superblock.Write(written);
                Assert.Equal(original, written);

                // mksquashfs writes no xz options at its defaults, and writes them with a filter.
                Assert.Equal(options.Length > 2 && options[2] == "-Xbcj" || options[1] == "lz4", superblock.Flags.HasFlag(SquashfsFlags.CompressorOptions));
                Assert.Equal(options.Contains("-noI"), superblock.Flags.HasFlag(SquashfsFlags.UncompressedInodes));
                Assert.Equal(options.Contains("-no-fragments"), superblock.Flags.HasFlag(SquashfsFlags.NoFragments));
            }
        }

        [Theory]
        [InlineData(CompressionAlgorithm.Lz4, false)]
        [InlineData(CompressionAlgorithm.Gzip, true)]
        [InlineData(CompressionAlgorithm.Zstd, false)]
        public async Task The_writer_and_the_reader_agree_on_our_own_superblock(CompressionAlgorithm algorithm, bool uncompressed)
        {
            var compression = new CompressionSettings(algorithm, System.IO.Compression.CompressionLevel.Optimal, uncompressed);
            using var output = new MemoryStream();
            SquashfsWriteResult result;
            using (var writer = new SquashfsWriter(output, new SquashfsWriterOptions { Compression = compression, WorkerCount = 1, BlockSize = 65536, MkfsTime = 1700000000 }))
            {
                await writer.AddAsync(new TreeEntry(Encoding.UTF8.GetBytes("d"), TreeEntryType.Directory) { Mode = 0x1ED }, null, CancellationToken.None);
                byte[] content = Encoding.UTF8.GetBytes("a small file, so there is one fragment\n");
                bool done = false;
                await writer.AddAsync(
                    new TreeEntry(Encoding.UTF8.GetBytes("d/f"), TreeEntryType.RegularFile) { Mode = 0x1A4, Uid = 1000, Gid = 1000 },
                    (memory, ct) =>
                    {
                        if (done)
                        {
                            return new ValueTask<int>(0);
                        }

                        done = true;
                        content.CopyTo(memory);
                        return new ValueTask<int>(content.Length);
                    },
                    CancellationToken.None);
                result = await writer.FinishAsync(CancellationToken.None);
            }

            byte[] image = output.ToArray();
            SquashfsSuperblock superblock = SquashfsSuperblock.Parse(image);
            Assert.Equal(SquashfsSuperblock.ExpectedMagic, superblock.Magic);
            Assert.Equal(result.InodeCount, superblock.InodeCount);
            Assert.Equal(3u, superblock.InodeCount);
            Assert.Equal(1700000000u, superblock.ModificationTime);
            Assert.Equal(65536u, superblock.BlockSize);
            Assert.Equal(16, superblock.BlockLog);
            Assert.Equal(result.FragmentCount, superblock.FragmentCount);
            Assert.Equal((ushort)result.IdCount, superblock.IdCount);
            Assert.Equal((ulong)result.BytesUsed, superblock.BytesUsed);
            Assert.Equal(compression.Descriptor.Name, superblock.CompressionName);
            Assert.Equal(SquashfsSuperblock.NoTable, superblock.XattrIdTableStart);
            Assert.Equal(SquashfsSuperblock.NoTable, superblock.LookupTableStart);
            Assert.True(superblock.InodeTableStart < superblock.DirectoryTableStart);

            SquashfsFlags expected = SquashfsFlags.AlwaysFragments | SquashfsFlags.Deduplicated | SquashfsFlags.NoXattrs;
            byte[]? options = compression.CreateOptionsBlock(65536);
            if (options != null)
            {
                expected |= SquashfsFlags.CompressorOptions;

                // The options block right after the superblock, stored raw, is what the row reads back.
                Assert.Equal(SquashfsFormat.MetadataUncompressed | options.Length, BitConverter.ToUInt16(image, SquashfsSuperblock.Size));
                byte[] stored = image.Skip(SquashfsSuperblock.Size + 2).Take(options.Length).ToArray();
                Assert.Equal(options, stored);
                compression.Descriptor.ReadOptions(stored, 65536);
            }

            if (uncompressed)
            {
                expected |= SquashfsFlags.UncompressedInodes | SquashfsFlags.UncompressedData | SquashfsFlags.UncompressedFragments | SquashfsFlags.UncompressedXattrs | SquashfsFlags.UncompressedIds;
            }

            Assert.Equal(expected, superblock.Flags);
            var rewritten = new byte[SquashfsSuperblock.Size];
            superblock.Write(rewritten);
            Assert.Equal(image.Take(SquashfsSuperblock.Size).ToArray(), rewritten);
        }
    }
}
