using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using GolemImage.Squashfs;
using Xunit;

namespace GolemImage.Tests.Squashfs
{
    [Trait(Requires.Key, Requires.Portable)]
    public class ContentIndexTests
    {
        private static byte[] Digest(ulong first64, ulong rest = 0)
        {
            var digest = new byte[16];
            BinaryPrimitives.WriteUInt64LittleEndian(digest, first64);
            BinaryPrimitives.WriteUInt64LittleEndian(digest.AsSpan(8), rest);
            return digest;
        }

        [Fact]
        public void Every_file_is_found_after_the_index_grows_many_times()
        {
            // 10,000 files: the bucket heads are replaced several times (from 1,024) and the entries cross chunks of 4,096.
            var sizes = new List<long>();
            var index = new ContentIndex(file => sizes[file]);
            var random = new Random(21);
            var hashes = new ulong[10_000];
            for (int file = 0; file < hashes.Length; file++)
            {
                hashes[file] = (ulong)random.Next() << 32 | (uint)random.Next();
                sizes.Add(file % 7);
                Assert.False(index.TryGet(sizes[file], Digest(hashes[file]), out _));
                index.Add(sizes[file], Digest(hashes[file]), file);
            }

            Assert.Equal(hashes.Length, index.Count);
            for (int file = 0; file < hashes.Length; file++)
            {
                Assert.True(index.TryGet(sizes[file], Digest(hashes[file], rest: 12345), out int found), $"file {file}");
                Assert.Equal(file, found);
            }
        }

        [Fact]
        public void The_same_hash_under_another_byte_count_is_another_file()
        {
            var sizes = new List<long> { 10, 20 };
            var index = new ContentIndex(file => sizes[file]);
            index.Add(10, Digest(42), 0);
            Assert.False(index.TryGet(20, Digest(42), out _));
            index.Add(20, Digest(42), 1);

            Assert.True(index.TryGet(10, Digest(42), out int first));
            Assert.Equal(0, first);
            Assert.True(index.TryGet(20, Digest(42), out int second));
            Assert.Equal(1, second);
            Assert.False(index.TryGet(30, Digest(42), out int none));
            Assert.Equal(-1, none);
            Assert.False(index.TryGet(10, Digest(43), out _));
        }

        [Fact]
        public void Files_sharing_a_bucket_stay_apart_across_growth()
        {
            // Every file has the same byte count and hashes that differ only above the bits a small table uses, so
            // they chain in few buckets; after growth each must still be found as itself, not as a chain neighbour.
            var index = new ContentIndex(_ => 100);
            const int files = 5_000;
            for (int file = 0; file < files; file++)
            {
                index.Add(100, Digest((ulong)file << 40), file);
            }

            for (int file = files - 1; file >= 0; file--)
            {
                Assert.True(index.TryGet(100, Digest((ulong)file << 40), out int found));
                Assert.Equal(file, found);
            }

            Assert.False(index.TryGet(100, Digest((ulong)files << 40), out _));
        }
    }
}
