using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using GolemImage.Reporting;
using GolemImage.Sources;
using GolemImage.Tests.Tar;
using Xunit;

namespace GolemImage.Tests.Sources
{
    /// <summary>
    /// The families of hostile input the fuzzing issue named: every one ends in the module's own ErrorId, naming the
    /// user's input (never a temporary file) and saying what is wrong, without hanging.
    /// </summary>
    [Trait(Requires.Key, Requires.Portable)]
    public sealed class HostileInputTests : IDisposable
    {
        private static readonly TimeSpan Patience = TimeSpan.FromSeconds(20);
        private readonly TempDirectory work = new TempDirectory();

        public void Dispose() => work.Dispose();

        private static byte[] LayerTar() => new LayerBuilder().File("data.bin", RandomBytes(100_000, 5)).File("notes.txt", "hello").ToArray();

        private static byte[] RandomBytes(int count, int seed)
        {
            var bytes = new byte[count];
            new Random(seed).NextBytes(bytes);
            return bytes;
        }

        private static async Task<GolemImageException> FlattenExpectingFailure(byte[] blob, string diffId)
        {
            var layer = new ImageLayer(0, "layer 1/1 of hostile.tar", null, diffId, blob.Length, (_, _) => Task.FromResult<Stream>(new MemoryStream(blob)), ErrorIds.InvalidArchive);
            var flattener = new LayerFlattener(NullReporter.Instance);
            using var timeout = new CancellationTokenSource(Patience);
            var error = await Assert.ThrowsAsync<GolemImageException>(() => flattener.FlattenAsync(new List<ImageLayer> { layer }, (entry, ct) => default, timeout.Token));
            Assert.Equal(ErrorIds.InvalidArchive, error.ErrorId);
            Assert.Contains("layer 1/1 of hostile.tar", error.Message);
            return error;
        }

        [Fact]
        public async Task A_gzip_layer_cut_short_in_its_end_records_is_reported_truncated_not_as_a_diff_id_mismatch()
        {
            byte[] tar = LayerTar();
            byte[] gzip = LayerBuilder.Gzip(tar);

            // The last deflate bytes encode the end-of-archive zeros: without them every entry is still whole.
            byte[] cut = gzip.Take(gzip.Length - 12).ToArray();
            var error = await FlattenExpectingFailure(cut, LayerBuilder.Sha256(tar));
            Assert.Contains("truncated", error.Message);
            Assert.DoesNotContain("digest", error.Message);
        }

        [Fact]
        public async Task A_gzip_layer_of_two_members_reads_both_not_the_first_only_as_dotnet_framework_would()
        {
            byte[] tar = LayerTar();
            int half = tar.Length / 2;
            byte[] blob = LayerBuilder.Gzip(tar.Take(half).ToArray()).Concat(LayerBuilder.Gzip(tar.Skip(half).ToArray())).ToArray();
            var layer = new ImageLayer(0, "two members", LayerBuilder.Sha256(blob), LayerBuilder.Sha256(tar), blob.Length, (_, _) => Task.FromResult<Stream>(new MemoryStream(blob)), ErrorIds.InvalidArchive);
            var names = new List<string>();
            await new LayerFlattener(NullReporter.Instance).FlattenAsync(new List<ImageLayer> { layer }, (entry, ct) => { names.Add(entry.DisplayPath); return default; }, CancellationToken.None);
            Assert.Equal(new[] { "data.bin", "notes.txt" }, names);
        }

        [Fact]
        public async Task A_gzip_layer_with_a_bad_crc_is_reported_corrupt_not_as_an_unsupported_compression_method()
        {
            byte[] tar = LayerTar();
            byte[] gzip = LayerBuilder.Gzip(tar);
            gzip[gzip.Length - 8] ^= 0x01;
            var error = await FlattenExpectingFailure(gzip, LayerBuilder.Sha256(tar));
            Assert.Contains("gzip data is corrupt", error.Message);
            Assert.DoesNotContain("unsupported compression method", error.Message);
        }

        [Theory]
        [InlineData("garbage")]
        [InlineData("truncated")]
        public async Task A_zstd_layer_with_garbage_or_cut_short_is_a_module_error_not_a_ZstdException(string damage)
        {
            byte[] tar = LayerTar();
            byte[] zstd = LayerBuilder.Zstd(tar);
            byte[] blob = damage == "garbage"
                ? zstd.Take(4).Concat(Enumerable.Repeat((byte)0x55, 200)).ToArray()
                : zstd.Take(zstd.Length / 2).ToArray();
            var error = await FlattenExpectingFailure(blob, LayerBuilder.Sha256(tar));
            Assert.Contains(damage == "garbage" ? "zstd data is corrupt" : "zstd data is truncated", error.Message);
        }

        private string DockerSave()
        {
            var image = LayerTar();
            string diffId = LayerBuilder.Sha256(image);
            byte[] config = Encoding.UTF8.GetBytes("{\"architecture\":\"amd64\",\"os\":\"linux\",\"config\":{},\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[\"" + diffId + "\"]}}");
            string configName = LayerBuilder.Sha256(config).Substring(7) + ".json";
            byte[] archive = new TarBuilder()
                .Entry(configName, data: config)
                .Entry("layer.tar", data: image)
                .Entry("manifest.json", data: Encoding.UTF8.GetBytes("[{\"Config\":\"" + configName + "\",\"RepoTags\":[\"x:1\"],\"Layers\":[\"layer.tar\"]}]"))
                .End()
                .ToArray();
            string path = work.Combine("save.tar");
            File.WriteAllBytes(path, archive);
            return path;
        }

        private static async Task<GolemImageException> OpenExpectingFailure(string path, string? spool = null)
        {
            Task<ResolvedImage> open = Task.Run(() => ImageArchiveSource.OpenAsync(path, null, ImagePlatform.LinuxAmd64, false, spool, NullReporter.Instance, CancellationToken.None));

            // The index walk is synchronous: a loop without progress would never end, so wait a bounded time.
            Assert.True(await Task.WhenAny(open, Task.Delay(Patience)) == open, "opening the archive did not finish (a loop without progress?)");
            var error = await Assert.ThrowsAsync<GolemImageException>(() => open);
            Assert.Equal(ErrorIds.InvalidArchive, error.ErrorId);
            Assert.Contains(path, error.Message);
            Assert.DoesNotContain(SpoolFiles.NamePrefix, error.Message);
            return error;
        }

        [Theory]
        [InlineData("gzip")]
        [InlineData("zstd")]
        public async Task A_compressed_archive_cut_short_names_the_users_archive_not_the_temporary_copy(string compression)
        {
            string plain = DockerSave();
            byte[] tar = File.ReadAllBytes(plain);
            byte[] compressed = compression == "gzip" ? LayerBuilder.Gzip(tar) : LayerBuilder.Zstd(tar);
            string path = work.Combine("save.tar." + compression);
            File.WriteAllBytes(path, compressed.Take(compressed.Length * 2 / 3).ToArray());
            string spool = work.Combine("spool");
            Directory.CreateDirectory(spool);
            var error = await OpenExpectingFailure(path, spool);
            Assert.Contains("truncated", error.Message);
            Assert.Empty(Directory.GetFileSystemEntries(spool));
        }

        [Fact]
        public async Task A_zstd_compressed_archive_with_garbage_after_the_magic_is_InvalidArchive()
        {
            string path = work.Combine("save.tar.zst");
            File.WriteAllBytes(path, new byte[] { 0x28, 0xb5, 0x2f, 0xfd }.Concat(Enumerable.Repeat((byte)0xA7, 300)).ToArray());
            var error = await OpenExpectingFailure(path);
            Assert.Contains("zstd data is corrupt", error.Message);
        }

        [Theory]
        [InlineData(-1024)]
        [InlineData(-1)]
        [InlineData(long.MinValue)]
        public async Task An_archive_member_with_a_negative_base_256_size_is_refused_not_walked_for_ever(long size)
        {
            byte[] field = HostileSparseTests.Base256(size, 12);
            field[0] = 0xFF;
            byte[] archive = new TarBuilder()
                .Raw(TarBuilder.Header("evil", edit: h => field.CopyTo(h, 124)))
                .Raw(new byte[4096])
                .ToArray();
            string path = work.Combine("negative.tar");
            File.WriteAllBytes(path, archive);
            var error = await OpenExpectingFailure(path);
            Assert.Contains("negative size", error.Message);
            Assert.Contains("byte 0", error.Message);
        }

        [Theory]
        [InlineData("99999999999999999999999")]
        [InlineData("12abc")]
        [InlineData("-5")]
        [InlineData("")]
        public async Task A_pax_size_record_that_overflows_or_is_no_number_is_InvalidArchive(string value)
        {
            byte[] archive = new TarBuilder()
                .Pax('x', TarBuilder.PaxRecord("size", value))
                .Entry("manifest.json", data: Encoding.UTF8.GetBytes("[]"))
                .End()
                .ToArray();
            string path = work.Combine("pax.tar");
            File.WriteAllBytes(path, archive);
            var error = await OpenExpectingFailure(path);
            Assert.Contains("PAX 'size' record", error.Message);
        }

        [Fact]
        public async Task A_pax_size_past_the_end_of_the_file_is_InvalidArchive()
        {
            byte[] archive = new TarBuilder()
                .Pax('x', TarBuilder.PaxRecord("size", long.MaxValue.ToString()))
                .Entry("manifest.json", data: Encoding.UTF8.GetBytes("[]"))
                .End()
                .ToArray();
            string path = work.Combine("pax-huge.tar");
            File.WriteAllBytes(path, archive);
            var error = await OpenExpectingFailure(path);
            Assert.Contains("past the end of the file", error.Message);
        }

        // Found by the fuzz targets' replay of damaged seeds (Credentials): JsonElement.GetString throws
        // InvalidOperationException for a string that is not UTF-8 or a value that is not a string.
        [Theory]
        [InlineData("{\"auths\":{\"registry.fuzz\":{\"username\":\"\xC3\x28\",\"password\":\"b\"}}}")]
        [InlineData("{\"auths\":{\"registry.fuzz\":{\"username\":5,\"password\":\"b\"}}}")]
        [InlineData("\"a config that is a string\"")]
        [InlineData("[1, 2]")]
        public void A_docker_config_that_is_no_object_or_holds_a_username_that_is_no_UTF8_string_is_InvalidDockerConfig(string json)
        {
            string path = work.Combine("config.json");
            File.WriteAllBytes(path, Latin1(json));
            var error = Assert.Throws<GolemImageException>(() => DockerConfigCredentials.Find("registry.fuzz", path, NullReporter.Instance));
            Assert.Equal(ErrorIds.InvalidDockerConfig, error.ErrorId);
            Assert.Contains(path, error.Message);
        }

        // Sibling of the above: every JSON document read from an archive or a registry.
        [Fact]
        public void A_manifest_or_config_with_a_fractional_number_or_a_non_UTF8_string_is_the_modules_error()
        {
            string digest = "sha256:" + new string('a', 64);
            byte[] manifest = Encoding.UTF8.GetBytes("{\"schemaVersion\":2,\"config\":{\"digest\":\"" + digest + "\",\"size\":1.5},\"layers\":[]}");
            var error = Assert.Throws<GolemImageException>(() => OciManifestDocument.Parse(manifest, null, "the manifest of x", ErrorIds.RegistryError));
            Assert.Equal(ErrorIds.RegistryError, error.ErrorId);
            Assert.Contains("the manifest of x", error.Message);

            byte[] schema = Encoding.UTF8.GetBytes("{\"schemaVersion\":1.5,\"manifests\":[]}");
            Assert.Equal(ErrorIds.RegistryError, Assert.Throws<GolemImageException>(() => OciManifestDocument.Parse(schema, null, "the index of x", ErrorIds.RegistryError)).ErrorId);

            byte[] config = Latin1("{\"os\":\"linux\",\"architecture\":\"\xC3\x28\"}");
            var configError = Assert.Throws<GolemImageException>(() => ImageConfig.Parse(config, "config of x"));
            Assert.Equal(ErrorIds.InvalidImageConfig, configError.ErrorId);
            Assert.Contains("config of x", configError.Message);
        }

        private static byte[] Latin1(string text) => Encoding.Latin1.GetBytes(text);

        [Fact]
        public void The_archive_index_walk_honours_cancellation()
        {
            var builder = new TarBuilder();
            for (int i = 0; i < 1000; i++)
            {
                builder.Entry("member" + i, data: new byte[] { 1 });
            }

            string path = work.Combine("many.tar");
            File.WriteAllBytes(path, builder.End().ToArray());
            using var cancelled = new CancellationTokenSource();
            cancelled.Cancel();
            Assert.ThrowsAny<OperationCanceledException>(() => TarArchiveFiles.Index(path, "many.tar", cancelled.Token));
            Assert.Equal(1000, TarArchiveFiles.Index(path, "many.tar").List().Count());
        }
    }
}
