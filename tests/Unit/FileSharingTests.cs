using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.RegularExpressions;
using Xunit;

namespace GolemImage.Tests
{
    /// <summary>
    /// Windows refuses to replace a file that someone holds open without delete sharing, so every read of an image,
    /// descriptor, archive or existing output must share Read|Delete; this reads the sources to keep it so (Linux
    /// cannot show the failure itself), and checks the retry of a replace that still meets a sharing violation.
    /// </summary>
    [Trait(Requires.Key, Requires.Portable)]
    public sealed class FileSharingTests
    {
        internal static string SourceRoot()
        {
            for (string? directory = AppContext.BaseDirectory; directory != null; directory = Path.GetDirectoryName(directory))
            {
                if (File.Exists(Path.Combine(directory, "GolemImage.sln")))
                {
                    return Path.Combine(directory, "src");
                }
            }

            throw new InvalidOperationException("GolemImage.sln not found above " + AppContext.BaseDirectory);
        }

        /// <summary>The text from <paramref name="start"/> to its closing parenthesis: one constructor or call.</summary>
        private static string Call(string text, int start)
        {
            int depth = 0;
            for (int i = text.IndexOf('(', start); i < text.Length; i++)
            {
                if (text[i] == '(')
                {
                    depth++;
                }
                else if (text[i] == ')' && --depth == 0)
                {
                    return text.Substring(start, i - start + 1);
                }
            }

            return text.Substring(start);
        }

        internal static IEnumerable<string> ReadsWithoutDeleteSharing(string file, string text)
        {
            foreach (Match match in Regex.Matches(text, @"new FileStream\(|(?<!\w)File\.Open\(|(?<!\w)File\.OpenRead\(|(?<!\w)File\.ReadAll(Bytes|Text|Lines)\("))
            {
                string call = Call(text, match.Index);
                int line = text.Take(match.Index).Count(c => c == '\n') + 1;
                string where = $"{file}:{line}: {Regex.Replace(call, @"\s+", " ")}";
                if (match.Value.StartsWith("File.OpenRead", StringComparison.Ordinal))
                {
                    yield return where + " (File.OpenRead shares Read only)";
                    continue;
                }

                if (match.Value.StartsWith("File.ReadAll", StringComparison.Ordinal))
                {
                    // Images, descriptors and outputs live in these folders; config files elsewhere are read once and small.
                    string normalized = "/" + file.Replace('\\', '/');
                    if (normalized.Contains("/Registry/", StringComparison.Ordinal) || normalized.Contains("/Gvmi/", StringComparison.Ordinal) || normalized.Contains("GolemImage.Cmdlets/", StringComparison.Ordinal))
                    {
                        yield return where + " (File.ReadAll* shares Read only; use SharedFile.ReadAllBytes)";
                    }

                    continue;
                }

                bool reads = call.Contains("FileAccess.Read,", StringComparison.Ordinal) || call.Contains("FileAccess.Read)", StringComparison.Ordinal)
                    || (call.Contains("FileMode.Open", StringComparison.Ordinal) && !call.Contains("FileAccess.", StringComparison.Ordinal));
                if (reads && !call.Contains("FileShare.Delete", StringComparison.Ordinal))
                {
                    yield return where;
                }
            }
        }

        [Fact]
        public void Every_read_of_a_file_shares_delete()
        {
            string root = SourceRoot();
            var offenders = new List<string>();
            int reads = 0;
            foreach (string file in Directory.EnumerateFiles(root, "*.cs", SearchOption.AllDirectories))
            {
                if (file.Contains(Path.DirectorySeparatorChar + "obj" + Path.DirectorySeparatorChar, StringComparison.Ordinal))
                {
                    continue;
                }

                string text = File.ReadAllText(file);
                // Reads opened by hand, and those through SharedFile (which shares Read|Delete for them).
                reads += Regex.Matches(text, @"FileAccess\.Read\b").Count + Regex.Matches(text, @"SharedFile\.OpenRead\(").Count;
                offenders.AddRange(ReadsWithoutDeleteSharing(Path.GetRelativePath(root, file), text));
            }

            Assert.True(reads >= 8, $"the scan found only {reads} reads under {root}; is it looking in the right place?");
            Assert.True(offenders.Count == 0, "Reads without FileShare.Delete:\n" + string.Join("\n", offenders));
        }

        [Fact]
        public void The_lint_catches_a_read_shared_for_reading_only()
        {
            string code = "using (var s = new FileStream(path, FileMode.Open, FileAccess.Read,\n FileShare.Read, 1 << 16)) { }\nvar t = File.OpenRead(x);\nvar w = new FileStream(p, FileMode.CreateNew, FileAccess.Write, FileShare.None);\nvar ok = new FileStream(p, FileMode.Open, FileAccess.Read, FileShare.Read | FileShare.Delete);";
            List<string> found = ReadsWithoutDeleteSharing("Registry/Example.cs", code + "\nbyte[] b = File.ReadAllBytes(p);").ToList();
            Assert.Equal(3, found.Count);
            Assert.StartsWith("Registry/Example.cs:1:", found[0]);
            Assert.StartsWith("Registry/Example.cs:3:", found[1]);
            Assert.StartsWith("Registry/Example.cs:6:", found[2]);
        }

        [Fact]
        public void A_replace_that_meets_a_sharing_violation_is_retried_with_growing_pauses()
        {
            int calls = 0;
            var pauses = new List<TimeSpan>();
            int result = SharedFile.RetryWhileShared(() =>
            {
                if (++calls < 4)
                {
                    throw new IOException("The process cannot access the file because it is being used by another process.", unchecked((int)0x80070020));
                }

                return 42;
            }, default, pauses.Add);

            Assert.Equal(42, result);
            Assert.Equal(4, calls);
            Assert.Equal(new[] { 50.0, 100.0, 200.0 }, pauses.Select(p => p.TotalMilliseconds));
        }

        [Fact]
        public void A_sharing_violation_that_lasts_is_thrown_after_about_five_seconds_of_pauses_and_other_errors_at_once()
        {
            var pauses = new List<TimeSpan>();
            var error = Assert.Throws<IOException>(() => SharedFile.RetryWhileShared<int>(() => throw new IOException("locked", unchecked((int)0x80070021)), default, pauses.Add));
            Assert.Equal("locked", error.Message);
            Assert.Equal(8, pauses.Count);
            Assert.InRange(pauses.Sum(p => p.TotalSeconds), 3, 6);

            int calls = 0;
            Assert.Throws<IOException>(() => SharedFile.RetryWhileShared<int>(() => { calls++; throw new IOException("disk full", unchecked((int)0x80070070)); }, default, pauses.Add));
            Assert.Equal(1, calls);
            Assert.Throws<FileNotFoundException>(() => SharedFile.RetryWhileShared<int>(() => throw new FileNotFoundException("gone"), default, pauses.Add));
        }
    }
}
