using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Reflection;
using System.Text.RegularExpressions;
using Xunit;

namespace GolemImage.Tests
{
    /// <summary>The ErrorId catalogue is the one list the engine, the cmdlets, the tests and the help share.</summary>
    [Trait(Requires.Key, Requires.Portable)]
    public class ErrorIdCatalogueTests
    {
        private static readonly string Root = FindRoot();

        private static Dictionary<string, string> Catalogue() =>
            typeof(ErrorIds).GetFields(BindingFlags.Public | BindingFlags.Static)
                .Where(f => f.IsLiteral)
                .ToDictionary(f => f.Name, f => (string)f.GetRawConstantValue()!);

        private static string FindRoot()
        {
            string? directory = AppContext.BaseDirectory;
            while (directory != null && !File.Exists(Path.Combine(directory, "GolemImage.sln")))
            {
                directory = Path.GetDirectoryName(directory);
            }

            return directory ?? throw new InvalidOperationException("GolemImage.sln not found above the test binaries.");
        }

        private static IEnumerable<string> Sources(string folder) =>
            Directory.GetFiles(Path.Combine(Root, folder), "*.cs", SearchOption.AllDirectories)
                .Where(f => !f.Contains(Path.DirectorySeparatorChar + "obj" + Path.DirectorySeparatorChar, StringComparison.Ordinal)
                    && !f.Contains(Path.DirectorySeparatorChar + "bin" + Path.DirectorySeparatorChar, StringComparison.Ordinal));

        [Fact]
        public void Every_ErrorId_is_its_own_name_and_unique()
        {
            Dictionary<string, string> catalogue = Catalogue();
            Assert.True(catalogue.Count >= 70, $"only {catalogue.Count} ErrorIds");
            Assert.All(catalogue, pair => Assert.Equal(pair.Key, pair.Value));
        }

        [Fact]
        public void The_sources_throw_no_ErrorId_literal_and_use_every_catalogue_entry()
        {
            string code = string.Join("\n", Sources("src").Where(f => !f.EndsWith("ErrorIds.cs", StringComparison.Ordinal)).Select(File.ReadAllText));
            Assert.DoesNotMatch(new Regex(@"GolemImageException\(\s*""", RegexOptions.None), code);
            Assert.DoesNotMatch(new Regex(@"new ErrorRecord\([^,]+,\s*""", RegexOptions.None), code);
            var unused = Catalogue().Keys.Where(name => !code.Contains("ErrorIds." + name, StringComparison.Ordinal)).ToList();
            Assert.True(unused.Count == 0, "catalogue entries nothing reports: " + string.Join(", ", unused));
        }

        [Fact]
        public void Every_ErrorId_the_help_names_is_in_the_catalogue()
        {
            Dictionary<string, string> catalogue = Catalogue();
            foreach (string file in Directory.GetFiles(Path.Combine(Root, "module", "help"), "*.xml"))
            {
                foreach (Match list in Regex.Matches(File.ReadAllText(file), @"ErrorIds?:\s*([^<.]+)"))
                {
                    foreach (Match id in Regex.Matches(list.Groups[1].Value, @"\b[A-Z][a-z]+[A-Z][A-Za-z]*\b"))
                    {
                        Assert.True(catalogue.ContainsKey(id.Value), $"{Path.GetFileName(file)} names the ErrorId '{id.Value}', which is not in the catalogue");
                    }
                }
            }
        }
    }
}
