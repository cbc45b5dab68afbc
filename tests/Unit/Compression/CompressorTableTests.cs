using System;
using System.Collections.Generic;
using System.IO;
using System.IO.Compression;
using System.Linq;
using GolemImage.Compression;
using GolemImage.Squashfs;
using Xunit;

namespace GolemImage.Tests.Compression
{
    /// <summary>The one table of squashfs compressors: its rows, its lookups, and every row's options block.</summary>
    [Trait(Requires.Key, Requires.Portable)]
    public class CompressorTableTests
    {
        private static readonly CompressionLevel[] Levels = { CompressionLevel.Fastest, CompressionLevel.Optimal, CompressionLevel.SmallestSize };

        [Fact]
        public void Every_squashfs_id_has_exactly_one_row_in_id_order()
        {
            Assert.Equal(new ushort[] { 1, 2, 3, 4, 5, 6 }, CompressorTable.All.Select(r => r.Id).ToArray());
            Assert.Equal(new[] { "gzip", "lzma", "lzo", "xz", "lz4", "zstd" }, CompressorTable.All.Select(r => r.Name).ToArray());
            Assert.Equal(Enum.GetValues(typeof(CompressionAlgorithm)).Cast<CompressionAlgorithm>().OrderBy(a => a), CompressorTable.All.Select(r => r.Algorithm));

            // The PowerShell spelling (the enum name) and mksquashfs's name are the same word.
            Assert.All(CompressorTable.All, row => Assert.Equal(row.Name, row.Algorithm.ToString(), StringComparer.OrdinalIgnoreCase));
        }

        [Fact]
        public void Rows_are_found_by_id_and_by_either_spelling_of_the_name()
        {
            Assert.Equal("lzo", CompressorTable.Find(3)!.Name);
            Assert.Equal("xz", CompressorTable.FromId(4).Name);
            Assert.Same(CompressorTable.Find(1), CompressorTable.Find("gzip"));
            Assert.Same(CompressorTable.Find(1), CompressorTable.Find("Gzip"));
            Assert.Same(CompressorTable.Find(5), CompressorTable.Find("LZ4"));
            Assert.Same(CompressorTable.Get(CompressionAlgorithm.Zstd), CompressorTable.Find(6));
            Assert.Equal(CompressionAlgorithm.Lzo, CompressorTable.Default.Algorithm);
            Assert.Null(CompressorTable.Find("zlib"));
            Assert.Null(CompressorTable.Find(string.Empty));
            Assert.Null(CompressorTable.Find(null));
        }

        [Theory]
        [InlineData(0)]
        [InlineData(7)]
        [InlineData(65535)]
        public void Unknown_ids_are_refused_clearly(int id)
        {
            Assert.Null(CompressorTable.Find(id));
            Assert.Equal($"unknown({id})", CompressorTable.NameOf(id));
            InvalidDataException error = Assert.Throws<InvalidDataException>(() => CompressorTable.FromId(id));
            Assert.Contains($"Unknown squashfs compression id {id}", error.Message);
            Assert.Contains("4 (xz)", error.Message);
            var outOfRange = Assert.Throws<ArgumentOutOfRangeException>(() => CompressorTable.Get((CompressionAlgorithm)id));
            Assert.Contains("not a squashfs compressor id", outOfRange.Message);
            Assert.Throws<ArgumentOutOfRangeException>(() => new CompressionSettings((CompressionAlgorithm)id));
        }

        [Fact]
        public void Golem_providers_mount_gzip_lzo_xz_and_lz4_but_not_zstd_or_lzma()
        {
            Assert.Equal(new[] { "gzip", "lzo", "xz", "lz4" }, CompressorTable.All.Where(r => r.MountableByGolemProviders).Select(r => r.Name).ToArray());
            Assert.Equal(CompressorMount.LinuxOnly, CompressorTable.Get(CompressionAlgorithm.Zstd).Mount);
            Assert.Equal(CompressorMount.NoKernel, CompressorTable.Get(CompressionAlgorithm.Lzma).Mount);
            Assert.All(CompressorTable.All.Where(r => !r.MountableByGolemProviders), row => Assert.False(string.IsNullOrEmpty(row.NotMountableReason)));
            Assert.Equal("gzip, lzo, xz and lz4", CompressorTable.DescribeMountable());
        }

        [Fact]
        public void The_writable_rows_make_compressors_and_decompressors_of_their_own_algorithm()
        {
            Assert.Equal(new[] { "gzip", "lzo", "xz", "lz4", "zstd" }, CompressorTable.Writable.Select(r => r.Name).ToArray());
            foreach (CompressorDescriptor row in CompressorTable.Writable)
            {
                foreach (CompressionLevel level in Levels)
                {
                    IBlockCompressor compressor = row.CreateCompressor(level, 131072);
                    Assert.Equal(row.Algorithm, compressor.Algorithm);
                    (compressor as IDisposable)?.Dispose();
                }

                IBlockDecompressor? decompressor = row.TryCreateDecompressor(row.WriteOptions(CompressionLevel.Optimal, 131072), 131072);
                Assert.NotNull(decompressor);
                Assert.Equal(row.Algorithm, decompressor!.Algorithm);
                Assert.True(row.CanRead);
                (decompressor as IDisposable)?.Dispose();
            }
        }

        [Fact]
        public void The_xz_row_is_squashfs_id_4_and_mountable()
        {
            CompressorDescriptor xz = CompressorTable.Get(CompressionAlgorithm.Xz);
            Assert.Equal(4, xz.Id);
            Assert.Equal("xz", xz.Name);
            Assert.True(xz.MountableByGolemProviders);
            Assert.Null(xz.NotMountableReason);
        }

        [Fact]
        public void Xz_is_written_and_read_through_its_row()
        {
            CompressorDescriptor xz = CompressorTable.Get(CompressionAlgorithm.Xz);
            Assert.True(xz.CanWrite);
            Assert.True(xz.CanRead);
            Assert.IsType<GolemImage.Compression.Xz.XzBlockDecompressor>(xz.TryCreateDecompressor(null, 131072));
            Assert.IsType<GolemImage.Compression.Xz.XzBlockDecompressor>(new CompressionSettings(CompressionAlgorithm.Xz).CreateDecompressor());
            Assert.Equal(new[] { 3, 6, 6 }, Levels.Select(l => xz.NativeLevel(l)).ToArray());
            Assert.Equal("Xz (Optimal, level 6)", new CompressionSettings(CompressionAlgorithm.Xz).ToString());

            // A block through the row's compressor comes back through its decompressor.
            byte[] block = new byte[65536];
            for (int i = 0; i < block.Length; i++)
            {
                block[i] = (byte)("squashfs xz block "[i % 18] + (i / 4096));
            }

            foreach (CompressionLevel level in Levels)
            {
                var compressed = new byte[block.Length];
                int length = xz.CreateCompressor(level, 131072).Compress(block, compressed);
                Assert.InRange(length, 1, block.Length / 4);
                var output = new byte[block.Length];
                Assert.Equal(block.Length, xz.TryCreateDecompressor(xz.WriteOptions(level, 131072), 131072)!.Decompress(compressed.AsSpan(0, length), output));
                Assert.Equal(block, output);
            }
        }

        [Fact]
        public void The_xz_rows_decompressor_takes_its_dictionary_limit_from_the_options_block()
        {
            CompressorDescriptor xz = CompressorTable.Get(CompressionAlgorithm.Xz);
            byte[] block = new byte[65536];
            for (int i = 0; i < block.Length; i++)
            {
                block[i] = (byte)(i * 7 + (i >> 9));
            }

            // A 64 KiB block is written with a 64 KiB dictionary.
            byte[] stream = new GolemImage.Compression.Xz.XzBlockCompressor(CompressionLevel.Fastest, 131072, tryX86: false).Encode(block, x86: false);
            var output = new byte[block.Length];
            Assert.Equal(block.Length, xz.TryCreateDecompressor(null, 65536)!.Decompress(stream, output));
            Assert.Equal(block.Length, xz.TryCreateDecompressor(Options(65536), 131072)!.Decompress(stream, output));
            Assert.Throws<InvalidDataException>(() => xz.TryCreateDecompressor(Options(32768), 131072)!.Decompress(stream, output));
            Assert.Throws<InvalidDataException>(() => xz.TryCreateDecompressor(null, 32768)!.Decompress(stream, output));

            // The same stream claiming a 2 MiB dictionary: the kernel reads it when the options block gives 2 MiB (it
            // preallocates what the block says, even past the block size), not otherwise.
            byte[] big = WithDictionaryByte(stream, GolemImage.Compression.Xz.XzFormat.DictionaryByteFor(2 << 20));
            Assert.Equal(block.Length, xz.TryCreateDecompressor(Options(2 << 20), 131072)!.Decompress(big, output));
            Assert.Equal(block, output);
            Assert.Throws<InvalidDataException>(() => xz.TryCreateDecompressor(Options(1 << 20), 1 << 20)!.Decompress(big, output));
            Assert.Throws<InvalidDataException>(() => xz.TryCreateDecompressor(Options(5 << 18), 131072));

            static byte[] Options(uint dictionary)
            {
                var payload = new byte[8];
                System.Buffers.Binary.BinaryPrimitives.WriteUInt32LittleEndian(payload, dictionary);
                return payload;
            }
        }

        /// <summary>An LZMA2-only .xz stream with its block header's dictionary byte replaced and the header CRC32 redone.</summary>
        private static byte[] WithDictionaryByte(byte[] stream, byte dictionaryByte)
        {
            byte[] copy = (byte[])stream.Clone();
            const int header = GolemImage.Compression.Xz.XzFormat.StreamHeaderSize;
            int headerSize = (copy[header] + 1) * 4;
            Assert.Equal(0x21, copy[header + 2]); // the LZMA2 filter id, first and only filter
            copy[header + 4] = dictionaryByte;
            System.Buffers.Binary.BinaryPrimitives.WriteUInt32LittleEndian(copy.AsSpan(header + headerSize - 4), GolemImage.Compression.Xz.XzFormat.Crc32Of(copy.AsSpan(header, headerSize - 4)));
            return copy;
        }

        [Theory]
        [InlineData(CompressionLevel.Fastest, 4096)]
        [InlineData(CompressionLevel.Optimal, 131072)]
        [InlineData(CompressionLevel.SmallestSize, 131072)]
        [InlineData(CompressionLevel.SmallestSize, 1048576)]
        public void Xz_data_streams_use_what_the_options_block_records_and_metadata_streams_8_KiB_without_bcj(CompressionLevel level, int blockSize)
        {
            CompressorDescriptor xz = CompressorTable.Get(CompressionAlgorithm.Xz);
            CompressorOptions recorded = xz.ReadOptions(xz.WriteOptions(level, blockSize), blockSize);
            var data = Assert.IsType<GolemImage.Compression.Xz.XzBlockCompressor>(xz.CreateCompressor(level, blockSize));
            Assert.Equal(recorded["dictionary size"], data.DictionarySize);
            Assert.Equal(recorded["filters"], data.Options.Filters);
            Assert.Equal(level == CompressionLevel.SmallestSize, data.Options.UsesX86Filter);
            Assert.Equal(level, data.Level);

            // What the writer's table writer asks for (SquashfsTableWriter: CreateMetadataCompressor).
            var metadata = Assert.IsType<GolemImage.Compression.Xz.XzBlockCompressor>(new CompressionSettings(CompressionAlgorithm.Xz, level).CreateMetadataCompressor(blockSize));
            Assert.Equal(8192, metadata.DictionarySize);
            Assert.False(metadata.Options.UsesX86Filter);
            Assert.Equal(level, metadata.Level);

            // Every other row's metadata compressor is its data compressor's kind; uncompressed images store metadata raw.
            Assert.IsType<StoredBlockCompressor>(new CompressionSettings(CompressionAlgorithm.Xz, level, uncompressed: true).CreateMetadataCompressor(blockSize));
            Assert.IsType<GolemImage.Compression.Lzo.LzoBlockCompressor>(new CompressionSettings(CompressionAlgorithm.Lzo, level).CreateMetadataCompressor(blockSize));
        }

        public static TheoryData<CompressionAlgorithm> RowsWithoutCompressor()
        {
            var data = new TheoryData<CompressionAlgorithm>();
            foreach (CompressorDescriptor row in CompressorTable.All.Where(r => !r.CanWrite))
            {
                data.Add(row.Algorithm);
            }

            return data;
        }

        [Theory]
        [MemberData(nameof(RowsWithoutCompressor))]
        public void A_row_without_a_compressor_refuses_to_make_one_clearly(CompressionAlgorithm algorithm)
        {
            CompressorDescriptor row = CompressorTable.Get(algorithm);
            GolemImageException error = Assert.Throws<GolemImageException>(() => row.CreateCompressor(CompressionLevel.Optimal, 131072));
            Assert.Equal("CompressorNotAvailable", error.ErrorId);
            Assert.Equal(GolemErrorCategory.NotImplemented, error.Category);
            Assert.Equal($"This version of GolemImage cannot write {row.Name} squashfs images yet; use {CompressorTable.DescribeWritable()}.", error.Message);
            Assert.Throws<GolemImageException>(() => new CompressionSettings(algorithm).CreateCompressor());
        }

        [Fact]
        public void The_writable_compressors_are_named_for_messages()
        {
            Assert.Equal(string.Join(", ", CompressorTable.Writable.Select(r => r.Name).Take(CompressorTable.Writable.Count() - 1)) + " or " + CompressorTable.Writable.Last().Name, CompressorTable.DescribeWritable());
            Assert.StartsWith("gzip, lzo, ", CompressorTable.DescribeWritable());
        }

        [Theory]
        [MemberData(nameof(RowsWithoutCompressor))]
        public void The_writer_refuses_a_compressor_it_cannot_write_before_writing_anything(CompressionAlgorithm algorithm)
        {
            using var output = new MemoryStream();
            var options = new SquashfsWriterOptions { Compression = new CompressionSettings(algorithm), WorkerCount = 1 };
            GolemImageException error = Assert.Throws<GolemImageException>(() => new SquashfsWriter(output, options));
            Assert.Equal("CompressorNotAvailable", error.ErrorId);
            Assert.Contains(CompressorTable.Get(algorithm).Name, error.Message);
            Assert.Equal(0, output.Length);
        }

        public static TheoryData<CompressionAlgorithm, CompressionLevel, int> RowsLevelsAndBlockSizes()
        {
            var data = new TheoryData<CompressionAlgorithm, CompressionLevel, int>();
            foreach (CompressorDescriptor row in CompressorTable.All)
            {
                foreach (CompressionLevel level in Levels)
                {
                    foreach (int blockSize in new[] { 4096, 131072, 1048576 })
                    {
                        data.Add(row.Algorithm, level, blockSize);
                    }
                }
            }

            return data;
        }

        /// <summary>What each row's options block must say for a level and block size, field by field.</summary>
        private static KeyValuePair<string, long>[] Expected(CompressionAlgorithm algorithm, CompressionLevel level, int blockSize)
        {
            int native = CompressorTable.Get(algorithm).NativeLevel(level);
            switch (algorithm)
            {
                case CompressionAlgorithm.Gzip:
                    return new[] { Field("level", native), Field("window bits", 15), Field("strategies", 1) };
                case CompressionAlgorithm.Lzo:
                    return new[] { Field("algorithm", level == CompressionLevel.Fastest ? 0 : 4), Field("level", native) };
                case CompressionAlgorithm.Lz4:
                    return new[] { Field("version", 1), Field("flags", native) };
                case CompressionAlgorithm.Zstd:
                    return new[] { Field("level", native) };
                case CompressionAlgorithm.Xz:
                    return new[] { Field("dictionary size", Math.Max(blockSize, 8192)), Field("filters", level == CompressionLevel.SmallestSize ? 1 : 0) };
                default:
                    return Array.Empty<KeyValuePair<string, long>>();
            }
        }

        [Theory]
        [MemberData(nameof(RowsLevelsAndBlockSizes))]
        public void Every_row_reads_back_the_options_block_it_writes(CompressionAlgorithm algorithm, CompressionLevel level, int blockSize)
        {
            CompressorDescriptor row = CompressorTable.Get(algorithm);
            byte[]? payload = row.WriteOptions(level, blockSize);
            CompressorOptions options = row.ReadOptions(payload, blockSize);
            Assert.Equal(payload != null, options.Present);
            Assert.Equal(Expected(algorithm, level, blockSize), options.Fields);
            if (payload != null)
            {
                Assert.InRange(payload.Length, 4, 12);
            }

            // What CompressionSettings hands the writer is the row's block.
            Assert.Equal(payload, new CompressionSettings(algorithm, level).CreateOptionsBlock(blockSize));
        }

        [Fact]
        public void The_xz_options_block_is_the_one_mksquashfs_writes()
        {
            CompressorDescriptor xz = CompressorTable.Get(CompressionAlgorithm.Xz);

            // mksquashfs -comp xz writes no block at its defaults, and {dictionary = block size, filters} with -Xbcj x86.
            Assert.Null(xz.WriteOptions(CompressionLevel.Optimal, 131072));
            Assert.Equal(new byte[] { 0, 0, 2, 0, 1, 0, 0, 0 }, xz.WriteOptions(CompressionLevel.SmallestSize, 131072));
            Assert.Equal(new byte[] { 0, 0, 16, 0, 1, 0, 0, 0 }, xz.WriteOptions(CompressionLevel.SmallestSize, 1048576));

            // -Xdict-size 75% of a 1 MiB block (2^n + 2^(n+1)), x86 + arm filters.
            CompressorOptions options = xz.ReadOptions(new byte[] { 0, 0, 12, 0, 9, 0, 0, 0 }, 1048576);
            Assert.Equal(786432, options["dictionary size"]);
            Assert.Equal(9, options["filters"]);
        }

        public static TheoryData<CompressionAlgorithm, byte[]?, string> RefusedBlocks() => new TheoryData<CompressionAlgorithm, byte[]?, string>
        {
            { CompressionAlgorithm.Gzip, new byte[] { 0, 0, 0, 0, 15, 0, 1, 0 }, "level 0 is not 1 to 9" },
            { CompressionAlgorithm.Gzip, new byte[] { 9, 0, 0, 0, 16, 0, 1, 0 }, "window bits 16" },
            { CompressionAlgorithm.Gzip, new byte[] { 9, 0, 0, 0, 15, 0, 0x20, 0 }, "unknown bits" },
            { CompressionAlgorithm.Gzip, new byte[] { 9, 0, 0, 0 }, "4 bytes long; it must be 8" },
            { CompressionAlgorithm.Lzo, new byte[] { 5, 0, 0, 0, 0, 0, 0, 0 }, "algorithm 5" },
            { CompressionAlgorithm.Lzo, new byte[] { 0, 0, 0, 0, 3, 0, 0, 0 }, "takes none" },
            { CompressionAlgorithm.Lzo, new byte[] { 4, 0, 0, 0, 0, 0, 0, 0 }, "lzo1x_999 level 0" },
            { CompressionAlgorithm.Lz4, null, "the Linux kernel refuses lz4 images without one" },
            { CompressionAlgorithm.Lz4, new byte[] { 2, 0, 0, 0, 0, 0, 0, 0 }, "version 2" },
            { CompressionAlgorithm.Lz4, new byte[] { 1, 0, 0, 0 }, "it must be 8 or 12" },
            { CompressionAlgorithm.Zstd, new byte[] { 23, 0, 0, 0 }, "level 23" },
            { CompressionAlgorithm.Zstd, new byte[] { 0, 0, 0, 0 }, "level 0" },
            { CompressionAlgorithm.Xz, new byte[] { 0x39, 0x30, 0, 0, 0, 0, 0, 0 }, "dictionary size 12345" },
            { CompressionAlgorithm.Xz, new byte[] { 0, 0, 5, 0, 0, 0, 0, 0 }, "dictionary size 327680" },
            { CompressionAlgorithm.Xz, new byte[] { 0, 0, 2, 0, 0, 1, 0, 0 }, "unknown filters" },
            { CompressionAlgorithm.Lzma, new byte[] { 0, 0, 0, 0 }, "takes none" },
        };

        [Theory]
        [MemberData(nameof(RefusedBlocks))]
        public void Options_blocks_a_reader_would_refuse_are_refused_with_the_reason(CompressionAlgorithm algorithm, byte[]? payload, string reason)
        {
            CompressorDescriptor row = CompressorTable.Get(algorithm);
            InvalidDataException error = Assert.Throws<InvalidDataException>(() => row.ReadOptions(payload, 131072));
            Assert.Contains($"The {row.Name} compressor options block", error.Message);
            Assert.Contains(reason, error.Message);
        }

        [Fact]
        public void Absent_blocks_mean_the_squashfs_tools_defaults()
        {
            Assert.Equal("defaults: level 9, window bits 15, strategies 1", CompressorTable.Get(CompressionAlgorithm.Gzip).ReadOptions(null, 131072).ToString());
            Assert.Equal("defaults: algorithm 4, level 8", CompressorTable.Get(CompressionAlgorithm.Lzo).ReadOptions(null, 131072).ToString());
            Assert.Equal("defaults: level 15", CompressorTable.Get(CompressionAlgorithm.Zstd).ReadOptions(null, 131072).ToString());
            Assert.Equal("defaults: dictionary size 65536, filters 0", CompressorTable.Get(CompressionAlgorithm.Xz).ReadOptions(null, 65536).ToString());
        }

        private static KeyValuePair<string, long> Field(string name, long value) => new KeyValuePair<string, long>(name, value);
    }
}
