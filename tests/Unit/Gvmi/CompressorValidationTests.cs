using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using GolemImage.Gvmi;
using GolemImage.Squashfs;
using GolemImage.Squashfs.Reading;
using Xunit;

namespace GolemImage.Tests.Gvmi
{
    /// <summary>Test-GolemImage's Superblock.Compression and Volumes checks, answered by the compressor's table row.</summary>
    [Trait(Requires.Key, Requires.SquashfsTools)]
    public class CompressorValidationTests
    {
        private static readonly ContainerConfig WithVolume = new ContainerConfig { Env = new[] { "PATH=/bin" }, Volumes = new[] { "/d" } };

        [Fact]
        public void An_xz_image_is_named_mountable_and_its_volumes_are_checked()
        {
            using (MksquashfsImage image = MksquashfsImage.Create(false, "-comp", "xz", "-Xbcj", "x86"))
            {
                IReadOnlyList<ValidationFinding> findings = Validate(image.Gvmi(WithVolume));
                Assert.True(ImageValidator.IsValid(findings), string.Join("\n", findings));
                ValidationFinding compression = findings.Single(f => f.Check == "Superblock.Compression");
                Assert.Equal(ValidationResult.Passed, compression.Result);
                Assert.Equal("Compression xz, which the Golem provider kernel supports.", compression.Message);
                ValidationFinding volumes = findings.Single(f => f.Check == "Volumes");
                Assert.Equal(ValidationResult.Warning, volumes.Result);
                Assert.Contains("VOLUME /d has 1 entry", volumes.Message);
            }
        }

        [Fact]
        public void The_volumes_of_an_image_whose_compressor_can_be_read_are_checked()
        {
            using (MksquashfsImage image = MksquashfsImage.Create(false, "-comp", "lz4"))
            {
                ValidationFinding volumes = Validate(image.Gvmi(WithVolume)).Single(f => f.Check == "Volumes");
                Assert.Equal(ValidationResult.Warning, volumes.Result);
                Assert.Contains("VOLUME /d has 1 entry", volumes.Message);
            }
        }

        [Fact]
        public void An_lz4_image_without_its_options_block_fails_as_the_kernel_refuses_it()
        {
            using (MksquashfsImage image = MksquashfsImage.Create(false, "-comp", "lz4"))
            {
                byte[] bytes = image.Gvmi();
                ushort flags = BinaryPrimitives.ReadUInt16LittleEndian(bytes.AsSpan(24));
                Assert.NotEqual(0, flags & (int)SquashfsFlags.CompressorOptions);
                BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(24), (ushort)(flags & ~(int)SquashfsFlags.CompressorOptions));
                AssertFailed(Validate(bytes), "Superblock.Compression", "The lz4 compressor options block is invalid: it is missing, and the Linux kernel refuses lz4 images without one.");
            }
        }

        [Fact]
        public void An_xz_dictionary_size_the_kernel_refuses_fails()
        {
            using (MksquashfsImage image = MksquashfsImage.Create(false, "-comp", "xz", "-Xbcj", "x86"))
            {
                byte[] bytes = image.Gvmi();
                Assert.Equal(131072u, BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(SquashfsSuperblock.Size + 2)));
                Assert.Equal(1u, BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(SquashfsSuperblock.Size + 6)));
                BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(SquashfsSuperblock.Size + 2), 131072 + 4096);
                AssertFailed(Validate(bytes), "Superblock.Compression", "dictionary size 135168 is not 2^n or 2^n + 2^(n+1)");
            }
        }

        [Fact]
        public void Xz_metadata_is_read_with_the_options_blocks_dictionary_as_the_kernel_reads_it()
        {
            // mksquashfs writes its metadata streams with an 8 KiB dictionary. An options block of 4 KiB (valid: 2^n)
            // makes the kernel preallocate 4 KiB, so every metadata read fails; a reader with a fixed, larger limit
            // would call the image readable.
            using (MksquashfsImage image = MksquashfsImage.Create(false, "-comp", "xz", "-Xbcj", "x86"))
            {
                byte[] bytes = image.Gvmi(WithVolume);
                Assert.Equal(ValidationResult.Warning, Validate(bytes).Single(f => f.Check == "Volumes").Result);
                BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(SquashfsSuperblock.Size + 2), 4096);
                IReadOnlyList<ValidationFinding> findings = Validate(bytes);
                Assert.Equal(ValidationResult.Passed, findings.Single(f => f.Check == "Superblock.Compression").Result);
                AssertFailed(findings, "Volumes", "The directory tree could not be read: ");
                Assert.Contains("dictionary", findings.Single(f => f.Check == "Volumes").Message);
            }
        }

        [Fact]
        public void An_options_block_header_that_does_not_fit_fails()
        {
            using (MksquashfsImage image = MksquashfsImage.Create(false, "-comp", "lz4"))
            {
                byte[] bytes = image.Gvmi();
                BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(SquashfsSuperblock.Size), 0x8000 | 9000);
                AssertFailed(Validate(bytes), "Superblock.Compression", "gives 9000 bytes, which do not fit");
            }
        }

        private static IReadOnlyList<ValidationFinding> Validate(byte[] bytes)
        {
            using (var stream = new MemoryStream(bytes))
            {
                return ImageValidator.Validate(stream, "test.gvmi");
            }
        }

        private static void AssertFailed(IReadOnlyList<ValidationFinding> findings, string check, string message)
        {
            ValidationFinding finding = findings.Single(f => f.Check == check);
            Assert.True(finding.Result == ValidationResult.Failed, finding.ToString());
            Assert.Contains(message, finding.Message);
        }
    }
}
