using System;
using System.Collections.Generic;
using System.Text;
using GolemImage.Tar;

namespace GolemImage.Gvmi
{
    /// <summary>
    /// What the conversion and Test-GolemImage say about entries an image keeps below a VOLUME of its config:
    /// providers mount an empty directory over every volume (ya-runtime-vm), so they are hidden when the image runs,
    /// a surprise users keep reporting (ya-runtime-vm issue #96). Both read the volumes and word it the same way.
    /// </summary>
    internal static class HiddenVolumeContent
    {
        public const string Explanation = "Golem providers mount an empty directory over each volume, so what the image keeps there is hidden when it runs.";

        /// <summary>
        /// Each volume once, as written in the config and as a canonical tar path ("golem/work"; "" is the root).
        /// A path no runtime could mount (".." components, NUL) is left out: not ours to judge here.
        /// </summary>
        public static List<KeyValuePair<string, byte[]>> Distinct(IEnumerable<string> volumes)
        {
            var distinct = new List<KeyValuePair<string, byte[]>>();
            foreach (string volume in volumes)
            {
                byte[]? path = TarPath.Normalize(Encoding.UTF8.GetBytes(volume), out _);
                if (path != null && !distinct.Exists(v => v.Value.AsSpan().SequenceEqual(path)))
                {
                    distinct.Add(new KeyValuePair<string, byte[]>(volume, path));
                }
            }

            return distinct;
        }

        /// <summary>"VOLUME /golem/work has 2 entries in the image (such as /golem/work/input.txt)".</summary>
        public static string Describe(string volume, long count, string example)
        {
            string entries = count == 1 ? "1 entry" : $"{count} entries";
            return $"VOLUME {volume} has {entries} in the image (such as {example})";
        }
    }
}
