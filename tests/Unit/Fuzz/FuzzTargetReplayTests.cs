using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using GolemImage.Fuzz;
using Xunit;

namespace GolemImage.Tests.Fuzz
{
    /// <summary>
    /// The fuzz targets in the default run: their seeds are accepted, and seeded random damage to them ends in a
    /// refusal the user would see as the module's own error, never another exception type and never a long run.
    /// (The coverage-guided runs are build.ps1 -Task Fuzz; what they found is pinned by hand-written tests.)
    /// </summary>
    [Trait(Requires.Key, Requires.Portable)]
    public class FuzzTargetReplayTests
    {
        public static TheoryData<string> Targets()
        {
            var data = new TheoryData<string>();
            foreach (FuzzTarget target in FuzzTargets.All)
            {
                data.Add(target.Name);
            }

            return data;
        }

        [Theory]
        [MemberData(nameof(Targets))]
        public void Seeds_parse_without_any_error(string name)
        {
            FuzzTargets.PrepareProcessForTests();
            FuzzTarget target = FuzzTargets.Find(name)!;
            List<byte[]> seeds = target.Seeds().ToList();
            Assert.NotEmpty(seeds);
            foreach (byte[] seed in seeds.Where(s => !FuzzTargets.IsRefusalSeed(name, s)))
            {
                target.RunUnchecked(seed);
            }
        }

        [Theory]
        [MemberData(nameof(Targets))]
        public void Damaged_seeds_end_in_the_modules_own_errors(string name)
        {
            FuzzTargets.PrepareProcessForTests();
            FuzzTarget target = FuzzTargets.Find(name)!;
            var random = new Random(name.Aggregate(17, (hash, c) => (hash * 31) + c)); // stable across runs, unlike string.GetHashCode
            List<byte[]> seeds = target.Seeds().ToList();
            int rounds = Environment.GetEnvironmentVariable("GOLEMIMAGE_EXHAUSTIVE") == "1" ? 3000 : 150;
            for (int round = 0; round < rounds; round++)
            {
                byte[] input = Damage(seeds[round % seeds.Count], random);
                var clock = Stopwatch.StartNew();
                try
                {
                    target.Run(input);
                }
                catch (Exception ex)
                {
                    Assert.Fail($"{name} round {round}: {ex.GetType().FullName}: {ex.Message} (input {Convert.ToBase64String(input)})");
                }

                Assert.True(clock.Elapsed < TimeSpan.FromSeconds(20), $"{name} round {round} took {clock.Elapsed} (input {Convert.ToBase64String(input)})");
            }
        }

        /// <summary>Byte flips, interesting values, cuts and duplicated runs: the kinds of damage AFL starts with.</summary>
        private static byte[] Damage(byte[] seed, Random random)
        {
            var bytes = new List<byte>(seed);
            int edits = 1 + random.Next(4);
            for (int i = 0; i < edits && bytes.Count > 0; i++)
            {
                int at = random.Next(bytes.Count);
                switch (random.Next(6))
                {
                    case 0:
                        bytes[at] ^= (byte)(1 << random.Next(8));
                        break;
                    case 1:
                        bytes[at] = new byte[] { 0, 0xFF, 0x7F, 0x80, (byte)'9', (byte)'-', (byte)'\n' }[random.Next(7)];
                        break;
                    case 2:
                        bytes.RemoveRange(at, bytes.Count - at);
                        break;
                    case 3:
                        bytes.RemoveRange(at, Math.Min(bytes.Count - at, 1 + random.Next(64)));
                        break;
                    case 4:
                        int length = Math.Min(bytes.Count - at, 1 + random.Next(600));
                        bytes.InsertRange(random.Next(bytes.Count), bytes.GetRange(at, length));
                        break;
                    default:
                        for (int j = 0; j < 8 && at + j < bytes.Count; j++)
                        {
                            bytes[at + j] = (byte)random.Next(256);
                        }

                        break;
                }
            }

            return bytes.ToArray();
        }
    }
}
