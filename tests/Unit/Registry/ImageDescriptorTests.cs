using System;
using System.IO;
using System.Linq;
using System.Security.Cryptography;
using System.Threading;
using System.Threading.Tasks;
using CsCheck;
using GolemImage.Hashing;
using GolemImage.Registry;
using Xunit;

namespace GolemImage.Tests.Registry
{
    [Trait(Requires.Key, Requires.Portable)]
    public class ImageDescriptorTests
    {
        // Bytes i % 251 for i in 0..2499, chunks of 1000: computed independently with Python's hashlib
        // (struct.pack('>QQQ', 0x333333334, 2500, 1000) + sha3_224(data) + sha256 of each 1000-byte slice).
        private const string GoldenDescriptorHex =
            "0000000333333334" + "00000000000009c4" + "00000000000003e8" +
            "98f13a82bfa57e7169300472786f64c186448964fdd243ced64c3eff" +
            "4e4c294b331f7a2099a379bec34b9f9fc03dc46ab465d998f4d683da53487e6d" +
            "6001f4fd9d6d0187a279decbb936b7e0ea8654ba3bb4624bdfc8b886bd0811d7" +
            "770f036a57ec25ac7fac48514ff52755e76a23bef7e03a53f7fbbf4869e3ba9f";

        private const string GoldenDescriptorSha256 = "168c36ce14afcfd9f8a01e2ab6a682b422b6f0180079530b2d0b7d053b975e61";

        private const long MiB = 1024 * 1024;

        private static byte[] GoldenData() => Enumerable.Range(0, 2500).Select(i => (byte)(i % 251)).ToArray();

        [Fact]
        public async Task ComputeAsync_writes_gvmkit_builds_exact_bytes()
        {
            byte[] data = GoldenData();
            ImageDescriptor descriptor = await ImageDescriptor.ComputeAsync(new MemoryStream(data), data.Length, 1000, null, CancellationToken.None);

            Assert.Equal(GoldenDescriptorHex, HexString.Lower(descriptor.Bytes));
            Assert.Equal(GoldenDescriptorSha256, descriptor.DescriptorSha256Hex);
            Assert.Equal("98f13a82bfa57e7169300472786f64c186448964fdd243ced64c3eff", descriptor.Sha3Hex);
            Assert.Equal(3, descriptor.ChunkCount);
        }

        [Fact]
        public void Parse_reads_the_golden_descriptor_and_serializes_it_back_unchanged()
        {
            HexString.TryParse(GoldenDescriptorHex, out byte[] bytes);
            ImageDescriptor descriptor = ImageDescriptor.Parse(bytes, "golden");

            Assert.Equal(2500, descriptor.FileSize);
            Assert.Equal(1000, descriptor.ChunkSize);
            Assert.Equal(new long[] { 0, 1000, 2000 }, Enumerable.Range(0, 3).Select(descriptor.GetChunkPosition));
            Assert.Equal(new long[] { 1000, 1000, 500 }, Enumerable.Range(0, 3).Select(descriptor.GetChunkLength));
            Assert.Equal(SHA256.HashData(GoldenData().AsSpan(2000, 500)), descriptor.GetChunkSha256(2));
            Assert.Equal(bytes, descriptor.Bytes);
            Assert.Equal(GoldenDescriptorSha256, descriptor.DescriptorSha256Hex);
        }

        [Fact]
        public async Task An_empty_file_has_no_chunks_and_a_52_byte_descriptor()
        {
            ImageDescriptor descriptor = await ImageDescriptor.ComputeAsync(new MemoryStream(), 0, 2 * MiB, null, CancellationToken.None);

            Assert.Equal(0, descriptor.ChunkCount);
            Assert.Equal("0000000333333334000000000000000000000000002000006b4e03423667dbb73b6e15454f0eb1abd4597f9a1b078e3f5b5a6bc7", HexString.Lower(descriptor.Bytes));
            Assert.Equal("542b430ab601ad30e35316270fd6c4c9fed9a4b83733ba0953d138c7852d90b3", descriptor.DescriptorSha256Hex);
        }

        [Theory]
        [InlineData(0, 51, "shorter than the 52-byte header")]
        [InlineData(1, 0, "version is 0x333333335")]
        [InlineData(2, 0, "148 bytes long, but 5 chunks need 212 bytes")]
        [InlineData(3, 0, "147 bytes long, but 3 chunks need 148 bytes")]
        [InlineData(4, 0, "chunk size 0")]
        public void Parse_refuses_damaged_descriptors_naming_the_problem(int damage, int length, string problem)
        {
            HexString.TryParse(GoldenDescriptorHex, out byte[] bytes);
            switch (damage)
            {
                case 0: bytes = bytes.Take(length).ToArray(); break;
                case 1: bytes[7] = 0x35; break;
                case 2: bytes[22] = 0x01; bytes[23] = 0xF4; break; // chunk size 500: 2500 bytes are 5 chunks
                case 3: bytes = bytes.Take(bytes.Length - 1).ToArray(); break;
                case 4: bytes[22] = 0; bytes[23] = 0; break;
            }

            var error = Assert.Throws<GolemImageException>(() => ImageDescriptor.Parse(bytes, "cache.descr.bin"));
            Assert.Equal("InvalidImageDescriptor", error.ErrorId);
            Assert.Contains("cache.descr.bin", error.Message);
            Assert.Contains(problem, error.Message);
        }

        [Theory]
        [InlineData(0, 2 * MiB)]
        [InlineData(1, 2 * MiB)]
        [InlineData(200 * MiB, 2 * MiB)]
        [InlineData(200 * MiB + 1, 5 * MiB)]
        [InlineData(500 * MiB, 5 * MiB)]
        [InlineData(500 * MiB + 1, 10 * MiB)]
        [InlineData(1024 * MiB, 10 * MiB)]
        [InlineData(1024 * MiB + 1, 20 * MiB)]
        [InlineData(2048 * MiB, 20 * MiB)]
        [InlineData(2048 * MiB + 1, 50 * MiB)]
        [InlineData(5120 * MiB, 50 * MiB)]
        [InlineData(5120 * MiB + 1, 100 * MiB)]
        [InlineData(100_000 * MiB, 100 * MiB)]
        [InlineData(100_000 * MiB + 1, 101 * MiB)]
        public void DefaultChunkSize_follows_gvmkit_build_by_file_size(long fileSize, long expected)
        {
            Assert.Equal(expected, ImageDescriptor.DefaultChunkSize(fileSize));
        }

        [Fact]
        public void DefaultChunkSize_never_exceeds_the_registrys_1000_chunks()
        {
            Gen.Long[0, 1L << 42].Sample(size =>
            {
                long chunk = ImageDescriptor.DefaultChunkSize(size);
                Assert.True(ImageDescriptor.CountChunks(size, chunk) <= ImageDescriptor.MaximumChunkCount, $"{size} bytes in chunks of {chunk}");
                Assert.True(chunk % MiB == 0 && chunk >= 2 * MiB);
            });
        }

        [Fact]
        public void ComputeAsync_matches_direct_hashing_for_any_size_chunk_size_and_read_pattern()
        {
            Gen.Select(Gen.Byte.Array[0, 20_000], Gen.Int[1, 5000], Gen.Int[1, 3000]).Sample((data, chunkSize, readSize) =>
            {
                ImageDescriptor descriptor = ImageDescriptor.ComputeAsync(new TrickleStream(data, readSize), data.Length, chunkSize, null, CancellationToken.None).GetAwaiter().GetResult();

                Assert.Equal(Sha3_224.HashData(data), descriptor.Sha3);
                Assert.Equal((data.Length + chunkSize - 1) / chunkSize, descriptor.ChunkCount);
                for (int i = 0; i < descriptor.ChunkCount; i++)
                {
                    int position = i * chunkSize;
                    Assert.Equal(SHA256.HashData(data.AsSpan(position, Math.Min(chunkSize, data.Length - position))), descriptor.GetChunkSha256(i));
                }

                Assert.Equal(descriptor.Bytes, ImageDescriptor.Parse(descriptor.Bytes, "round trip").Bytes);
            });
        }

        [Fact]
        public async Task ComputeAsync_fails_when_the_stream_ends_before_the_announced_size()
        {
            var error = await Assert.ThrowsAsync<GolemImageException>(() => ImageDescriptor.ComputeAsync(new MemoryStream(new byte[100]), 150, 64, null, CancellationToken.None));
            Assert.Equal("ImageChangedWhileReading", error.ErrorId);
        }

        /// <summary>Returns at most a few bytes per read, to cross chunk boundaries at every possible offset.</summary>
        private sealed class TrickleStream : MemoryStream
        {
            private readonly int most;

            public TrickleStream(byte[] data, int most)
                : base(data)
            {
                this.most = most;
            }

            public override int Read(byte[] buffer, int offset, int count) => base.Read(buffer, offset, Math.Min(count, most));

            public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
                base.ReadAsync(buffer, offset, Math.Min(count, most), cancellationToken);
        }
    }
}
