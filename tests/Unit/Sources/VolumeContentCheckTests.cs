using System.Linq;
using GolemImage.Sources;
using GolemImage.Tar;
using Xunit;

namespace GolemImage.Tests.Sources
{
    [Trait(Requires.Key, Requires.Portable)]
    public class VolumeContentCheckTests
    {
        private static VolumeContentCheck Observe(string[] volumes, params string[] paths)
        {
            var check = new VolumeContentCheck(volumes);
            foreach (string path in paths)
            {
                check.Observe(new TarEntry(path, path.EndsWith("/") ? TarEntryType.Directory : TarEntryType.RegularFile));
            }

            return check;
        }

        [Fact]
        public void CountsWhatLiesBelowAVolumeAndNamesTheFirst()
        {
            VolumeContentCheck check = Observe(
                new[] { "/golem/work" },
                "golem/", "golem/work/", "golem/work/input.txt", "golem/work/sub/", "golem/work/sub/more.txt", "golem/workshop/tool", "golem/work2", "etc/hosts");

            string warning = Assert.Single(check.Warnings());
            Assert.StartsWith("VOLUME /golem/work has 3 entries in the image (such as /golem/work/input.txt).", warning);
            Assert.Contains("hidden when it runs", warning);
        }

        [Fact]
        public void SaysNothingWhenVolumesAreEmptyInTheImage()
        {
            VolumeContentCheck check = Observe(new[] { "/golem/work", "/data" }, "golem/", "golem/work/", "data/", "datafile", "golem/worker.txt");

            Assert.Empty(check.Warnings());
        }

        [Fact]
        public void SaysNothingForAnImageWithoutVolumes()
        {
            Assert.Empty(Observe(System.Array.Empty<string>(), "golem/work/input.txt").Warnings());
        }

        [Theory]
        [InlineData("/golem/work/")]
        [InlineData("golem/work")]
        [InlineData("//golem//work")]
        [InlineData("/golem/./work")]
        public void ReadsAVolumeWrittenInAnyFormOfItsPath(string volume)
        {
            string warning = Assert.Single(Observe(new[] { volume }, "golem/work/input.txt").Warnings());
            Assert.StartsWith($"VOLUME {volume} has 1 entry in the image (such as /golem/work/input.txt).", warning);
        }

        [Fact]
        public void WarnsOncePerVolumeAndOnceForTheSamePathWrittenTwice()
        {
            VolumeContentCheck check = Observe(new[] { "/in", "/out", "/in/" }, "in/a", "out/b", "out/c");

            string[] warnings = check.Warnings().ToArray();
            Assert.Equal(2, warnings.Length);
            Assert.StartsWith("VOLUME /in has 1 entry", warnings[0]);
            Assert.StartsWith("VOLUME /out has 2 entries", warnings[1]);
        }

        [Fact]
        public void CountsAPathALayerHoldsTwiceOnce()
        {
            // The writer keeps the later of the two; the image holds the path once (nested volumes: once each).
            string[] warnings = Observe(new[] { "/data", "/data/cache" }, "data/cache/x", "data/y", "data/cache/x", "./data/y").Warnings().ToArray();

            Assert.Equal(2, warnings.Length);
            Assert.StartsWith("VOLUME /data has 2 entries in the image (such as /data/cache/x)", warnings[0]);
            Assert.StartsWith("VOLUME /data/cache has 1 entry", warnings[1]);
        }

        [Fact]
        public void CountsANestedVolumesEntriesForBoth()
        {
            string[] warnings = Observe(new[] { "/data", "/data/cache" }, "data/cache/x").Warnings().ToArray();

            Assert.Equal(2, warnings.Length);
            Assert.All(warnings, w => Assert.Contains("has 1 entry", w));
        }

        [Fact]
        public void TakesAVolumeAtTheRootAsCoveringEverythingButTheRoot()
        {
            string warning = Assert.Single(Observe(new[] { "/" }, "./", "bin/", "bin/sh").Warnings());
            Assert.StartsWith("VOLUME / has 2 entries in the image (such as /bin).", warning);
        }

        [Fact]
        public void IgnoresAVolumePathNoRuntimeCouldMount()
        {
            Assert.Empty(Observe(new[] { "/golem/../etc" }, "etc/passwd").Warnings());
        }

        [Fact]
        public void ReportsEachWarningThroughTheReporter()
        {
            var reporter = new RecordingReporter();
            Observe(new[] { "/golem/work" }, "golem/work/a", "golem/work/b").Report(reporter);

            string warning = Assert.Single(reporter.Warnings);
            Assert.StartsWith("VOLUME /golem/work has 2 entries", warning);
        }
    }
}
