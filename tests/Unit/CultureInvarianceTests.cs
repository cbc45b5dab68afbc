using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Threading;
using System.Threading.Tasks;
using GolemImage.Gvmi;
using GolemImage.Manifest;
using GolemImage.Squashfs;
using GolemImage.Tests.Tar;
using Xunit;

namespace GolemImage.Tests
{
    /// <summary>
    /// What GolemImage writes is the same bytes in every culture: th-TH (Thai Buddhist calendar, year 2567), ar-SA
    /// (Umm al-Qura calendar), tr-TR (dotted and dotless i), cs-CZ ("ch" sorts after "h"), sv-SE ("ä" after "z") and
    /// de-DE (decimal comma) against the invariant culture. The culture is set process-wide (worker threads included),
    /// so this collection runs alone.
    /// </summary>
    [Trait(Requires.Key, Requires.Portable)]
    [Collection(nameof(CultureInvarianceTests))]
    public sealed class CultureInvarianceTests
    {
        public static readonly TheoryData<string> Cultures = new TheoryData<string> { "th-TH", "ar-SA", "tr-TR", "cs-CZ", "sv-SE", "de-DE" };

        // Names whose order or case differs between cultures and ordinal comparison.
        private static readonly string[] TrickyNames = { "İ", "ı", "I", "i", "ch", "h", "cz", "z", "ä", "a", "Æ", "ae", "ß", "ss", "10", "9" };

        private static T InCulture<T>(string name, Func<T> action)
        {
            CultureInfo culture = name.Length == 0 ? CultureInfo.InvariantCulture : CultureInfo.GetCultureInfo(name);
            CultureInfo saved = CultureInfo.CurrentCulture;
            CultureInfo savedUi = CultureInfo.CurrentUICulture;
            CultureInfo? savedDefault = CultureInfo.DefaultThreadCurrentCulture;
            CultureInfo? savedDefaultUi = CultureInfo.DefaultThreadCurrentUICulture;
            try
            {
                CultureInfo.CurrentCulture = culture;
                CultureInfo.CurrentUICulture = culture;
                CultureInfo.DefaultThreadCurrentCulture = culture;
                CultureInfo.DefaultThreadCurrentUICulture = culture;
                return action();
            }
            finally
            {
                CultureInfo.CurrentCulture = saved;
                CultureInfo.CurrentUICulture = savedUi;
                CultureInfo.DefaultThreadCurrentCulture = savedDefault;
                CultureInfo.DefaultThreadCurrentUICulture = savedDefaultUi;
            }
        }

        [Fact]
        public void The_cultures_really_differ_here()
        {
            // Without ICU (globalization-invariant mode) every culture would behave alike and the theories prove nothing.
            var date = new DateTime(2024, 3, 1, 12, 0, 0, DateTimeKind.Utc);
            Assert.Equal("2567", InCulture("th-TH", () => date.ToString("yyyy")));
            Assert.Equal("1,5", InCulture("de-DE", () => 1.5.ToString()));
            Assert.Equal("ı", InCulture("tr-TR", () => "I".ToLower()));
            Assert.True(InCulture("sv-SE", () => string.Compare("ä", "z", StringComparison.CurrentCulture)) > 0);
        }

        [Theory]
        [MemberData(nameof(Cultures))]
        public void A_manifest_is_the_same_bytes(string culture)
        {
            static byte[] Write()
            {
                var request = new ManifestRequest
                {
                    Name = "İnce ışık",
                    CreatedAt = new DateTimeOffset(2024, 3, 1, 12, 0, 0, 123, TimeSpan.FromHours(7)),
                    ExpiresAt = new DateTimeOffset(2025, 12, 31, 23, 59, 59, TimeSpan.Zero),
                };
                request.Payloads.Add(ManifestPayload.FromTaskPackage("hash:sha3:529f7fdaf1cf46ce3126eb6bbcd3b213c314fe8fe884914f5d1106d4:http://registry.golem.network/download/529f7fdaf1cf46ce3126eb6bbcd3b213c314fe8fe884914f5d1106d4"));
                request.OutboundUrls.Add(new Uri("https://İstanbul.example.com/ILIK"));
                return PayloadManifest.Create(request).Bytes;
            }

            byte[] invariant = InCulture(string.Empty, Write);
            Assert.Contains("\"createdAt\":\"2024-03-01T05:00:00.123Z\"", System.Text.Encoding.UTF8.GetString(invariant).Replace(" ", string.Empty), StringComparison.Ordinal);
            Assert.Equal(invariant, InCulture(culture, Write));
        }

        [Theory]
        [MemberData(nameof(Cultures))]
        public void A_trailer_is_the_same_bytes(string culture)
        {
            static byte[] Write()
            {
                var labels = new Dictionary<string, string>();
                foreach (string name in TrickyNames)
                {
                    labels[name] = name.ToUpperInvariant();
                }

                var config = new ContainerConfig { Env = new[] { "LANG=C", "İ=1" }, Cmd = new[] { "/bin/sh" }, User = "1000:1000", WorkingDir = "/", Labels = labels, Volumes = new[] { "/z", "/ä", "/ch", "/h" } };
                return config.ToUtf8Json();
            }

            Assert.Equal(InCulture(string.Empty, Write), InCulture(culture, Write));
        }

        [Theory]
        [MemberData(nameof(Cultures))]
        public void An_image_is_the_same_bytes(string culture)
        {
            using var work = new TempDirectory();
            var tar = new TarBuilder();
            tar.Entry("dir/", type: '5', mode: 493, mtime: 1_700_000_000);
            int i = 0;
            foreach (string name in TrickyNames)
            {
                tar.Entry("dir/" + name, data: System.Text.Encoding.UTF8.GetBytes(name + new string('x', 100 * i++)), mtime: 1_700_000_000 + i);
                tar.Entry(name, type: '2', linkName: "dir/" + name, mtime: 1_700_000_000);
            }

            string tarPath = work.Combine("tree.tar");
            File.WriteAllBytes(tarPath, tar.End().ToArray());

            byte[] Write(string name) => InCulture(name, () =>
            {
                string output = work.Combine((name.Length == 0 ? "invariant" : name) + ".gvmi");
                using (FileStream stream = File.OpenRead(tarPath))
                {
                    var config = new ContainerConfig { Cmd = new[] { "/bin/sh" }, Labels = new Dictionary<string, string> { ["ı"] = "1", ["I"] = "2" } };
                    Task<GvmiWriteResult> write = GvmiImageWriter.WriteFromTarAsync(output, config, stream, tarPath, new SquashfsWriterOptions { WorkerCount = 2 }, null, CancellationToken.None);
                    write.GetAwaiter().GetResult();
                }

                return File.ReadAllBytes(output);
            });

            Assert.Equal(Write(string.Empty), Write(culture));
        }

        [Fact]
        public void Messages_format_fractions_invariantly()
        {
            // "retry in 0,5 s" in an English sentence (tr-TR, de-DE): an interpolation with a number format must be
            // FormattableString.Invariant (or name InvariantCulture).
            var format = new System.Text.RegularExpressions.Regex(@"\$""[^""]*\{[^}""]+:(0\.|[NFP][0-9]?\}|#)");
            string root = Path.GetDirectoryName(FileSharingTests.SourceRoot())!;
            var offenders = new List<string>();
            foreach (string file in Directory.GetFiles(Path.Combine(root, "src"), "*.cs", SearchOption.AllDirectories))
            {
                if (file.Contains(Path.DirectorySeparatorChar + "obj" + Path.DirectorySeparatorChar, StringComparison.Ordinal))
                {
                    continue;
                }

                string[] lines = File.ReadAllLines(file);
                for (int i = 0; i < lines.Length; i++)
                {
                    if (format.IsMatch(lines[i]) && !lines[i].Contains("FormattableString.Invariant(", StringComparison.Ordinal) && !lines[i].Contains("InvariantCulture", StringComparison.Ordinal))
                    {
                        offenders.Add($"{Path.GetRelativePath(root, file)}:{i + 1}: {lines[i].Trim()}");
                    }
                }
            }

            Assert.True(offenders.Count == 0, "Culture-formatted numbers in messages:\n" + string.Join("\n", offenders));
        }
    }

    /// <summary>Runs <see cref="CultureInvarianceTests"/> alone: it changes the process's default culture.</summary>
    [CollectionDefinition(nameof(CultureInvarianceTests), DisableParallelization = true)]
    public sealed class CultureInvarianceCollection
    {
    }
}
