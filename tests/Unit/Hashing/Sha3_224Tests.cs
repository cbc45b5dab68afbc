using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using CsCheck;
using GolemImage.Hashing;
using Xunit;

namespace GolemImage.Tests.Hashing
{
    [Trait(Requires.Key, Requires.Portable)]
    public class Sha3_224Tests
    {
        public static IEnumerable<object[]> Fips202Vectors()
        {
            yield return new object[] { "empty", Array.Empty<byte>(), "6b4e03423667dbb73b6e15454f0eb1abd4597f9a1b078e3f5b5a6bc7" };
            yield return new object[] { "abc", Encoding.ASCII.GetBytes("abc"), "e642824c3f8cf24ad09234ee7d3c766fc9a3a5168d0c94ad73b46fdf" };
            yield return new object[]
            {
                "448 bits",
                Encoding.ASCII.GetBytes("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
                "8a24108b154ada21c9fd5574494479ba5c7e7ab76ef264ead0fcce33",
            };
            yield return new object[]
            {
                "896 bits",
                Encoding.ASCII.GetBytes("abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu"),
                "543e6868e1666c1a643630df77367ae5a62a85070a51c14cbf665cbc",
            };
            yield return new object[] { "one million a", Enumerable.Repeat((byte)'a', 1_000_000).ToArray(), "d69335b93325192e516a912e6d19a15cb51c6ed5c15243e7a7fd653c" };
            yield return new object[] { "200 x 0xA3", Enumerable.Repeat((byte)0xA3, 200).ToArray(), "9376816aba503f72f96ce7eb65ac095deee3be4bf9bbc2a1cb7e11e0" };
        }

        [Theory]
        [MemberData(nameof(Fips202Vectors))]
        public void HashData_matches_the_FIPS_202_vectors(string name, byte[] message, string expected)
        {
            Assert.True(expected == HexString.Lower(Sha3_224.HashData(message)), name);
        }

        [Theory]
        [MemberData(nameof(Fips202Vectors))]
        public void Byte_by_byte_appends_match_the_FIPS_202_vectors(string name, byte[] message, string expected)
        {
            var sha3 = new Sha3_224();
            int step = message.Length > 10_000 ? 997 : 1;
            for (int i = 0; i < message.Length; i += step)
            {
                sha3.Append(new ReadOnlySpan<byte>(message, i, Math.Min(step, message.Length - i)));
            }

            Assert.True(expected == HexString.Lower(sha3.GetHashAndReset()), name);
        }

        [Fact]
        public void GetHashAndReset_starts_a_fresh_message()
        {
            var sha3 = new Sha3_224();
            sha3.Append(Encoding.ASCII.GetBytes("something else entirely, longer than one block of one hundred and forty-four bytes, so that the state is permuted at least once"));
            sha3.GetHashAndReset();
            sha3.Append(Encoding.ASCII.GetBytes("abc"));
            Assert.Equal("e642824c3f8cf24ad09234ee7d3c766fc9a3a5168d0c94ad73b46fdf", HexString.Lower(sha3.GetHashAndReset()));
        }

        [Trait(Requires.Key, Requires.LinuxTools)]
        [Fact]
        public void Random_lengths_match_openssl()
        {
            // Lengths around every block boundary plus random ones up to 10,000, all hashed by one openssl call.
            var random = new Random(20261127);
            var lengths = new List<int>();
            for (int i = 0; i <= 3 * Sha3_224.RateInBytes + 1; i++)
            {
                lengths.Add(i);
            }

            for (int i = 0; i < 250; i++)
            {
                lengths.Add(random.Next(0, 10_001));
            }

            lengths.Add(10_000);
            string directory = Path.Combine(Path.GetTempPath(), "gi-sha3-" + Guid.NewGuid().ToString("N"));
            Directory.CreateDirectory(directory);
            try
            {
                var expected = new Dictionary<string, string>();
                for (int i = 0; i < lengths.Count; i++)
                {
                    var data = new byte[lengths[i]];
                    random.NextBytes(data);
                    string file = Path.Combine(directory, $"m{i:D4}");
                    File.WriteAllBytes(file, data);
                    expected[file] = HexString.Lower(Sha3_224.HashData(data));
                }

                Dictionary<string, string> openssl = RunOpenSsl(expected.Keys.OrderBy(k => k, StringComparer.Ordinal).ToList());
                Assert.Equal(expected.Count, openssl.Count);
                foreach (KeyValuePair<string, string> pair in expected)
                {
                    Assert.True(openssl[pair.Key] == pair.Value, $"{pair.Key} ({new FileInfo(pair.Key).Length} bytes): openssl {openssl[pair.Key]}, ours {pair.Value}");
                }
            }
            finally
            {
                Directory.Delete(directory, true);
            }
        }

        [Fact]
        public void Appends_split_at_random_points_give_the_one_shot_hash()
        {
            Gen.Select(Gen.Byte.Array[0, 2000], Gen.Int[0, 2000].Array[0, 8])
                .Sample((data, cuts) =>
                {
                    byte[] oneShot = Sha3_224.HashData(data);
                    var sha3 = new Sha3_224();
                    int position = 0;
                    foreach (int cut in cuts.Select(c => Math.Min(c, data.Length)).OrderBy(c => c))
                    {
                        sha3.Append(new ReadOnlySpan<byte>(data, position, cut - position));
                        position = cut;
                    }

                    sha3.Append(new ReadOnlySpan<byte>(data, position, data.Length - position));
                    return oneShot.SequenceEqual(sha3.GetHashAndReset());
                }, iter: 300);
        }

        [Fact]
        public async Task HashStreamAsync_matches_HashData_across_buffer_boundaries()
        {
            var random = new Random(7);
            foreach (int length in new[] { 0, 1, 143, 144, 1_048_607, 1_048_608, 3_500_000 })
            {
                var data = new byte[length];
                random.NextBytes(data);
                var progress = new List<long>();
                using (var stream = new TrickleStream(data))
                {
                    byte[] hash = await Sha3_224.HashStreamAsync(stream, progress.Add, CancellationToken.None);
                    Assert.Equal(HexString.Lower(Sha3_224.HashData(data)), HexString.Lower(hash));
                }

                Assert.Equal(length, progress.Count == 0 ? 0 : progress[progress.Count - 1]);
            }
        }

        [Fact]
        public async Task HashStreamAsync_honours_cancellation()
        {
            using (var cancel = new CancellationTokenSource())
            using (var stream = new MemoryStream(new byte[4_000_000]))
            {
                cancel.Cancel();
                await Assert.ThrowsAnyAsync<OperationCanceledException>(() => Sha3_224.HashStreamAsync(stream, cancel.Token));
            }
        }

        private static Dictionary<string, string> RunOpenSsl(IList<string> files)
        {
            var start = new ProcessStartInfo("openssl") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            foreach (string argument in new[] { "dgst", "-sha3-224", "-r" }.Concat(files))
            {
                start.ArgumentList.Add(argument);
            }

            using (Process process = Process.Start(start)!)
            {
                Task<string> error = process.StandardError.ReadToEndAsync();
                string output = process.StandardOutput.ReadToEnd();
                process.WaitForExit();
                Assert.True(process.ExitCode == 0, "openssl failed: " + error.Result);
                var result = new Dictionary<string, string>();
                foreach (string line in output.Split('\n', StringSplitOptions.RemoveEmptyEntries))
                {
                    int space = line.IndexOf(' ');
                    result[line.Substring(space + 2)] = line.Substring(0, space);
                }

                return result;
            }
        }

        /// <summary>A stream that returns short reads, as pipes and network streams do.</summary>
        private sealed class TrickleStream : MemoryStream
        {
            private int call;

            public TrickleStream(byte[] data)
                : base(data, false)
            {
            }

            public override int Read(byte[] buffer, int offset, int count)
            {
                call++;
                return base.Read(buffer, offset, Math.Min(count, 1 + ((call * 7919) % 300_000)));
            }

            public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
            {
                cancellationToken.ThrowIfCancellationRequested();
                return Task.FromResult(Read(buffer, offset, count));
            }
        }
    }
}
