using System;
using System.Diagnostics;
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
    /// <summary>Spool files (docker save, decompressed archives) go where asked, never outlive their job, and orphans are swept.</summary>
    [Trait(Requires.Key, Requires.Portable)]
    public sealed class SpoolFilesTests : IDisposable
    {
        private readonly TempDirectory work = new TempDirectory();

        public void Dispose() => work.Dispose();

        private string Directory(string name)
        {
            string path = work.Combine(name);
            System.IO.Directory.CreateDirectory(path);
            return path;
        }

        private static string[] Spools(string directory) => System.IO.Directory.GetFiles(directory, SpoolFiles.NamePrefix + "*");

        [Fact]
        public void The_parameter_beats_the_environment_which_beats_the_outputs_directory()
        {
            string parameter = Directory("parameter"), environment = Directory("environment"), output = Directory("output");
            Assert.Equal(parameter, SpoolFiles.ChooseDirectory(parameter, environment, output));
            Assert.Equal(environment, SpoolFiles.ChooseDirectory(null, environment, output));
            Assert.Equal(output, SpoolFiles.ChooseDirectory(null, "  ", output));
            Assert.Null(SpoolFiles.ChooseDirectory(null, null, work.Combine("output", "not-yet")));
        }

        [Theory]
        [InlineData(true)]
        [InlineData(false)]
        public void A_spool_directory_that_does_not_exist_is_an_error_naming_where_it_came_from(bool parameter)
        {
            string missing = work.Combine("missing");
            var error = Assert.Throws<GolemImageException>(() => parameter ? SpoolFiles.ChooseDirectory(missing, null, null) : SpoolFiles.ChooseDirectory(null, missing, null));
            Assert.Equal(ErrorIds.SpoolDirectoryNotFound, error.ErrorId);
            Assert.Contains(parameter ? "-SpoolDirectory" : SpoolFiles.EnvironmentVariable, error.Message);
        }

        [Fact]
        public async Task A_compressed_archive_is_decompressed_into_the_spool_directory_and_the_spool_is_deleted_with_the_image()
        {
            string spool = Directory("spool");
            string archive = CompressedArchive();
            string[] inTemp = Spools(Path.GetTempPath());
            ResolvedImage image = await ImageArchiveSource.OpenAsync(archive, null, ImagePlatform.LinuxAmd64, false, spool, NullReporter.Instance, CancellationToken.None);
            string file = Assert.Single(Spools(spool));
            Assert.True(SpoolFiles.TryParseOwner(Path.GetFileName(file), out string machine, out int processId));
            Assert.Equal(Environment.MachineName, machine);
            Assert.Equal(Environment.ProcessId, processId);
            Assert.Equal(inTemp, Spools(Path.GetTempPath()));
            image.Dispose();
            Assert.Empty(System.IO.Directory.GetFileSystemEntries(spool));
        }

        [Fact]
        public async Task A_cancelled_decompression_leaves_no_spool_behind()
        {
            string spool = Directory("spool");
            string archive = CompressedArchive();
            using var cancelled = new CancellationTokenSource();
            cancelled.Cancel();
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => ImageArchiveSource.OpenAsync(archive, null, ImagePlatform.LinuxAmd64, false, spool, NullReporter.Instance, cancelled.Token));
            Assert.Empty(System.IO.Directory.GetFileSystemEntries(spool));
        }

        [Fact]
        [Trait(Requires.Key, Requires.LinuxTools)]
        public void A_sweep_removes_old_spools_of_ended_processes_only()
        {
            string spool = Directory("spool");
            int ended = EndedProcessId();
            using Process running = Process.Start(new ProcessStartInfo("sleep", "60") { UseShellExecute = false })!;
            try
            {
                string orphan = Spool(spool, Environment.MachineName, ended);
                string live = Spool(spool, Environment.MachineName, running.Id);
                string mine = Spool(spool, Environment.MachineName, Environment.ProcessId);
                string otherMachine = Spool(spool, "another-host", ended);
                string unrelated = Path.Combine(spool, "image.gvmi");
                File.WriteAllText(unrelated, "x");

                // Written just now: an hour later all of them are old enough.
                Assert.Equal(0, SpoolFiles.Sweep(spool, DateTime.UtcNow, SpoolFiles.StaleAfter, null));
                Assert.Equal(1, SpoolFiles.Sweep(spool, DateTime.UtcNow.AddHours(1), SpoolFiles.StaleAfter, null));
                Assert.False(File.Exists(orphan));
                Assert.True(File.Exists(live) && File.Exists(mine) && File.Exists(otherMachine) && File.Exists(unrelated));
            }
            finally
            {
                running.Kill();
            }
        }

        [Fact]
        [Trait(Requires.Key, Requires.LinuxTools)]
        public void A_new_spool_sweeps_its_directory_first()
        {
            string spool = Directory("spool");
            string orphan = Spool(spool, Environment.MachineName, EndedProcessId());
            File.SetLastWriteTimeUtc(orphan, DateTime.UtcNow - SpoolFiles.StaleAfter - TimeSpan.FromMinutes(1));
            string path = SpoolFiles.NewPath(spool, NullReporter.Instance);
            Assert.False(File.Exists(orphan));
            Assert.Equal(spool, Path.GetDirectoryName(path));
            Assert.StartsWith(SpoolFiles.NamePrefix + Environment.MachineName + "-" + Environment.ProcessId + "-", Path.GetFileName(path));
        }

        [Theory]
        [InlineData(".golemimage-spool-build-host-01-4242-0123456789ab.tmp", "build-host-01", 4242)]
        [InlineData(".golemimage-spool-H-1-x.tmp", "H", 1)]
        public void Spool_names_carry_machine_and_process(string name, string machine, int processId)
        {
            Assert.True(SpoolFiles.TryParseOwner(name, out string parsedMachine, out int parsedId));
            Assert.Equal((machine, processId), (parsedMachine, parsedId));
            Assert.False(SpoolFiles.TryParseOwner(".golemimage-spool-host-x-y.tmp", out _, out _));
            Assert.False(SpoolFiles.TryParseOwner("golemimage-spool-host-1-y.tmp", out _, out _));
        }

        private static string Spool(string directory, string machine, int processId)
        {
            string path = Path.Combine(directory, $"{SpoolFiles.NamePrefix}{machine}-{processId}-{Guid.NewGuid():N}.tmp");
            File.WriteAllText(path, "spooled");
            return path;
        }

        private static int EndedProcessId()
        {
            using Process process = Process.Start(new ProcessStartInfo("true") { UseShellExecute = false })!;
            process.WaitForExit();
            return process.Id;
        }

        private string CompressedArchive()
        {
            byte[] layer = new LayerBuilder().File("data.bin", new byte[50_000]).ToArray();
            string diffId = LayerBuilder.Sha256(layer);
            byte[] config = Encoding.UTF8.GetBytes("{\"architecture\":\"amd64\",\"os\":\"linux\",\"config\":{},\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[\"" + diffId + "\"]}}");
            string configName = LayerBuilder.Sha256(config).Substring(7) + ".json";
            byte[] archive = new TarBuilder()
                .Entry(configName, data: config)
                .Entry("layer.tar", data: layer)
                .Entry("manifest.json", data: Encoding.UTF8.GetBytes("[{\"Config\":\"" + configName + "\",\"RepoTags\":[\"x:1\"],\"Layers\":[\"layer.tar\"]}]"))
                .End()
                .ToArray();
            string path = work.Combine("save.tar.gz");
            File.WriteAllBytes(path, LayerBuilder.Gzip(archive));
            return path;
        }
    }
}
