using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.RegularExpressions;
using Xunit;

namespace GolemImage.Tests.Compression
{
    /// <summary>
    /// The squashfs compressors are named in one table (Compression/CompressorTable.cs, with each compressor's own
    /// files beside it): no other source file may list them again, as a string or as an enum member, or adding one
    /// would again mean editing a dozen places. Sources/ is exempt: its gzip and zstd are the layer blobs' compression.
    /// </summary>
    [Trait(Requires.Key, Requires.Portable)]
    public class CompressorNamesTests
    {
        private static readonly Regex EnumMember = new Regex(@"\bCompressionAlgorithm\.(Gzip|Lzma|Lzo|Xz|Lz4|Zstd)\b");

        private static readonly Regex NameInString = new Regex(@"""(?:[^""\\]|\\.)*\b(gzip|lzma|lzo|xz|lz4|zstd)\b(?:[^""\\]|\\.)*""", RegexOptions.IgnoreCase);

        [Fact]
        public void No_source_outside_the_compression_folder_names_a_compressor()
        {
            string src = Path.Combine(RepositoryRoot(), "src");
            string[] exempt =
            {
                Path.Combine(src, "GolemImage", "Compression") + Path.DirectorySeparatorChar,
                Path.Combine(src, "GolemImage", "Sources") + Path.DirectorySeparatorChar,
            };

            var offenders = new List<string>();
            foreach (string file in Directory.EnumerateFiles(src, "*.cs", SearchOption.AllDirectories))
            {
                string relative = file.Substring(src.Length + 1);
                if (exempt.Any(e => file.StartsWith(e, StringComparison.Ordinal)) || relative.Split(Path.DirectorySeparatorChar).Any(part => part == "bin" || part == "obj"))
                {
                    continue;
                }

                string[] lines = File.ReadAllLines(file);
                for (int i = 0; i < lines.Length; i++)
                {
                    string code = StripComment(lines[i]);
                    Match match = EnumMember.Match(code);
                    if (!match.Success)
                    {
                        match = NameInString.Match(code);
                    }

                    if (match.Success)
                    {
                        offenders.Add($"{relative}:{i + 1}: {match.Value}");
                    }
                }
            }

            Assert.True(offenders.Count == 0, "Compressors named outside CompressorTable:\n" + string.Join("\n", offenders));
        }

        [Fact]
        public void The_check_finds_a_name_in_a_string_and_an_enum_member_but_not_in_a_comment()
        {
            Assert.Matches(NameInString, StripComment("    return \"Compression zstd is unsupported\";"));
            Assert.Matches(NameInString, StripComment("    case 4: return \"xz\";"));
            Assert.Matches(EnumMember, StripComment("    if (a == CompressionAlgorithm.Zstd) // lz4"));
            Assert.DoesNotMatch(NameInString, StripComment("    // gzip, lzo and \"lz4\" are mountable"));
            Assert.DoesNotMatch(NameInString, StripComment("    /// <summary>\"zstd\" frames</summary>"));
            Assert.DoesNotMatch(NameInString, StripComment("    Console.WriteLine(\"xzipped\");"));
        }

        /// <summary>The line without a // comment (a // inside a string, such as a URL, is kept).</summary>
        private static string StripComment(string line)
        {
            bool inString = false;
            for (int i = 0; i < line.Length; i++)
            {
                char c = line[i];
                if (inString && c == '\\')
                {
                    i++;
                }
                else if (c == '"')
                {
                    inString = !inString;
                }
                else if (!inString && c == '/' && i + 1 < line.Length && line[i + 1] == '/')
                {
                    return line.Substring(0, i);
                }
            }

            return line;
        }

        private static string RepositoryRoot()
        {
            for (DirectoryInfo? directory = new DirectoryInfo(AppContext.BaseDirectory); directory != null; directory = directory.Parent)
            {
                if (File.Exists(Path.Combine(directory.FullName, "src", "GolemImage", "Compression", "CompressorTable.cs")))
                {
                    return directory.FullName;
                }
            }

            throw new InvalidOperationException("The repository root (src/GolemImage/Compression/CompressorTable.cs) is not above " + AppContext.BaseDirectory);
        }
    }
}
