using System;
using System.Collections.Generic;
using GolemImage.Gvmi;
using GolemImage.Reporting;
using GolemImage.Tar;
using GolemImage.Tree;

namespace GolemImage.Sources
{
    /// <summary>
    /// Notices entries the image stores below one of its VOLUME paths (see <see cref="HiddenVolumeContent"/>) as they
    /// pass on their way to the writer. The conversion still writes them, as Docker would, and warns.
    /// </summary>
    internal sealed class VolumeContentCheck
    {
        private readonly List<Volume> _volumes = new List<Volume>();

        // A path a layer holds twice reaches the writer twice (it keeps the later one): the image has it once. Only
        // paths below a volume are kept, and the flattener already keeps every path of the image.
        private readonly HashSet<byte[]> _counted = new HashSet<byte[]>(ByteNames.EqualityComparer);

        public VolumeContentCheck(IEnumerable<string> volumes)
        {
            foreach (KeyValuePair<string, byte[]> volume in HiddenVolumeContent.Distinct(volumes))
            {
                _volumes.Add(new Volume(volume.Key, volume.Value));
            }
        }

        /// <summary>Counts <paramref name="entry"/> for every volume it lies strictly inside of, once per path.</summary>
        public void Observe(TarEntry entry)
        {
            bool? firstTime = null;
            foreach (Volume volume in _volumes)
            {
                if (IsInside(entry.Path, volume.Path))
                {
                    firstTime ??= _counted.Add(entry.Path);
                    if (firstTime == false)
                    {
                        return;
                    }

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
                    yield return HiddenVolumeContent.Describe(volume.Name, volume.EntryCount, "/" + volume.FirstEntry) + ". " + HiddenVolumeContent.Explanation;
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
