using System;
using System.Collections.Generic;
using System.Formats.Tar;
using System.IO;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using GolemImage.Reporting;
using GolemImage.Sources;
using Xunit;

namespace GolemImage.Tests.Sources
{
    [Trait(Requires.Key, Requires.Portable)]
    public sealed class ImageArchiveSourceTests : IDisposable
    {
        private readonly string directory = Path.Combine(Path.GetTempPath(), "gi-archive-" + Guid.NewGuid().ToString("N"));

        public ImageArchiveSourceTests()
        {
            Directory.CreateDirectory(directory);
        }

        public void Dispose() => Directory.Delete(directory, recursive: true);

        private static (string ConfigName, byte[] Config, string LayerName, byte[] Layer) Image(string marker, string architecture = "amd64")
        {
            byte[] layer = new LayerBuilder().File("marker", marker).ToArray();
            string diffId = LayerBuilder.Sha256(layer);
            byte[] config = Encoding.UTF8.GetBytes("{\"architecture\":\"" + architecture + "\",\"os\":\"linux\",\"created\":\"2024-05-06T07:08:09Z\",\"config\":{\"Env\":[\"A=" + marker + "\"]},\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[\"" + diffId + "\"]}}");
            return (LayerBuilder.Sha256(config).Substring(7) + ".json", config, diffId.Substring(7) + "/layer.tar", layer);
        }

        /// <summary>A legacy docker save archive holding several images, written with System.Formats.Tar (GNU format, long names).</summary>
        private string Archive(params (string Tag, string Marker, string Architecture)[] images)
        {
            string path = Path.Combine(directory, "save.tar");
            using var file = File.Create(path);
            using var writer = new TarWriter(file, TarEntryFormat.Gnu);
            var manifest = new List<string>();
            foreach (var (tag, marker, architecture) in images)
            {
                var image = Image(marker, architecture);
                writer.WriteEntry(new GnuTarEntry(TarEntryType.RegularFile, image.ConfigName) { DataStream = new MemoryStream(image.Config) });
                writer.WriteEntry(new GnuTarEntry(TarEntryType.RegularFile, image.LayerName) { DataStream = new MemoryStream(image.Layer) });
                manifest.Add("{\"Config\":\"" + image.ConfigName + "\",\"RepoTags\":[\"" + tag + "\"],\"Layers\":[\"" + image.LayerName + "\"]}");
            }

            writer.WriteEntry(new GnuTarEntry(TarEntryType.RegularFile, "manifest.json") { DataStream = new MemoryStream(Encoding.UTF8.GetBytes("[" + string.Join(",", manifest) + "]")) });
            return path;
        }

        private static Task<ResolvedImage> Open(string path, string? image, bool force = false) =>
            ImageArchiveSource.OpenAsync(path, image, ImagePlatform.LinuxAmd64, force, null, NullReporter.Instance, CancellationToken.None);

        [Fact]
        public async Task ChoosesTheNamedImageOfSeveralByTagOrId()
        {
            string path = Archive(("team/one:1", "one", "amd64"), ("team/two:2", "two", "amd64"));
            using (ResolvedImage two = await Open(path, "team/two:2"))
            {
                Assert.Equal("team/two:2", two.Reference);
                Assert.Equal(new[] { "A=two" }, two.Config.Env);
                Assert.Equal(new DateTimeOffset(2024, 5, 6, 7, 8, 9, TimeSpan.Zero), two.Config.Created);
                Assert.Single(two.Layers);
                Assert.Equal(two.Config.DiffIds[0], two.Layers[0].DiffId);
            }

            string idOfOne = Image("one").ConfigName.Substring(0, 12);
            using (ResolvedImage one = await Open(path, idOfOne))
            {
                Assert.Equal(new[] { "A=one" }, one.Config.Env);
                Assert.Equal("sha256:" + Image("one").ConfigName.Replace(".json", string.Empty), one.ImageId);
            }
        }

        [Fact]
        public async Task NamesTheChoicesWhenTheImageIsAmbiguousOrMissing()
        {
            string path = Archive(("team/one:1", "one", "amd64"), ("team/two:2", "two", "amd64"));
            var ambiguous = await Assert.ThrowsAsync<GolemImageException>(() => Open(path, null));
            Assert.Equal("AmbiguousImage", ambiguous.ErrorId);
            Assert.Contains("team/one:1", ambiguous.Message);
            Assert.Contains("team/two:2", ambiguous.Message);

            var missing = await Assert.ThrowsAsync<GolemImageException>(() => Open(path, "team/three:3"));
            Assert.Equal("ImageNotFound", missing.ErrorId);
            Assert.Contains("team/two:2", missing.Message);
        }

        [Fact]
        public async Task RefusesAnotherPlatformUnlessForced()
        {
            string path = Archive(("team/arm:1", "arm", "arm64"));
            var refused = await Assert.ThrowsAsync<GolemImageException>(() => Open(path, null));
            Assert.Equal("UnsupportedPlatform", refused.ErrorId);
            Assert.Contains("linux/arm64", refused.Message);
            using ResolvedImage forced = await Open(path, null, force: true);
            Assert.Equal("linux/arm64", forced.Config.Platform.ToString());
        }

        [Fact]
        public async Task RefusesAConfigWhoseDigestIsNotItsName()
        {
            var image = Image("x");
            string path = Path.Combine(directory, "bad.tar");
            using (var file = File.Create(path))
            using (var writer = new TarWriter(file, TarEntryFormat.Ustar))
            {
                string wrongName = new string('a', 64) + ".json";
                writer.WriteEntry(new UstarTarEntry(TarEntryType.RegularFile, wrongName) { DataStream = new MemoryStream(image.Config) });
                writer.WriteEntry(new UstarTarEntry(TarEntryType.RegularFile, "manifest.json") { DataStream = new MemoryStream(Encoding.UTF8.GetBytes("[{\"Config\":\"" + wrongName + "\",\"RepoTags\":null,\"Layers\":[]}]")) });
            }

            var error = await Assert.ThrowsAsync<GolemImageException>(() => Open(path, null));
            Assert.Equal("InvalidArchive", error.ErrorId);
            Assert.Contains("digest", error.Message);
        }

        [Theory]
        [InlineData("./etc/passwd", true)]
        [InlineData("bin/sh", true)]
        [InlineData("notes.txt", false)]
        public async Task ATarThatIsNoImageArchiveIsInvalidArchiveAndARootFileSystemGetsAHint(string member, bool rootFileSystem)
        {
            string path = Path.Combine(directory, "plain.tar");
            using (var file = File.Create(path))
            using (var writer = new TarWriter(file, TarEntryFormat.Ustar))
            {
                writer.WriteEntry(new UstarTarEntry(TarEntryType.RegularFile, member) { DataStream = new MemoryStream(Encoding.UTF8.GetBytes("root:x:0:0::/root:/bin/sh\n")) });
            }

            var error = await Assert.ThrowsAsync<GolemImageException>(() => Open(path, null));
            Assert.Equal("InvalidArchive", error.ErrorId);
            Assert.Contains("neither manifest.json", error.Message);
            Assert.Equal(rootFileSystem, error.Message.Contains("docker import"));
        }

        [Fact]
        public async Task AMissingFileIsArchiveNotFound()
        {
            var error = await Assert.ThrowsAsync<GolemImageException>(() => Open(Path.Combine(directory, "nope.tar"), null));
            Assert.Equal("ArchiveNotFound", error.ErrorId);
        }
    }
}
