using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using GolemImage.Gvmi;
using GolemImage.Hashing;
using GolemImage.Reporting;
using GolemImage.Squashfs.Reading;
using Xunit;

namespace GolemImage.Tests.Gvmi
{
    [Trait(Requires.Key, Requires.SquashfsTools)]
    [Trait(Requires.Key, Requires.LinuxTools)]
    public class ImageValidatorTests
    {
        [Theory]
        [InlineData(false, new string[0])]
        [InlineData(true, new string[0])]
        [InlineData(false, new[] { "-no-exports", "-no-xattrs", "-no-fragments" })]
        [InlineData(true, new[] { "-comp", "lzo", "-b", "4096" })]
        [InlineData(false, new[] { "-comp", "xz", "-noI", "-noD", "-noF", "-noX" })]
        public void A_mksquashfs_image_with_a_trailer_passes_every_check(bool xattr, string[] options)
        {
            using (MksquashfsImage image = MksquashfsImage.Create(xattr, options))
            {
                IReadOnlyList<ValidationFinding> findings = Validate(image.Gvmi());
                Assert.True(ImageValidator.IsValid(findings), string.Join("\n", findings));
                Assert.All(findings, f => Assert.Equal(ValidationResult.Passed, f.Result));
                Assert.Contains(findings, f => f.Check == "Layout.IdTable");
                Assert.Contains(findings, f => f.Check == "Padding");

                // root, a, b, d, d/c; one owner; the small files and b's tail share one fragment block.
                string counts = options.Contains("-no-fragments") ? "5 inodes, 1 id, 0 fragments." : "5 inodes, 1 id, 1 fragment.";
                Assert.Equal(counts, findings.Single(f => f.Check == "Superblock.Counts").Message);
                if (xattr)
                {
                    Assert.Contains(findings, f => f.Check == "Layout.XattrTable" && f.Message.Contains("ends exactly"));
                }
            }
        }

        [Fact]
        public void A_zstd_image_passes_with_a_warning()
        {
            using (MksquashfsImage image = MksquashfsImage.Create(false, "-comp", "zstd"))
            {
                IReadOnlyList<ValidationFinding> findings = Validate(image.Gvmi());
                Assert.True(ImageValidator.IsValid(findings));
                Assert.Contains(findings, f => f.Check == "Superblock.Compression" && f.Result == ValidationResult.Warning && f.Message.Contains("zstd"));
            }
        }

        [Theory]
        [InlineData(null, ValidationResult.Passed, "names no User: processes run as root")]
        [InlineData("1000:1000", ValidationResult.Passed, "User 1000:1000: processes run as that uid:gid")]
        [InlineData("nginx", ValidationResult.Warning, "User 'nginx' is not a numeric uid:gid; Golem providers run processes as root")]
        [InlineData("1000", ValidationResult.Warning, "User '1000' is not a numeric uid:gid")]
        public void Reports_whom_the_runtime_runs_processes_as(string? user, ValidationResult result, string message)
        {
            using (MksquashfsImage image = MksquashfsImage.Create(false))
            {
                // Written by hand: our ContainerConfig leaves a non-numeric User out, other tools do not.
                string json = user == null ? "{\"Env\":[]}" : "{\"User\":\"" + user + "\"}";
                byte[] utf8 = System.Text.Encoding.UTF8.GetBytes(json);
                var bytes = new List<byte>(image.Squashfs);
                var crc = new byte[4];
                BinaryPrimitives.WriteUInt32LittleEndian(crc, System.IO.Hashing.Crc32.HashToUInt32(utf8));
                bytes.AddRange(crc);
                bytes.AddRange(utf8);
                bytes.AddRange(System.Text.Encoding.ASCII.GetBytes(utf8.Length.ToString("D8")));

                IReadOnlyList<ValidationFinding> findings = Validate(bytes.ToArray());
                ValidationFinding finding = Assert.Single(findings, f => f.Check == "Config.User");
                Assert.Equal(result, finding.Result);
                Assert.Contains(message, finding.Message);
                Assert.True(ImageValidator.IsValid(findings));
            }
        }

        [Fact]
        public void A_truncated_image_fails_on_bytes_used()
        {
            using (MksquashfsImage image = MksquashfsImage.Create(false))
            {
                byte[] truncated = MksquashfsImage.WithTrailer(image.Squashfs.Take(200_704).ToArray(), new ContainerConfig());
                AssertFailed(Validate(truncated), "Superblock.BytesUsed", "truncated");
            }
        }

        [Fact]
        public void An_unpadded_image_fails_on_padding()
        {
            using (MksquashfsImage image = MksquashfsImage.Create(false, "-nopad"))
            {
                AssertFailed(Validate(image.Gvmi()), "Padding", "multiple of 4096");
            }
        }

        [Fact]
        public void Garbage_in_the_padding_fails()
        {
            using (MksquashfsImage image = MksquashfsImage.Create(false))
            {
                byte[] bytes = image.Gvmi();
                bytes[image.Squashfs.Length - 1] = 0x55;
                AssertFailed(Validate(bytes), "Padding", $"byte {image.Squashfs.Length - 1} is 0x55");
            }
        }

        [Fact]
        public void More_than_a_block_of_padding_is_a_warning()
        {
            using (MksquashfsImage image = MksquashfsImage.Create(false))
            {
                IReadOnlyList<ValidationFinding> findings = Validate(MksquashfsImage.WithTrailer(image.Squashfs.Concat(new byte[8192]).ToArray(), new ContainerConfig()));
                Assert.True(ImageValidator.IsValid(findings));
                Assert.Contains(findings, f => f.Check == "Padding" && f.Result == ValidationResult.Warning);
            }
        }

        [Fact]
        public void A_broken_crc_fails_the_trailer_but_the_filesystem_is_still_checked()
        {
            using (MksquashfsImage image = MksquashfsImage.Create(false))
            {
                byte[] bytes = image.Gvmi();
                bytes[image.Squashfs.Length] ^= 1;
                IReadOnlyList<ValidationFinding> findings = Validate(bytes);
                AssertFailed(findings, "Trailer", "CRC-32");
                Assert.Contains(findings, f => f.Check == "Layout.IdTable" && f.Result == ValidationResult.Passed);
                Assert.Contains(findings, f => f.Check == "Padding" && f.Result == ValidationResult.Skipped);
            }
        }

        [Fact]
        public void A_file_that_is_not_squashfs_fails_on_the_magic()
        {
            var random = new Random(3);
            var bytes = new byte[8192];
            random.NextBytes(bytes);
            AssertFailed(Validate(MksquashfsImage.WithTrailer(bytes, new ContainerConfig())), "Superblock.Magic", "Not a squashfs image");
        }

        [Fact]
        public void A_tiny_file_fails_without_crashing()
        {
            IReadOnlyList<ValidationFinding> findings = Validate(new byte[] { 1, 2, 3 });
            AssertFailed(findings, "Trailer", "too short");
            AssertFailed(findings, "Superblock", "too short");
        }

        [Fact]
        public void A_mksquashfs_image_without_a_trailer_fails_on_the_trailer()
        {
            using (MksquashfsImage image = MksquashfsImage.Create(false))
            {
                AssertFailed(Validate(image.Squashfs), "Trailer", "8 decimal digits");
            }
        }

        [Fact]
        public void An_id_index_that_does_not_end_at_bytes_used_fails()
        {
            using (MksquashfsImage image = MksquashfsImage.Create(false, "-no-xattrs"))
            {
                byte[] bytes = image.Gvmi();
                Patch64(bytes, 48, BinaryPrimitives.ReadUInt64LittleEndian(bytes.AsSpan(48)) - 8);
                IReadOnlyList<ValidationFinding> findings = Validate(bytes);
                AssertFailed(findings, "Layout.IdTable", "must end exactly at bytes_used");
                Assert.Contains(findings, f => f.Check == "Layout.InodeTable" && f.Result == ValidationResult.Skipped);
            }
        }

        [Fact]
        public void An_xattr_index_that_does_not_end_at_bytes_used_fails()
        {
            using (MksquashfsImage image = MksquashfsImage.Create(true))
            {
                byte[] bytes = image.Gvmi();
                ulong bytesUsed = BinaryPrimitives.ReadUInt64LittleEndian(bytes.AsSpan(40));
                Patch64(bytes, 40, bytesUsed + 8);
                AssertFailed(Validate(bytes), "Layout.XattrTable", "not exactly at bytes_used");
            }
        }

        [Fact]
        public void Tables_out_of_order_fail()
        {
            using (MksquashfsImage image = MksquashfsImage.Create(false))
            {
                byte[] bytes = image.Gvmi();
                ulong directory = BinaryPrimitives.ReadUInt64LittleEndian(bytes.AsSpan(72));
                Patch64(bytes, 64, directory + 1);
                AssertFailed(Validate(bytes), "Layout.InodeTable", "before the directory table");
            }
        }

        [Theory]
        [InlineData(22, 16, "Superblock.BlockSize", "block_log")]
        [InlineData(28, 3, "Superblock.Version", "version 3.0")]
        [InlineData(26, 0, "Superblock.Counts", "id_count is 0")]
        [InlineData(20, 2, "Superblock.Compression", "lzma")]
        public void Superblock_fields_the_kernel_rejects_fail(int offset, ushort value, string check, string message)
        {
            using (MksquashfsImage image = MksquashfsImage.Create(false))
            {
                byte[] bytes = image.Gvmi();
                BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(offset), value);
                AssertFailed(Validate(bytes), check, message);
            }
        }

        [Theory]
        [InlineData(false)]
        [InlineData(true)]
        public void Counts_beyond_what_the_tables_can_hold_fail_and_say_why(bool compressed)
        {
            using (MksquashfsImage image = MksquashfsImage.Create(compressed))
            {
                byte[] bytes = image.Gvmi();
                Assert.True(ImageValidator.IsValid(Validate(bytes)));

                // Each count alone stays within the older checks (fragments and ids against the inode count).
                BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(4), 0xFFFFFFFF);
                BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(16), 0xFFFFFFFF);
                BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(26), 0xFFFF);
                ValidationFinding counts = Validate(bytes).Single(f => f.Check == "Superblock.Counts");
                Assert.Equal(ValidationResult.Failed, counts.Result);
                Assert.Contains("inode_count 4294967295 cannot fit in the inode table", counts.Message);
                Assert.Contains("fragment_count 4294967295 cannot fit in the fragment table", counts.Message);
                Assert.Contains("id_count 65535 cannot fit in the id table", counts.Message);
            }
        }

        [Fact]
        public async Task The_reader_refuses_counts_the_tables_cannot_hold_and_names_the_file_and_the_count()
        {
            using (MksquashfsImage image = MksquashfsImage.Create(false))
            {
                // 0xFFFFFFFF inodes in an image of a few KiB: only the table-capacity rule catches it (ids and
                // fragments stay within twice and once the inode count).
                byte[] bytes = image.Gvmi();
                BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(4), 0xFFFFFFFF);
                string path = image.WriteFile(bytes, "inodes.gvmi");
                GolemImageException error = await Assert.ThrowsAsync<GolemImageException>(() => GvmiImageReader.ReadAsync(path, true, NullReporter.Instance, 1, CancellationToken.None));
                Assert.Equal(ErrorIds.InvalidSquashfs, error.ErrorId);
                Assert.Equal(path, error.Target);
                Assert.Contains($"'{path}' is damaged", error.Message);
                Assert.Contains("inode_count 4294967295 cannot fit in the inode table", error.Message);

                // The same rules as Test-GolemImage's Superblock.Counts, word for word.
                ValidationFinding counts = Validate(bytes).Single(f => f.Check == "Superblock.Counts");
                Assert.Contains(counts.Message.TrimEnd('.'), error.Message);

                bytes = image.Gvmi();
                BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(26), 0);
                path = image.WriteFile(bytes, "ids.gvmi");
                error = await Assert.ThrowsAsync<GolemImageException>(() => GvmiImageReader.ReadAsync(path, false, NullReporter.Instance, 1, CancellationToken.None));
                Assert.Contains("id_count is 0", error.Message);
            }
        }

        [Fact]
        public async Task The_reader_returns_superblock_trailer_and_hash()
        {
            using (MksquashfsImage image = MksquashfsImage.Create(true, "-comp", "lzo"))
            {
                var config = new ContainerConfig { Env = new[] { "PATH=/usr/bin" }, Cmd = new[] { "/bin/sh" }, Volumes = new[] { "/golem/work" }, User = "1:2" };
                byte[] bytes = image.Gvmi(config);
                string path = image.WriteFile(bytes);
                GvmiImageInfo info = await GvmiImageReader.ReadAsync(path, true, NullReporter.Instance, 1, CancellationToken.None);
                Assert.Equal("lzo", info.Superblock.CompressionName);
                Assert.Equal(131072u, info.Superblock.BlockSize);
                Assert.Equal(5u, info.Superblock.InodeCount);
                Assert.Equal(new DateTime(2009, 2, 13, 23, 31, 30, DateTimeKind.Utc), info.Superblock.Created);
                Assert.Equal(image.Squashfs.Length, info.Trailer.Offset);
                Assert.Equal(bytes.Length, info.Size);
                Assert.Equal(config.ToJson(), info.Trailer.Config.ToJson());
                Assert.Equal(HexString.Lower(Sha3_224.HashData(bytes)), info.Hash);
            }
        }

        [Fact]
        public async Task The_reader_names_the_file_in_its_errors()
        {
            using (MksquashfsImage image = MksquashfsImage.Create(false))
            {
                string path = image.WriteFile(image.Squashfs, "no-trailer.gvmi");
                GolemImageException error = await Assert.ThrowsAsync<GolemImageException>(() => GvmiImageReader.ReadAsync(path, false, NullReporter.Instance, 1, CancellationToken.None));
                Assert.Equal("GvmiTrailerLengthInvalid", error.ErrorId);
                Assert.Contains(path, error.Message);
                error = await Assert.ThrowsAsync<GolemImageException>(() => GvmiImageReader.ReadAsync(path + ".missing", false, NullReporter.Instance, 1, CancellationToken.None));
                Assert.Equal("ImageNotFound", error.ErrorId);
                string notSquashfs = image.WriteFile(MksquashfsImage.WithTrailer(new byte[200], new ContainerConfig()), "zeros.gvmi");
                error = await Assert.ThrowsAsync<GolemImageException>(() => GvmiImageReader.ReadAsync(notSquashfs, false, NullReporter.Instance, 1, CancellationToken.None));
                Assert.Equal("InvalidSquashfs", error.ErrorId);
            }
        }

        private static IReadOnlyList<ValidationFinding> Validate(byte[] bytes)
        {
            return ImageValidator.Validate(new MemoryStream(bytes), "test.gvmi");
        }

        private static void AssertFailed(IReadOnlyList<ValidationFinding> findings, string check, string message)
        {
            Assert.False(ImageValidator.IsValid(findings));
            Assert.True(
                findings.Any(f => f.Check == check && f.Result == ValidationResult.Failed && f.Message.Contains(message)),
                $"Expected a failed {check} mentioning '{message}':\n" + string.Join("\n", findings));
        }

        private static void Patch64(byte[] bytes, int offset, ulong value)
        {
            BinaryPrimitives.WriteUInt64LittleEndian(bytes.AsSpan(offset), value);
        }
    }
}
