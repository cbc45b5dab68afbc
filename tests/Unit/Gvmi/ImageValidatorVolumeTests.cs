using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using GolemImage.Gvmi;
using GolemImage.Squashfs.Reading;
using Xunit;

namespace GolemImage.Tests.Gvmi
{
    /// <summary>Test-GolemImage's Volumes check, on images mksquashfs writes (an independent writer).</summary>
    [Trait(Requires.Key, Requires.SquashfsTools)]
    public class ImageValidatorVolumeTests
    {
        private static void Write(string root, string relative, string content = "x\n")
        {
            string path = Path.Combine(root, relative);
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            File.WriteAllText(path, content);
        }

        private static void VolumeWithFiles(string root)
        {
            Write(root, "golem/work/input.txt");
            Write(root, "golem/work/sub/x");
            Write(root, "golem/workshop/y");
            Write(root, "etc/z");
            Directory.CreateDirectory(Path.Combine(root, "data"));
        }

        private static (ValidationFinding Volumes, IReadOnlyList<ValidationFinding> All) Check(MksquashfsImage image, params string[] volumes)
        {
            return Check(image.Gvmi(new ContainerConfig { Volumes = volumes.Length == 0 ? null : volumes }));
        }

        private static (ValidationFinding Volumes, IReadOnlyList<ValidationFinding> All) Check(byte[] gvmi)
        {
            IReadOnlyList<ValidationFinding> findings = ImageValidator.Validate(new MemoryStream(gvmi), "test.gvmi");
            return (Assert.Single(findings, f => f.Check == "Volumes"), findings);
        }

        [Theory]
        [InlineData("gzip")]
        [InlineData("lzo")]
        [InlineData("xz")]
        [InlineData("lz4")]
        [InlineData("zstd")]
        public void Warns_about_files_below_a_volume_and_counts_them_at_every_depth(string compression)
        {
            using (MksquashfsImage image = MksquashfsImage.CreateFrom(VolumeWithFiles, "-comp", compression))
            {
                (ValidationFinding volumes, IReadOnlyList<ValidationFinding> all) = Check(image, "/golem/work", "/data");

                Assert.Equal(ValidationResult.Warning, volumes.Result);
                Assert.StartsWith("VOLUME /golem/work has 3 entries in the image (such as /golem/work/input.txt). Golem providers mount an empty directory", volumes.Message);
                Assert.DoesNotContain("/data", volumes.Message);
                Assert.True(ImageValidator.IsValid(all), "a warning does not make the image invalid");
            }
        }

        [Theory]
        [InlineData("/golem/./work")]
        [InlineData("//golem//work/")]
        [InlineData("golem/work")]
        public void Finds_a_volume_written_in_any_form_of_its_path_and_counts_it_once(string volume)
        {
            using (MksquashfsImage image = MksquashfsImage.CreateFrom(VolumeWithFiles))
            {
                ValidationFinding volumes = Check(image, volume, "/golem/work").Volumes;

                // One finding for both spellings, under the one the trailer lists first (it writes Volumes sorted ordinally).
                string named = string.CompareOrdinal(volume, "/golem/work") < 0 ? volume : "/golem/work";
                Assert.Equal(ValidationResult.Warning, volumes.Result);
                Assert.Equal($"VOLUME {named} has 3 entries in the image (such as /golem/work/input.txt). Golem providers mount an empty directory over each volume, so what the image keeps there is hidden when it runs.", volumes.Message);
            }
        }

        [Fact]
        public void Passes_when_the_volumes_are_empty_missing_or_not_directories()
        {
            using (MksquashfsImage image = MksquashfsImage.CreateFrom(VolumeWithFiles))
            {
                ValidationFinding volumes = Check(image, "/data", "/opt/missing", "/etc/z/below-a-file", "/golem/work/input.txt").Volumes;

                Assert.Equal(ValidationResult.Passed, volumes.Result);
                Assert.Contains("4 VOLUME paths", volumes.Message);
            }
        }

        [Fact]
        public void Passes_when_the_config_has_no_volume()
        {
            using (MksquashfsImage image = MksquashfsImage.CreateFrom(VolumeWithFiles))
            {
                ValidationFinding volumes = Check(image).Volumes;

                Assert.Equal(ValidationResult.Passed, volumes.Result);
                Assert.Contains("no VOLUME", volumes.Message);
            }
        }

        [Fact]
        public void Reads_a_listing_that_spans_metadata_blocks_and_directory_headers()
        {
            // 1,500 names of ~100 bytes: a 150 KB listing (an extended directory inode with an index, many 8 KiB
            // metadata blocks, and more than 256 entries, so several directory headers).
            using (MksquashfsImage image = MksquashfsImage.CreateFrom(
                root =>
                {
                    for (int i = 0; i < 1500; i++)
                    {
                        Write(root, $"golem/work/many/{i:D5}-{new string('n', 90)}");
                    }

                    Write(root, "golem/work/zz-last");
                },
                "-comp", "lzo"))
            {
                ValidationFinding volumes = Check(image, "/golem/work/").Volumes;

                Assert.Equal(ValidationResult.Warning, volumes.Result);
                Assert.StartsWith("VOLUME /golem/work/ has 1502 entries in the image (such as /golem/work/many).", volumes.Message);
            }
        }

        [Fact]
        public void Skips_an_image_whose_metadata_it_cannot_decompress()
        {
            // No tool here writes lzma (id 2) images and this module reads every other compressor, so an uncompressed
            // image is relabelled lzma: its tables need no decompressor, but the check cannot know that.
            using (MksquashfsImage image = MksquashfsImage.CreateFrom(VolumeWithFiles, "-noI", "-noD", "-noF", "-noX"))
            {
                byte[] gvmi = image.Gvmi(new ContainerConfig { Volumes = new[] { "/golem/work" } });
                Assert.Equal(1, BinaryPrimitives.ReadUInt16LittleEndian(gvmi.AsSpan(20)));
                BinaryPrimitives.WriteUInt16LittleEndian(gvmi.AsSpan(20), 2);
                ValidationFinding volumes = Check(gvmi).Volumes;

                // The layout check already stops at a compressor no kernel reads, so the volumes are skipped, not guessed.
                Assert.Equal(ValidationResult.Skipped, volumes.Result);
                Assert.StartsWith("The volumes were not checked", volumes.Message);
            }
        }

        [Theory]
        [InlineData("-comp", "xz")]
        [InlineData("-comp", "xz", "-Xbcj", "x86")]
        [InlineData("-comp", "xz", "-Xdict-size", "25%")]
        public void Checks_the_volumes_of_xz_images_through_its_own_decoder(params string[] options)
        {
            using (MksquashfsImage image = MksquashfsImage.CreateFrom(VolumeWithFiles, options))
            {
                (ValidationFinding volumes, IReadOnlyList<ValidationFinding> all) = Check(image, "/golem/work");

                Assert.Equal(ValidationResult.Warning, volumes.Result);
                Assert.StartsWith("VOLUME /golem/work has 3 entries in the image (such as /golem/work/input.txt).", volumes.Message);
                Assert.True(ImageValidator.IsValid(all), string.Join("\n", all));
            }
        }

        [Fact]
        public void Fails_on_a_damaged_directory_table_instead_of_throwing()
        {
            using (MksquashfsImage image = MksquashfsImage.CreateFrom(VolumeWithFiles, "-comp", "gzip"))
            {
                byte[] gvmi = image.Gvmi(new ContainerConfig { Volumes = new[] { "/golem/work" } });
                long directoryTable = (long)BinaryPrimitives.ReadUInt64LittleEndian(gvmi.AsSpan(72));
                gvmi[directoryTable] = 0;
                gvmi[directoryTable + 1] = 0;

                (ValidationFinding volumes, IReadOnlyList<ValidationFinding> all) = Check(gvmi);

                Assert.Equal(ValidationResult.Failed, volumes.Result);
                Assert.Contains("could not be read", volumes.Message);
                Assert.Contains("claims 0 bytes", volumes.Message);
                Assert.False(ImageValidator.IsValid(all));
            }
        }

        [Fact]
        public void Fails_on_a_directory_linked_into_itself_instead_of_walking_forever()
        {
            // Uncompressed tables (-noI -noD), so the listing can be patched in place: golem/work's entry "sub" is
            // pointed at golem/work's own inode (all inodes of this small image share metadata block 0).
            using (MksquashfsImage image = MksquashfsImage.CreateFrom(VolumeWithFiles, "-noI", "-noD", "-noF", "-noX"))
            {
                byte[] gvmi = image.Gvmi(new ContainerConfig { Volumes = new[] { "/golem/work" } });
                int work = IndexOfEntry(gvmi, "work");
                int sub = IndexOfEntry(gvmi, "sub");
                gvmi[sub] = gvmi[work];
                gvmi[sub + 1] = gvmi[work + 1];

                ValidationFinding volumes = Check(gvmi).Volumes;

                Assert.Equal(ValidationResult.Failed, volumes.Result);
                Assert.Contains("appears twice in the directory tree", volumes.Message);
            }
        }

        /// <summary>Where the directory entry named <paramref name="name"/> starts (its inode offset field).</summary>
        private static int IndexOfEntry(byte[] image, string name)
        {
            // type 1 (directory) u16, name_size - 1 u16, then the name.
            byte[] pattern = new byte[] { 1, 0, (byte)(name.Length - 1), 0 }.Concat(System.Text.Encoding.ASCII.GetBytes(name)).ToArray();
            int at = image.AsSpan().IndexOf(pattern);
            Assert.True(at >= 4, $"no directory entry '{name}'");
            Assert.Equal(-1, image.AsSpan(at + 1).IndexOf(pattern));
            return at - 4;
        }

        [Fact]
        public void Is_skipped_when_an_earlier_check_failed()
        {
            using (MksquashfsImage image = MksquashfsImage.CreateFrom(VolumeWithFiles, "-nopad"))
            {
                ValidationFinding volumes = Check(image, "/golem/work").Volumes;

                Assert.Equal(ValidationResult.Skipped, volumes.Result);
            }
        }
    }
}
