using System;
using System.IO;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using GolemImage.Registry;
using GolemImage.Reporting;
using Xunit;

namespace GolemImage.Tests.Registry
{
    [Trait(Requires.Key, Requires.Portable)]
    public sealed class ImageDescriptorFileTests : IDisposable
    {
        private readonly string folder = Path.Combine(Path.GetTempPath(), "gi-descr-" + Guid.NewGuid().ToString("N"));
        private readonly string image;

        public ImageDescriptorFileTests()
        {
            Directory.CreateDirectory(folder);
            image = Path.Combine(folder, "image.gvmi");
            File.WriteAllBytes(image, Enumerable.Range(0, 10_000).Select(i => (byte)(i * 7)).ToArray());
            File.SetLastWriteTimeUtc(image, DateTime.UtcNow.AddMinutes(-10));
        }

        public void Dispose() => Directory.Delete(folder, true);

        [Fact]
        public async Task The_descriptor_is_cached_beside_the_image_under_gvmkit_builds_name()
        {
            ImageDescriptor computed = await ImageDescriptorFile.GetOrComputeAsync(image, 4096, NullReporter.Instance, CancellationToken.None);

            Assert.Equal(computed.Bytes, File.ReadAllBytes(image + ".descr.bin"));
            Assert.Empty(Directory.GetFiles(folder, "*.tmp"));
        }

        [Fact]
        public async Task A_valid_cache_is_used_instead_of_reading_the_image()
        {
            ImageDescriptor computed = await ImageDescriptorFile.GetOrComputeAsync(image, 4096, NullReporter.Instance, CancellationToken.None);

            // Same size and age, different content: only a cache hit can still give the old descriptor.
            File.WriteAllBytes(image, new byte[10_000]);
            File.SetLastWriteTimeUtc(image, DateTime.UtcNow.AddMinutes(-10));
            ImageDescriptor again = await ImageDescriptorFile.GetOrComputeAsync(image, 4096, NullReporter.Instance, CancellationToken.None);

            Assert.Equal(computed.Bytes, again.Bytes);
        }

        [Fact]
        public async Task The_cache_is_ignored_once_the_image_is_newer_than_it()
        {
            await ImageDescriptorFile.GetOrComputeAsync(image, 4096, NullReporter.Instance, CancellationToken.None);
            File.WriteAllBytes(image, new byte[10_000]);
            File.SetLastWriteTimeUtc(image, DateTime.UtcNow.AddMinutes(5));

            ImageDescriptor again = await ImageDescriptorFile.GetOrComputeAsync(image, 4096, NullReporter.Instance, CancellationToken.None);

            Assert.Equal(GolemImage.Hashing.Sha3_224.HashData(new byte[10_000]), again.Sha3);
            Assert.Equal(again.Bytes, File.ReadAllBytes(image + ".descr.bin"));
        }

        [Fact]
        public async Task The_cache_is_ignored_for_another_chunk_size()
        {
            await ImageDescriptorFile.GetOrComputeAsync(image, 4096, NullReporter.Instance, CancellationToken.None);

            Assert.Null(ImageDescriptorFile.TryLoad(image, 8192, NullReporter.Instance));
            ImageDescriptor other = await ImageDescriptorFile.GetOrComputeAsync(image, 8192, NullReporter.Instance, CancellationToken.None);
            Assert.Equal(8192, other.ChunkSize);
            Assert.Equal(8192, ImageDescriptor.Parse(File.ReadAllBytes(image + ".descr.bin"), "cache").ChunkSize);
        }

        [Fact]
        public async Task A_damaged_cache_is_ignored_and_replaced()
        {
            File.WriteAllBytes(image + ".descr.bin", new byte[] { 1, 2, 3 });
            ImageDescriptor computed = await ImageDescriptorFile.GetOrComputeAsync(image, 4096, NullReporter.Instance, CancellationToken.None);

            Assert.Equal(computed.Bytes, File.ReadAllBytes(image + ".descr.bin"));
        }
    }
}
