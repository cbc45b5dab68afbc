using System;
using System.IO;
using System.Runtime.InteropServices;
using System.Text;
using GolemImage.Sources;

namespace GolemImage.Gvmi
{
    /// <summary>
    /// Output file rules of a conversion: gvmkit-build's default name, a directory meaning "in there", names that
    /// every system can hold (no ':' that NTFS would turn into an alternate data stream, no &lt;&gt;|"?* or control
    /// characters, no device names, no trailing dot or space), and how outputs compare (ignoring case on Windows and
    /// macOS, whose file systems do).
    /// </summary>
    public static class GvmiOutputPath
    {
        private static readonly string[] DeviceNames = { "CON", "PRN", "AUX", "NUL", "COM1", "COM2", "COM3", "COM4", "COM5", "COM6", "COM7", "COM8", "COM9", "LPT1", "LPT2", "LPT3", "LPT4", "LPT5", "LPT6", "LPT7", "LPT8", "LPT9" };

        /// <summary>How two output paths compare on this machine's usual file systems (NTFS and APFS ignore case).</summary>
        public static StringComparer Comparer => ComparerFor(RuntimeInformation.IsOSPlatform(OSPlatform.Windows) || RuntimeInformation.IsOSPlatform(OSPlatform.OSX));

        public static StringComparer ComparerFor(bool ignoreCase) => ignoreCase ? StringComparer.OrdinalIgnoreCase : StringComparer.Ordinal;

        /// <summary>
        /// gvmkit-build's naming: &lt;repository&gt;-&lt;tag&gt;-&lt;first 10 hex of the image id&gt;.gvmi, with '/' (and
        /// any character a file name cannot hold) as '-'.
        /// </summary>
        public static string DefaultFileName(ResolvedImage image, string? archive)
        {
            string hex = image.ImageId.StartsWith("sha256:", StringComparison.Ordinal) ? image.ImageId.Substring(7) : image.ImageId;
            string shortId = hex.Length > 10 ? hex.Substring(0, 10) : hex;
            string stem;
            if (image.Reference != null && ImageReference.TryParse(image.Reference, out ImageReference? reference))
            {
                stem = reference!.FamiliarRepository + "-" + (reference.Tag ?? "latest");
            }
            else if (archive != null)
            {
                string name = Path.GetFileName(archive.TrimEnd('/', '\\'));
                foreach (string extension in new[] { ".gz", ".zst", ".tgz", ".tar" })
                {
                    if (name.EndsWith(extension, StringComparison.OrdinalIgnoreCase))
                    {
                        name = name.Substring(0, name.Length - extension.Length);
                    }
                }

                stem = name.Length > 0 ? name : "image";
            }
            else
            {
                stem = "image";
            }

            var safe = new StringBuilder();
            foreach (char c in stem)
            {
                safe.Append(c == '/' || c == '\\' || c == '@' || IsForbidden(c) ? '-' : c);
            }

            return safe + "-" + shortId + ".gvmi";
        }

        /// <summary>The output file: the explicit path, the default name inside it when it is a directory, else the default name in <paramref name="location"/>.</summary>
        public static string Choose(string? explicitOutput, string location, ResolvedImage image, string? archive)
        {
            if (explicitOutput == null)
            {
                return Path.Combine(location, DefaultFileName(image, archive));
            }

            Validate(explicitOutput);
            return Directory.Exists(explicitOutput) ? Path.Combine(explicitOutput, DefaultFileName(image, archive)) : explicitOutput;
        }

        /// <summary>Throws InvalidOutputPath (InvalidArgument) for a file-system path that no system could hold as given.</summary>
        public static void Validate(string path)
        {
            string problem = Problem(path);
            if (problem.Length > 0)
            {
                throw new GolemImageException(ErrorIds.InvalidOutputPath, GolemErrorCategory.InvalidArgument, $"The output path '{Printable(path)}' {problem}.", path);
            }
        }

        /// <summary>Why the last name of a path (as the user typed it, possibly a PowerShell drive path) is not a file name; empty when it is.</summary>
        public static string LeafProblem(string path)
        {
            string leaf = LastName(path);
            // "TestDrive:" or "C:" alone names a drive, not a file.
            if (leaf.Length > 1 && leaf.IndexOf(':') == leaf.Length - 1 && (path.Length == leaf.Length))
            {
                return string.Empty;
            }

            return NameProblem(leaf);
        }

        private static string Problem(string path)
        {
            if (path.Length == 0)
            {
                return "is empty";
            }

            int start = 0;
            if (path.StartsWith(@"\\?\", StringComparison.Ordinal) || path.StartsWith(@"\\.\", StringComparison.Ordinal))
            {
                start = 4;
            }

            if (path.Length >= start + 2 && path[start + 1] == ':' && char.IsLetter(path[start]))
            {
                start += 2;
            }

            for (int i = start; i < path.Length; i++)
            {
                if (IsForbidden(path[i]))
                {
                    return CharacterProblem(path[i]);
                }
            }

            return NameProblem(LastName(path));
        }

        private static string NameProblem(string leaf)
        {
            foreach (char c in leaf)
            {
                if (IsForbidden(c))
                {
                    return CharacterProblem(c);
                }
            }

            if (leaf.Length > 0 && (leaf.EndsWith(".", StringComparison.Ordinal) || leaf.EndsWith(" ", StringComparison.Ordinal)) && leaf != "." && leaf != "..")
            {
                return "ends with a dot or a space, which Windows drops from file names";
            }

            string stem = leaf.Split('.')[0].TrimEnd(' ');
            foreach (string device in DeviceNames)
            {
                if (string.Equals(stem, device, StringComparison.OrdinalIgnoreCase))
                {
                    return $"names the Windows device '{device}', not a file";
                }
            }

            return string.Empty;
        }

        private static string CharacterProblem(char c) => c == ':'
            ? "has a ':' in a file or directory name (on NTFS that writes an alternate data stream, elsewhere a name Windows cannot copy)"
            : char.IsControl(c)
                ? $"has the control character U+{(int)c:X4}, which file names cannot hold"
                : $"has the character '{c}', which Windows file names cannot hold";

        private static bool IsForbidden(char c) => c == ':' || c == '<' || c == '>' || c == '|' || c == '"' || c == '?' || c == '*' || char.IsControl(c);

        private static string LastName(string path)
        {
            string trimmed = path.TrimEnd('/', '\\');
            int slash = trimmed.LastIndexOfAny(new[] { '/', '\\' });
            return slash < 0 ? trimmed : trimmed.Substring(slash + 1);
        }

        private static string Printable(string path)
        {
            var text = new StringBuilder(path.Length);
            foreach (char c in path)
            {
                text.Append(char.IsControl(c) ? $"\\u{(int)c:x4}" : c.ToString());
            }

            return text.ToString();
        }
    }
}
