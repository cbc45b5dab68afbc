using System;
using System.Collections.Generic;
using System.Text;
using GolemImage.Reporting;
using GolemImage.Tar;

namespace GolemImage.Sources
{
    /// <summary>
    /// Notices entries the image stores below one of its VOLUME paths. Golem providers mount an empty host directory
    /// over every volume (ya-runtime-vm), so whatever the image keeps there is hidden when it runs, a surprise users
    /// keep reporting (ya-runtime-vm issue #96). The conversion still writes them, as Docker would, and warns.
    /// </summary>
    internal sealed class VolumeContentCheck
    {
        private readonly List<Volume> _volumes = new List<Volume>();

        public VolumeContentCheck(IEnumerable<string> volumes)
        {
            foreach (string volume in volumes)
            {
                // A path the runtime could not mount either (".." components, NUL) is not ours to judge here.
                byte[]? path = TarPath.Normalize(Encoding.UTF8.GetBytes(volume), out _);
                if (path != null && !_volumes.Exists(v => v.Path.AsSpan().SequenceEqual(path)))
                {
                    _volumes.Add(new Volume(volume, path));
                }
            }
        }

        /// <summary>Counts <paramref name="entry"/> for every volume it lies strictly inside of.</summary>
        public void Observe(TarEntry entry)
        {
            foreach (Volume volume in _volumes)
            {
                if (IsInside(entry.Path, volume.Path))
                {
                    volume.EntryCount++;
                    volume.FirstEntry ??= entry.DisplayPath;
                }
            }
        }

        /// <summary>One warning per volume that has entries below it, naming the volume, their number and the first one seen.</summary>
        public IEnumerable<string> Warnings()
        {
            foreach (Volume volume in _volumes)
            {
                if (volume.EntryCount > 0)
                {
                    string entries = volume.EntryCount == 1 ? "1 entry" : $"{volume.EntryCount} entries";
                    yield return $"VOLUME {volume.Name} has {entries} in the image (such as /{volume.FirstEntry}). Golem providers mount an empty directory over each volume, so what the image keeps there is hidden when it runs.";
                }
            }
        }

        public void Report(IEngineReporter reporter)
        {
            foreach (string warning in Warnings())
            {
                reporter.Warning(warning);
            }
        }

        private static bool IsInside(byte[] path, byte[] directory)
        {
            if (directory.Length == 0)
            {
                // A volume at "/" covers everything but the root itself.
                return path.Length > 0;
            }

            return path.Length > directory.Length
                && path[directory.Length] == (byte)'/'
                && path.AsSpan(0, directory.Length).SequenceEqual(directory);
        }

        private sealed class Volume
        {
            public Volume(string name, byte[] path)
            {
                Name = name;
                Path = path;
            }

            public string Name { get; }

            public byte[] Path { get; }

            public long EntryCount { get; set; }

            public string? FirstEntry { get; set; }
        }
    }
}
