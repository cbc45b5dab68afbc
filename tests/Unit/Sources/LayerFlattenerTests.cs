using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using GolemImage.Reporting;
using GolemImage.Sources;
using GolemImage.Tar;
using Xunit;

namespace GolemImage.Tests.Sources
{
    [Trait(Requires.Key, Requires.Portable)]
    public class LayerFlattenerTests
    {
        private sealed class Emitted
        {
            public Emitted(TarEntry entry, byte[] content)
            {
                Path = Encoding.UTF8.GetString(entry.Path);
                Type = entry.Type;
                Mode = entry.Mode;
                ModificationTime = entry.ModificationTime;
                LinkTarget = entry.LinkTarget == null ? null : Encoding.UTF8.GetString(entry.LinkTarget);
                Content = Encoding.UTF8.GetString(content);
            }

            public string Path { get; }

            public TarEntryType Type { get; }

            public int Mode { get; }

            public long ModificationTime { get; }

            public string? LinkTarget { get; }

            public string Content { get; }
        }

        private static async Task<Dictionary<string, Emitted>> FlattenAsync(IReadOnlyList<ImageLayer> layers, List<string>? order = null)
        {
            var result = new Dictionary<string, Emitted>();
            var flattener = new LayerFlattener(NullReporter.Instance);
            await flattener.FlattenAsync(layers, async (entry, ct) =>
            {
                var data = new MemoryStream();
                var buffer = new byte[4096];
                int read;
                while ((read = await entry.ReadDataAsync(buffer, ct)) > 0)
                {
                    data.Write(buffer, 0, read);
                }

                Assert.Equal(entry.Type == TarEntryType.RegularFile ? entry.Size : 0, data.Length);
                var emitted = new Emitted(entry, data.ToArray());
                Assert.False(result.ContainsKey(emitted.Path), $"'{emitted.Path}' emitted twice");
                result[emitted.Path] = emitted;
                order?.Add(emitted.Path);
            }, CancellationToken.None);
            Assert.Equal(result.Count, flattener.EntryCount);
            return result;
        }

        [Fact]
        public async Task WhiteoutsOpaqueDirectoriesAndReplacementsGiveTheExtractedView()
        {
            byte[] layer1 = new LayerBuilder()
                .Dir("etc").File("etc/hello", "v1").File("etc/motd", "motd")
                .Dir("var").Dir("var/cache").Dir("var/cache/junk").File("var/cache/junk/a", "junk").File("var/cache/keep", "keep")
                .Dir("opt").Dir("opt/app").File("opt/app/old", "old").Dir("opt/app/sub").File("opt/app/sub/deep", "deep")
                .Dir("srv").Dir("srv/site").File("srv/site/index", "index")
                .File("lib.so.1", "lib").Symlink("lib.so", "lib.so.1")
                .ToArray();
            var later = LayerBuilder.Time.AddHours(1);
            byte[] layer2 = new LayerBuilder()
                .Dir("etc", (UnixFileMode)0x1C0, later).File("etc/hello", "v2", time: later)
                .Whiteout("var/cache/junk")
                .Dir("opt/app").Opaque("opt/app").File("opt/app/new", "new")
                .Whiteout("lib.so")
                .ToArray();
            byte[] layer3 = new LayerBuilder()
                .Whiteout("etc/motd")
                .File("srv/site", "now a file")
                .ToArray();

            var entries = await FlattenAsync(LayerBuilder.Layers((layer1, null), (layer2, null), (layer3, null)));

            Assert.Equal("v2", entries["etc/hello"].Content);
            Assert.Equal(0x1C0, entries["etc"].Mode);
            Assert.Equal(later.ToUnixTimeSeconds(), entries["etc"].ModificationTime);
            Assert.DoesNotContain("etc/motd", entries.Keys);
            Assert.DoesNotContain("var/cache/junk", entries.Keys);
            Assert.DoesNotContain("var/cache/junk/a", entries.Keys);
            Assert.Equal("keep", entries["var/cache/keep"].Content);
            Assert.Equal("new", entries["opt/app/new"].Content);
            Assert.Contains("opt/app", entries.Keys);
            Assert.DoesNotContain("opt/app/old", entries.Keys);
            Assert.DoesNotContain("opt/app/sub", entries.Keys);
            Assert.DoesNotContain("opt/app/sub/deep", entries.Keys);
            Assert.Equal(TarEntryType.RegularFile, entries["srv/site"].Type);
            Assert.Equal("now a file", entries["srv/site"].Content);
            Assert.DoesNotContain("srv/site/index", entries.Keys);
            Assert.DoesNotContain("lib.so", entries.Keys);
            Assert.Equal("lib", entries["lib.so.1"].Content);
            Assert.DoesNotContain(entries.Keys, k => k.Contains(".wh."));
        }

        [Fact]
        public async Task HardLinkWhoseTargetANewerLayerReplacedKeepsTheOldContent()
        {
            byte[] layer1 = new LayerBuilder()
                .Dir("data").File("data/a", "original", (UnixFileMode)0x1ED).HardLink("data/b", "data/a").HardLink("data/c", "data/a")
                .Dir("gone").File("gone/x", "x content").HardLink("keep-x", "gone/x")
                .File("same/one", "shared").HardLink("same/two", "same/one")
                .ToArray();
            byte[] layer2 = new LayerBuilder().File("data/a", "replaced").Whiteout("gone").ToArray();

            var entries = await FlattenAsync(LayerBuilder.Layers((layer1, null), (layer2, null)));

            Assert.Equal("replaced", entries["data/a"].Content);
            Assert.Equal(TarEntryType.RegularFile, entries["data/b"].Type);
            Assert.Equal("original", entries["data/b"].Content);
            Assert.Equal(0x1ED, entries["data/b"].Mode);
            Assert.Equal(TarEntryType.HardLink, entries["data/c"].Type);
            Assert.Equal("data/b", entries["data/c"].LinkTarget);
            Assert.Equal("x content", entries["keep-x"].Content);
            Assert.DoesNotContain("gone/x", entries.Keys);
            Assert.Equal(TarEntryType.HardLink, entries["same/two"].Type);
            Assert.Equal("same/one", entries["same/two"].LinkTarget);
        }

        /// <summary>
        /// A one-layer image takes the path without path strings: whiteouts (which hide nothing here) and opaque markers
        /// must still be dropped, and names that only look like them (a ".wh." directory, ".wh" without the dot, ".wh."
        /// inside a name) kept, as in a layer below another.
        /// </summary>
        [Fact]
        public async Task AOneLayerImageDropsItsWhiteoutsAndKeepsNamesThatOnlyLookLikeThem()
        {
            byte[] layer = new LayerBuilder()
                .Dir("d").File("d/kept", "k").Whiteout("ghost").Whiteout("d/gone").Opaque("d")
                .File(".wh", "no dot").File("d/.whx", "no dot").File("d/a.wh.b", "inside").Dir(".wh.dir").File(".wh.dir/file", "under")
                .HardLink("d/link", "d/kept")
                .ToArray();

            var entries = await FlattenAsync(LayerBuilder.Layers((layer, null)));
            Assert.Equal(new[] { ".wh", ".wh.dir/file", "d", "d/.whx", "d/a.wh.b", "d/kept", "d/link" }, entries.Keys.OrderBy(k => k, StringComparer.Ordinal).ToArray());
            Assert.Equal("d/kept", entries["d/link"].LinkTarget);

            // The same layer below another takes the path with strings and must give the same entries.
            byte[] top = new LayerBuilder().File("top", "t").ToArray();
            var below = await FlattenAsync(LayerBuilder.Layers((layer, null), (top, null)));
            below.Remove("top");
            Assert.Equal(entries.Keys.OrderBy(k => k, StringComparer.Ordinal), below.Keys.OrderBy(k => k, StringComparer.Ordinal));
        }

        [Theory]
        [InlineData(".wh.a", true)]
        [InlineData("d/.wh.a", true)]
        [InlineData("d/.wh..wh..opq", true)]
        [InlineData("d/.wh.", true)]
        [InlineData(".wh", false)]
        [InlineData("d/.wh", false)]
        [InlineData("d/.whx", false)]
        [InlineData(".wh.d/file", false)]
        [InlineData("d/x.wh.y", false)]
        [InlineData("d/.wh.x/", false)]
        [InlineData("", false)]
        public void AWhiteoutNameIsALastNameStartingWithTheWhiteoutPrefix(string path, bool expected)
        {
            Assert.Equal(expected, LayerFlattener.IsWhiteoutName(Encoding.UTF8.GetBytes(path)));
        }

        [Fact]
        public async Task WhiteoutAppliesOnlyToOlderLayersAndRootOpaqueHidesEverythingOlder()
        {
            byte[] layer1 = new LayerBuilder().File("a", "old a").File("b", "old b").ToArray();
            byte[] layer2 = new LayerBuilder().Whiteout("a").File("a", "same layer as its whiteout").ToArray();
            byte[] layer3 = new LayerBuilder().File(".wh..wh..opq", string.Empty).File("c", "c").ToArray();

            var two = await FlattenAsync(LayerBuilder.Layers((layer1, null), (layer2, null)));
            Assert.Equal("same layer as its whiteout", two["a"].Content);
            Assert.Equal("old b", two["b"].Content);

            var three = await FlattenAsync(LayerBuilder.Layers((layer1, null), (layer2, null), (layer3, null)));
            Assert.Equal(new[] { "c" }, three.Keys.ToArray());
        }

        [Fact]
        public async Task GzipZstdAndPlainLayersGiveTheSameEntries()
        {
            var random = new Random(5);
            byte[] big = new byte[300_000];
            random.NextBytes(big);
            byte[] layer1 = new LayerBuilder().Dir("d").File("d/big", big).File("d/small", "small").ToArray();
            byte[] layer2 = new LayerBuilder().File("d/small", "newer").Symlink("d/link", "big").ToArray();

            var plain = await FlattenAsync(LayerBuilder.Layers((layer1, null), (layer2, null)));
            var compressed = await FlattenAsync(LayerBuilder.Layers((layer1, LayerBuilder.Gzip), (layer2, LayerBuilder.Zstd)));

            Assert.Equal(plain.Keys.OrderBy(k => k), compressed.Keys.OrderBy(k => k));
            foreach (string key in plain.Keys)
            {
                Assert.Equal(plain[key].Content, compressed[key].Content);
                Assert.Equal(plain[key].Type, compressed[key].Type);
            }

            Assert.Equal(Encoding.UTF8.GetString(big), compressed["d/big"].Content);
            Assert.Equal("newer", compressed["d/small"].Content);
        }

        [Fact]
        public async Task ALayerThatDoesNotMatchItsDigestIsRefused()
        {
            byte[] layer = new LayerBuilder().File("a", "content").ToArray();
            byte[] tampered = (byte[])layer.Clone();
            int at = Encoding.ASCII.GetString(tampered).IndexOf("content", StringComparison.Ordinal);
            tampered[at] = (byte)'C';
            var layers = new List<ImageLayer>
            {
                new ImageLayer(0, "tampered layer", LayerBuilder.Sha256(layer), LayerBuilder.Sha256(layer), tampered.Length, (_, _) => Task.FromResult<Stream>(new MemoryStream(tampered)), "InvalidArchive"),
            };

            var error = await Assert.ThrowsAsync<GolemImageException>(() => FlattenAsync(layers));
            Assert.Equal("InvalidArchive", error.ErrorId);
            Assert.Contains("tampered layer", error.Message);
            Assert.Contains(LayerBuilder.Sha256(layer), error.Message);
        }

        [Theory]
        [InlineData(false)]
        [InlineData(true)]
        public async Task ALegacyLayerWithOnlyADiffIdIsCheckedAgainstIt(bool gzip)
        {
            // docker save before Docker 25 names layers '<v1 id>/layer.tar': no blob digest, only the config's diff id.
            byte[] layer = new LayerBuilder().File("a", "content").ToArray();
            byte[] tampered = (byte[])layer.Clone();
            tampered[Encoding.ASCII.GetString(tampered).IndexOf("content", StringComparison.Ordinal)] = (byte)'C';
            string diffId = LayerBuilder.Sha256(layer);
            ImageLayer Legacy(byte[] tar)
            {
                byte[] stored = gzip ? LayerBuilder.Gzip(tar) : tar;
                return new ImageLayer(0, "legacy layer", null, diffId, stored.Length, (_, _) => Task.FromResult<Stream>(new MemoryStream(stored)), "InvalidArchive");
            }

            await FlattenAsync(new List<ImageLayer> { Legacy(layer) });
            var error = await Assert.ThrowsAsync<GolemImageException>(() => FlattenAsync(new List<ImageLayer> { Legacy(tampered) }));
            Assert.Equal("InvalidArchive", error.ErrorId);
            Assert.Contains("legacy layer", error.Message);
            Assert.Contains(diffId, error.Message);
        }

        [Fact]
        public async Task ACorruptGzipLayerIsAClearError()
        {
            byte[] gz = LayerBuilder.Gzip(new LayerBuilder().File("a", new byte[100_000]).ToArray());
            byte[] truncated = gz.Take(gz.Length / 2).Concat(new byte[] { 1, 2, 3, 4, 5, 6, 7, 8 }).ToArray();
            var layers = new List<ImageLayer>
            {
                new ImageLayer(0, "broken layer", null, null, truncated.Length, (_, _) => Task.FromResult<Stream>(new MemoryStream(truncated)), "InvalidArchive"),
            };

            var error = await Assert.ThrowsAnyAsync<GolemImageException>(() => FlattenAsync(layers));
            Assert.Contains("broken layer", error.Message);
        }
    }
}
