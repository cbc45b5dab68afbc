using System;
using System.IO;
using GolemImage.Gvmi;
using Xunit;

namespace GolemImage.Tests.Gvmi
{
    /// <summary>Output names every system can hold, long paths, and how outputs compare.</summary>
    [Trait(Requires.Key, Requires.Portable)]
    public sealed class GvmiOutputPathTests
    {
        [Theory]
        [InlineData("/out/app:1.0.gvmi", "':'")]
        [InlineData("/out/a<b.gvmi", "'<'")]
        [InlineData("/out/a|b.gvmi", "'|'")]
        [InlineData("/out/a\"b.gvmi", "'\"'")]
        [InlineData("/out/a?.gvmi", "'?'")]
        [InlineData("/out/a\tb.gvmi", "U+0009")]
        [InlineData("/out/app.gvmi.", "dot or a space")]
        [InlineData("/out/NUL.gvmi", "device 'NUL'")]
        [InlineData("/out:x/app.gvmi", "':'")]
        [InlineData(@"C:\out\image.gvmi:stream", "alternate data stream")]
        public void Names_that_Windows_cannot_hold_are_InvalidOutputPath(string path, string problem)
        {
            var error = Assert.Throws<GolemImageException>(() => GvmiOutputPath.Validate(path));
            Assert.Equal("InvalidOutputPath", error.ErrorId);
            Assert.Equal(GolemErrorCategory.InvalidArgument, error.Category);
            Assert.Contains(problem, error.Message);
            Assert.DoesNotContain("\t", error.Message, StringComparison.Ordinal); // ordinal: ICU cultures (th-TH) ignore control characters
        }

        [Theory]
        [InlineData(@"C:\out\golemfactory-app-1.0-0123456789.gvmi")]
        [InlineData(@"\\?\C:\out\image.gvmi")]
        [InlineData("/home/me/images/app-1.0.gvmi")]
        [InlineData("relative/app.gvmi")]
        public void Ordinary_paths_pass(string path)
        {
            GvmiOutputPath.Validate(path);
        }

        [Theory]
        [InlineData("TestDrive:", "")]
        [InlineData(@"TestDrive:\image.gvmi", "")]
        [InlineData(@"TestDrive:\a:b.gvmi", "':'")]
        [InlineData("app:1.0.gvmi", "':'")]
        public void The_leaf_check_leaves_drive_names_alone(string typed, string problem)
        {
            string found = GvmiOutputPath.LeafProblem(typed);
            if (problem.Length == 0)
            {
                Assert.Equal(string.Empty, found);
            }
            else
            {
                Assert.Contains(problem, found);
            }
        }

        [Fact]
        public void Outputs_that_differ_in_case_are_the_same_file_where_the_file_system_ignores_case()
        {
            Assert.True(GvmiOutputPath.ComparerFor(ignoreCase: true).Equals("/out/App.gvmi", "/out/app.GVMI"));
            Assert.False(GvmiOutputPath.ComparerFor(ignoreCase: false).Equals("/out/App.gvmi", "/out/app.gvmi"));
            Assert.Equal(OperatingSystem.IsWindows() || OperatingSystem.IsMacOS(), GvmiOutputPath.Comparer.Equals("A", "a"));
        }

        [Fact]
        public void Long_paths_get_the_extended_prefix_where_the_runtime_needs_it()
        {
            string directory = @"C:\builds\" + new string('d', 240);
            string path = directory + @"\app.gvmi";
            Assert.Equal(@"\\?\" + path, LongPath.Extend(path, needsPrefix: true));
            Assert.Equal(@"\\?\UNC\server\share\" + new string('d', 240), LongPath.Extend(@"\\server\share\" + new string('d', 240), needsPrefix: true));
            Assert.Equal(path, LongPath.Extend(path, needsPrefix: false));
            Assert.Equal(@"C:\short\app.gvmi", LongPath.Extend(@"C:\short\app.gvmi", needsPrefix: true));
            Assert.Equal(@"\\?\" + path, LongPath.Extend(@"\\?\" + path, needsPrefix: true));
        }

        [Fact]
        public void The_temporary_name_is_short_and_never_longer_than_a_default_output_name()
        {
            string name = GvmiImageWriter.TemporaryName();
            Assert.Matches(@"^\.gvmi-[0-9a-f]{8}\.tmp$", name);
            // The shortest default name: "image-" + 10 hex + ".gvmi".
            Assert.True(name.Length <= "image-0123456789.gvmi".Length);
        }
    }
}
