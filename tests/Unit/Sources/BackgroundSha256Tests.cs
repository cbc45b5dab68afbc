using System;
using System.Security.Cryptography;
using GolemImage.Sources;
using Xunit;

namespace GolemImage.Tests.Sources
{
    /// <summary>The layer digest hashed on its own thread equals SHA-256 of the bytes, however the reads cut them.</summary>
    [Trait(Requires.Key, Requires.Portable)]
    public sealed class BackgroundSha256Tests
    {
        [Theory]
        [InlineData(0, 1)]
        [InlineData(1, 1)]
        [InlineData(262144, 262144)]
        [InlineData(262145, 4096)]
        [InlineData(3_000_001, 65537)]
        [InlineData(3_000_001, 1_000_003)]
        public void EqualsSha256OfTheBytes(int length, int readSize)
        {
            var data = new byte[length];
            new Random(length ^ readSize).NextBytes(data);
            byte[] actual;
            using (var hash = new BackgroundSha256())
            {
                for (int offset = 0; offset < length; offset += readSize)
                {
                    hash.Append(data, offset, Math.Min(readSize, length - offset));
                }

                actual = hash.GetHash();
                Assert.Equal(actual, hash.GetHash());
            }

            using (SHA256 sha = SHA256.Create())
            {
                Assert.Equal(sha.ComputeHash(data), actual);
            }
        }

        [Fact]
        public void DisposeWithoutAHashStopsTheThread()
        {
            var hash = new BackgroundSha256();
            hash.Append(new byte[1_000_000], 0, 1_000_000);
            hash.Dispose();
        }
    }
}
