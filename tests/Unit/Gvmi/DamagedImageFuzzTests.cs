using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Threading.Tasks;
using GolemImage.Gvmi;
using GolemImage.Squashfs.Reading;
using Xunit;

namespace GolemImage.Tests.Gvmi
{
    /// <summary>
    /// Test-GolemImage on images damaged at random: whatever the damage, every check ends with a finding; never an
    /// exception, an endless walk or an allocation the damage asks for. The metadata is stored uncompressed (as
    /// -noI -noD writes it) so that most damage reaches the inode and directory parsers behind the layout checks
    /// instead of stopping at a decompression error; a gzip image covers the compressed path.
    /// </summary>
    [Trait(Requires.Key, Requires.SquashfsTools)]
    public class DamagedImageFuzzTests
    {
        private static readonly int Rounds = Environment.GetEnvironmentVariable("GOLEMIMAGE_EXHAUSTIVE") == "1" ? 20_000 : 600;

        private static void Tree(string root)
        {
            Directory.CreateDirectory(Path.Combine(root, "golem", "work", "deep", "er"));
            File.WriteAllText(Path.Combine(root, "golem", "work", "input.txt"), "x\n");
            File.WriteAllText(Path.Combine(root, "golem", "work", "deep", "er", "y"), "y\n");
            Directory.CreateDirectory(Path.Combine(root, "many"));
            for (int i = 0; i < 300; i++)
            {
                File.WriteAllText(Path.Combine(root, "many", "file-" + i.ToString("D3")), i.ToString());
            }

            File.WriteAllBytes(Path.Combine(root, "big"), Enumerable.Range(0, 200_000).Select(i => (byte)(i * 7)).ToArray());
            File.CreateSymbolicLink(Path.Combine(root, "golem", "work", "link"), "../../many");
        }

        [Theory]
        [InlineData("-noI", "-noD", "-noF", "-noX")]
        [InlineData("-comp", "gzip")]
        public async Task Random_damage_to_the_metadata_gives_findings_not_exceptions(params string[] options)
        {
            using (MksquashfsImage image = MksquashfsImage.CreateFrom(Tree, options))
            {
                byte[] intact = image.Gvmi(new ContainerConfig { Volumes = new[] { "/golem/work", "/many" } });
                IReadOnlyList<ValidationFinding> baseline = ImageValidator.Validate(new MemoryStream(intact), "intact.gvmi");
                Assert.Equal(ValidationResult.Warning, baseline.Single(f => f.Check == "Volumes").Result);

                // Half the damage anywhere after the data (inode, directory, fragment and id tables and their
                // indexes), half in the directory table, whose entries the walk follows.
                long metadata = (long)BinaryPrimitives.ReadUInt64LittleEndian(intact.AsSpan(64));
                long directories = (long)BinaryPrimitives.ReadUInt64LittleEndian(intact.AsSpan(72));
                long directoriesEnd = (long)BinaryPrimitives.ReadUInt64LittleEndian(intact.AsSpan(80));
                long end = (long)BinaryPrimitives.ReadUInt64LittleEndian(intact.AsSpan(40));
                Assert.InRange(directoriesEnd, directories + 64, end);
                var random = new Random(20261127);
                uint[] edges = { 0, 1, 0xFF, 0xFFFF, 0x7FFFFFFF, 0x80000000, 0xFFFFFFFF, 8192, 8193 };
                var volumesResults = new Dictionary<ValidationResult, int>();
                for (int round = 0; round < Rounds; round++)
                {
                    byte[] damaged = (byte[])intact.Clone();
                    string what;
                    int at = random.Next(2) == 0
                        ? (int)(metadata + random.Next((int)(end - metadata - 4)))
                        : (int)(directories + random.Next((int)(directoriesEnd - directories - 4)));
                    switch (random.Next(3))
                    {
                        case 0:
                            damaged[at] ^= (byte)(1 << random.Next(8));
                            what = $"bit flip at {at}";
                            break;
                        case 1:
                            uint edge = edges[random.Next(edges.Length)];
                            BinaryPrimitives.WriteUInt32LittleEndian(damaged.AsSpan(at), edge);
                            what = $"0x{edge:x} written at {at}";
                            break;
                        default:
                            damaged[at] = (byte)random.Next(256);
                            damaged[at + 1] = (byte)random.Next(256);
                            what = $"two random bytes at {at}";
                            break;
                    }

                    Task<IReadOnlyList<ValidationFinding>> check = Task.Run(() => ImageValidator.Validate(new MemoryStream(damaged), "damaged.gvmi"));
                    Assert.True(await Task.WhenAny(check, Task.Delay(TimeSpan.FromSeconds(30))) == check, what + ": still checking after 30 s");
                    IReadOnlyList<ValidationFinding> findings;
                    try
                    {
                        findings = await check;
                    }
                    catch (Exception ex)
                    {
                        throw new Xunit.Sdk.XunitException($"{what}: {ex.GetType().Name}: {ex.Message}\n{ex.StackTrace}");
                    }

                    ValidationFinding volumes = findings.Single(f => f.Check == "Volumes");
                    volumesResults[volumes.Result] = volumesResults.TryGetValue(volumes.Result, out int n) ? n + 1 : 1;
                }

                // The damage reached the directory walk (not only the layout checks in front of it).
                Assert.True(volumesResults.GetValueOrDefault(ValidationResult.Failed) + volumesResults.GetValueOrDefault(ValidationResult.Warning) > Rounds / 10, string.Join(", ", volumesResults.Select(p => $"{p.Key} {p.Value}")));
            }
        }
    }
}
