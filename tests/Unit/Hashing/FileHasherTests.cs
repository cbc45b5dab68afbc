using System;
using System.IO;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using GolemImage.Hashing;
using GolemImage.Reporting;
using GolemImage.Sources;
using Xunit;

namespace GolemImage.Tests.Hashing
{
    [Trait(Requires.Key, Requires.Portable)]
    public sealed class FileHasherTests : IDisposable
    {
        private readonly TempDirectory _directory = new TempDirectory();

        public void Dispose() => _directory.Dispose();

        [Fact]
        public async Task A_big_file_is_hashed_whole_with_percent_progress_that_ends_completed()
        {
            // Over the 64 MiB threshold, and not a whole number of read buffers.
            byte[] data = new byte[(65 << 20) + 12345];
            new Random(5).NextBytes(data);
            string path = _directory.Combine("big.gvmi");
            File.WriteAllBytes(path, data);
            var reporter = new RecordingReporter();

            string hash = await ImageConverter.HashFileAsync(path, reporter, CancellationToken.None);

            Assert.Equal(HexString.Lower(Sha3_224.HashData(data)), hash);
            ProgressReport[] reports = reporter.ProgressReports.ToArray();
            Assert.All(reports, r => Assert.Equal(ImageConverter.HashActivityId, r.ActivityId));
            Assert.Contains(reports, r => !r.Completed && r.PercentComplete >= 0 && r.PercentComplete <= 100 && r.Activity.Contains(path));
            Assert.True(reports.Last().Completed);
        }

        [Fact]
        public async Task A_small_file_is_hashed_without_progress_records()
        {
            byte[] data = new byte[3 << 20];
            new Random(6).NextBytes(data);
            string path = _directory.Combine("small.gvmi");
            File.WriteAllBytes(path, data);
            var reporter = new RecordingReporter();

            byte[] hash = await FileHasher.HashFileAsync(path, reporter, 5, CancellationToken.None);

            Assert.Equal(Sha3_224.HashData(data), hash);
            Assert.Empty(reporter.ProgressReports);
        }
    }
}
