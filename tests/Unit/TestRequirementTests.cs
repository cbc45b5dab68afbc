using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Reflection;
using System.Text.RegularExpressions;
using Xunit;

namespace GolemImage.Tests
{
    /// <summary>
    /// Every test says what it needs (<see cref="Requires"/>), so that the Windows and macOS legs of the CI select
    /// the portable ones (build.ps1 -Portable) instead of failing on a missing mksquashfs.
    /// </summary>
    [Trait(Requires.Key, Requires.Portable)]
    public sealed class TestRequirementTests
    {
        private static readonly string Root = FindRoot();

        private static string FindRoot()
        {
            string? directory = AppContext.BaseDirectory;
            while (directory != null && !File.Exists(Path.Combine(directory, "GolemImage.sln")))
            {
                directory = Path.GetDirectoryName(directory);
            }

            return directory ?? throw new InvalidOperationException("GolemImage.sln not found above the test binaries.");
        }

        /// <summary>Each test method of <paramref name="types"/> with the Requires values of its class and its own.</summary>
        private static IEnumerable<(string Test, string[] Values)> Requirements(IEnumerable<Type> types)
        {
            foreach (Type type in types)
            {
                string[] classValues = Values(type.GetCustomAttributesData());
                foreach (MethodInfo method in type.GetMethods(BindingFlags.Public | BindingFlags.Instance | BindingFlags.Static))
                {
                    if (!method.GetCustomAttributes<FactAttribute>(inherit: true).Any())
                    {
                        continue;
                    }

                    yield return (type.FullName + "." + method.Name, classValues.Concat(Values(method.GetCustomAttributesData())).ToArray());
                }
            }
        }

        private static string[] Values(IEnumerable<CustomAttributeData> attributes) =>
            attributes.Where(a => a.AttributeType == typeof(TraitAttribute)
                    && (string?)a.ConstructorArguments[0].Value == Requires.Key)
                .Select(a => (string)a.ConstructorArguments[1].Value!)
                .ToArray();

        [Fact]
        public void Every_test_says_what_it_requires_in_the_vocabulary()
        {
            // xunit runs the tests of every public non-abstract class.
            var tests = Requirements(typeof(TestRequirementTests).Assembly.GetTypes().Where(t => t.IsClass && !t.IsAbstract)).ToList();
            Assert.True(tests.Count > 300, $"only {tests.Count} tests found: is the reflection still finding them?");
            string[] untagged = tests.Where(t => t.Values.Length == 0).Select(t => t.Test).Distinct().ToArray();
            Assert.True(untagged.Length == 0,
                "Tests without [Trait(Requires.Key, Requires.X)] on their class or themselves (see tests/Unit/Requires.cs):\n" + string.Join("\n", untagged));
            string[] unknown = tests.SelectMany(t => t.Values.Where(v => !Requires.All.Contains(v)).Select(v => $"{t.Test}: {v}")).Distinct().ToArray();
            Assert.True(unknown.Length == 0, "Requires values outside the vocabulary:\n" + string.Join("\n", unknown));
        }

        [Fact]
        public void The_check_finds_an_untagged_test()
        {
            var found = Requirements(new[] { typeof(UntaggedSample), typeof(TestRequirementTests) }).ToList();
            Assert.Empty(found.Single(t => t.Test.EndsWith("." + nameof(UntaggedSample.Untagged), StringComparison.Ordinal)).Values);
            Assert.Equal(new[] { Requires.Portable }, found.Single(t => t.Test.EndsWith("." + nameof(Every_test_says_what_it_requires_in_the_vocabulary), StringComparison.Ordinal)).Values);
            Assert.Equal(new[] { Requires.Portable, Requires.SquashfsTools }, found.Single(t => t.Test.EndsWith("." + nameof(UntaggedSample.Tagged), StringComparison.Ordinal)).Values);
        }

        [Fact]
        public void The_scripts_read_the_same_vocabulary_from_Requires_cs_and_the_README_lists_it()
        {
            // TestHelpers.psm1 (Get-TestRequirement) and build.ps1 read the values with this pattern.
            string source = File.ReadAllText(Path.Combine(Root, "tests", "Unit", "Requires.cs"));
            string[] parsed = Regex.Matches(source, "public const string (?!Key)\\w+ = \"(\\w+)\";").Select(m => m.Groups[1].Value).ToArray();
            Assert.Equal(Requires.All, parsed);
            foreach (string script in new[] { "build.ps1", Path.Combine("tests", "Pester", "TestHelpers.psm1") })
            {
                Assert.Contains("public const string (?!Key)", File.ReadAllText(Path.Combine(Root, script)), StringComparison.Ordinal);
            }

            string readme = File.ReadAllText(Path.Combine(Root, "README.md"));
            string testing = readme.Substring(readme.IndexOf("\n## Testing", StringComparison.Ordinal));
            foreach (string value in Requires.All)
            {
                Assert.Contains($"`{value}`", testing, StringComparison.Ordinal);
            }
        }

        [Fact]
        public void The_Windows_and_macOS_legs_of_the_CI_run_the_portable_tests()
        {
            string workflow = File.ReadAllText(Path.Combine(Root, ".github", "workflows", "ci.yml"));
            Assert.Equal(2, Regex.Matches(workflow, @"dotnet pwsh \./build\.ps1 -Task Test -Portable\b").Count);
            Assert.Matches(@"Framework = 'netstandard2\.0'\s+Portable = \$true", workflow);
            Assert.Matches(@"sudo [^\n]*bash \.ci/run", workflow);
        }

        /// <summary>A sample for <see cref="The_check_finds_an_untagged_test"/> (abstract, so xunit never runs it): one untagged test, one tagged twice.</summary>
        public abstract class UntaggedSample
        {
            [Fact]
            public void Untagged()
            {
            }

            [Trait(Requires.Key, Requires.Portable)]
            [Trait(Requires.Key, Requires.SquashfsTools)]
            [Fact]
            public void Tagged()
            {
            }
        }
    }
}
