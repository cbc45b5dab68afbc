using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Threading;
using System.Threading.Tasks;
using GolemImage.Reporting;
using GolemImage.Tar;

namespace GolemImage.Sources
{
    /// <summary>
    /// Flattens an image's layers into the entries of its root filesystem, reading layers newest to oldest: the first
    /// time a path is seen wins, whiteouts (<c>.wh.&lt;name&gt;</c>) hide a path and its subtree in older layers,
    /// an opaque marker (<c>.wh..wh..opq</c>) hides a directory's older children, a newer non-directory hides
    /// everything older below its path, and directories merge (the newest one's metadata wins). Whiteout files are
    /// never emitted. So no data that a newer layer replaces is ever read into the output, and each layer is read
    /// once, front to back, straight from its blob.
    /// </summary>
    /// <remarks>
    /// Within one layer nothing hides anything (OCI: whiteouts apply to lower layers only); a duplicate path inside
    /// one layer is passed on twice and the writer keeps the later one, as tar extraction does.
    /// A hard link whose target a newer layer replaced or removed must keep the old content (that is what extraction
    /// gives). Such links are set aside; after the layer, it is read again and the old target's data is emitted under
    /// the first link's path, with the other links pointing at it. Real images almost never need this second pass.
    /// </remarks>
    public sealed class LayerFlattener
    {
        private const string WhiteoutPrefix = ".wh.";
        private const string OpaqueMarker = ".wh..wh..opq";

        private readonly IEngineReporter reporter;
        private readonly HashSet<string> emittedDirectories = new HashSet<string>(StringComparer.Ordinal);
        private readonly HashSet<string> emittedOthers = new HashSet<string>(StringComparer.Ordinal);
        private readonly HashSet<string> whiteouts = new HashSet<string>(StringComparer.Ordinal);
        private readonly HashSet<string> opaqueDirectories = new HashSet<string>(StringComparer.Ordinal);

        public LayerFlattener(IEngineReporter reporter)
        {
            this.reporter = reporter;
        }

        /// <summary>Entries passed to the sink.</summary>
        public long EntryCount { get; private set; }

        /// <summary>Entries of older layers that newer layers replaced or removed.</summary>
        public long HiddenCount { get; private set; }

        /// <summary>Regular-file bytes passed to the sink.</summary>
        public long FileBytes { get; private set; }

        /// <summary>
        /// Streams the flattened filesystem of <paramref name="layers"/> (base first, as in the manifest) into
        /// <paramref name="sink"/>, which must consume each entry's data before it returns.
        /// </summary>
        public async Task FlattenAsync(IReadOnlyList<ImageLayer> layers, Func<TarEntry, CancellationToken, ValueTask> sink, CancellationToken cancellationToken)
        {
            long totalBytes = 0;
            foreach (ImageLayer layer in layers)
            {
                totalBytes += Math.Max(0, layer.Size);
            }

            long doneBytes = 0;
            var clock = Stopwatch.StartNew();
            for (int i = layers.Count - 1; i >= 0; i--)
            {
                ImageLayer layer = layers[i];
                long layerDone = doneBytes;
                reporter.Verbose($"Flattening {layer.Description}.");
                // The base layer hides nothing below it: its paths need not be kept (a million-file layer's paths
                // as strings cost more memory than the whole tree the writer keeps).
                bool olderLayers = i > 0;
                await FlattenLayerAsync(layer, sink, raw => ReportProgress(layers.Count - i, layers.Count, layerDone + raw, totalBytes, clock), olderLayers, cancellationToken).ConfigureAwait(false);
                doneBytes += Math.Max(0, layer.Size);
            }

            reporter.Progress(new ProgressReport(ProgressActivityId, "Flattening image layers", "Done") { Completed = true, PercentComplete = 100 });
            reporter.Verbose($"Flattened {layers.Count} layers: {EntryCount} entries ({FileBytes} bytes of file data), {HiddenCount} older entries hidden by newer layers.");
        }

        internal const int ProgressActivityId = 61;

        private long lastReportTicks;

        private void ReportProgress(int layerNumber, int layerCount, long bytes, long totalBytes, Stopwatch clock)
        {
            long now = clock.ElapsedMilliseconds;
            if (now - lastReportTicks < 200)
            {
                return;
            }

            lastReportTicks = now;
            double seconds = Math.Max(0.001, clock.Elapsed.TotalSeconds);
            double rate = bytes / seconds / (1 << 20);
            var report = new ProgressReport(
                ProgressActivityId,
                "Flattening image layers",
                FormattableString.Invariant($"Layer {layerNumber} of {layerCount} (newest first): {EntryCount} files, {FileBytes / (1 << 20)} MiB written, {rate:0.0} MiB/s read"));
            if (totalBytes > 0)
            {
                report.PercentComplete = (int)Math.Min(99, bytes * 100 / totalBytes);
                if (bytes > 0)
                {
                    report.SecondsRemaining = (int)Math.Min(int.MaxValue, (totalBytes - bytes) * seconds / bytes);
                }
            }

            reporter.Progress(report);
        }

        private async Task FlattenLayerAsync(ImageLayer layer, Func<TarEntry, CancellationToken, ValueTask> sink, Action<long> progress, bool olderLayers, CancellationToken cancellationToken)
        {
            var layerDirectories = new List<string>();
            var layerOthers = new List<string>();
            var layerWhiteouts = new List<string>();
            var layerOpaques = new List<string>();
            var detachedLinks = new Dictionary<string, List<TarEntry>>(StringComparer.Ordinal);

            // The last layer read (the base, the only one of a one-layer image) records no paths for older layers, and
            // when no newer layer hid anything either, an entry that is not a whiteout is emitted without its path as
            // a string, its name and parent, or the walk over its ancestors (each a string too): ~8 allocations an
            // entry, a million of them for a million-file layer.
            bool nothingToHideOrRecord = !olderLayers && emittedDirectories.Count == 0 && emittedOthers.Count == 0 && whiteouts.Count == 0 && opaqueDirectories.Count == 0;

            using (LayerStream stream = await LayerStream.OpenAsync(layer, reporter, cancellationToken).ConfigureAwait(false))
            {
                try
                {
                    using (var reader = new TarReader(stream.Tar, layer.Description, reporter, leaveOpen: true))
                    {
                        TarEntry? entry;
                        while ((entry = await reader.GetNextEntryAsync(cancellationToken).ConfigureAwait(false)) != null)
                        {
                            progress(stream.RawBytesRead);
                            if (nothingToHideOrRecord && !IsWhiteoutName(entry.Path))
                            {
                                await EmitAsync(entry, sink, cancellationToken).ConfigureAwait(false);
                                continue;
                            }

                            string key = PathKey(entry.Path);
                            int slash = key.LastIndexOf('/');
                            string name = slash < 0 ? key : key.Substring(slash + 1);
                            string parent = slash < 0 ? string.Empty : key.Substring(0, slash);
                            if (name.StartsWith(WhiteoutPrefix, StringComparison.Ordinal))
                            {
                                if (name == OpaqueMarker)
                                {
                                    layerOpaques.Add(parent);
                                }
                                else if (!name.StartsWith(WhiteoutPrefix + WhiteoutPrefix, StringComparison.Ordinal))
                                {
                                    string hidden = name.Substring(WhiteoutPrefix.Length);
                                    layerWhiteouts.Add(parent.Length == 0 ? hidden : parent + "/" + hidden);
                                }

                                continue;
                            }

                            if (IsHidden(key))
                            {
                                HiddenCount++;
                                continue;
                            }

                            if (entry.Type == TarEntryType.HardLink && entry.LinkTarget != null)
                            {
                                string target = PathKey(entry.LinkTarget);
                                if (IsHidden(target))
                                {
                                    if (!detachedLinks.TryGetValue(target, out List<TarEntry>? links))
                                    {
                                        links = new List<TarEntry>();
                                        detachedLinks.Add(target, links);
                                    }

                                    links.Add(CopyMetadata(entry));
                                    layerOthers.Add(key);
                                    continue;
                                }
                            }

                            await EmitAsync(entry, sink, cancellationToken).ConfigureAwait(false);
                            if (olderLayers)
                            {
                                (entry.Type == TarEntryType.Directory ? layerDirectories : layerOthers).Add(key);
                            }
                        }
                    }

                    await stream.FinishAsync(layer, cancellationToken).ConfigureAwait(false);
                }
                catch (InvalidDataException ex)
                {
                    throw LayerStream.Corrupt(layer, ex);
                }
            }

            if (detachedLinks.Count > 0)
            {
                await EmitDetachedLinksAsync(layer, detachedLinks, sink, cancellationToken).ConfigureAwait(false);
            }

            if (olderLayers)
            {
                emittedDirectories.UnionWith(layerDirectories);
                emittedOthers.UnionWith(layerOthers);
                whiteouts.UnionWith(layerWhiteouts);
                opaqueDirectories.UnionWith(layerOpaques);
            }
        }

        private async Task EmitDetachedLinksAsync(ImageLayer layer, Dictionary<string, List<TarEntry>> detachedLinks, Func<TarEntry, CancellationToken, ValueTask> sink, CancellationToken cancellationToken)
        {
            reporter.Verbose($"{layer.Description}: {detachedLinks.Count} hard-link target(s) were replaced by newer layers; reading the layer again to keep their old content.");
            using (LayerStream stream = await LayerStream.OpenAsync(layer, reporter, cancellationToken).ConfigureAwait(false))
            using (var reader = new TarReader(stream.Tar, layer.Description, reporter, leaveOpen: true))
            {
                TarEntry? entry;
                while (detachedLinks.Count > 0 && (entry = await reader.GetNextEntryAsync(cancellationToken).ConfigureAwait(false)) != null)
                {
                    string key = PathKey(entry.Path);
                    if (entry.Type == TarEntryType.HardLink || !detachedLinks.TryGetValue(key, out List<TarEntry>? links))
                    {
                        continue;
                    }

                    detachedLinks.Remove(key);
                    TarEntry first = links[0];
                    var content = new TarEntryContentStream(entry);
                    var replacement = new TarEntry(
                        first.Path,
                        entry.Type,
                        entry.Size,
                        entry.Mode,
                        entry.Uid,
                        entry.Gid,
                        entry.ModificationTime,
                        entry.LinkTarget,
                        entry.DeviceMajor,
                        entry.DeviceMinor,
                        entry.Xattrs,
                        entry.Size > 0 ? content : null);
                    await EmitAsync(replacement, sink, cancellationToken).ConfigureAwait(false);
                    for (int i = 1; i < links.Count; i++)
                    {
                        await EmitAsync(new TarEntry(links[i].Path, TarEntryType.HardLink, linkTarget: first.Path), sink, cancellationToken).ConfigureAwait(false);
                    }
                }
            }

            // A target that is not in this layer (a link across layers): pass the links on and let the writer
            // resolve them against the final tree, or report the target as missing.
            foreach (List<TarEntry> links in detachedLinks.Values)
            {
                foreach (TarEntry link in links)
                {
                    await EmitAsync(link, sink, cancellationToken).ConfigureAwait(false);
                }
            }
        }

        private async ValueTask EmitAsync(TarEntry entry, Func<TarEntry, CancellationToken, ValueTask> sink, CancellationToken cancellationToken)
        {
            await sink(entry, cancellationToken).ConfigureAwait(false);
            EntryCount++;
            if (entry.Type == TarEntryType.RegularFile)
            {
                FileBytes += entry.Size;
            }
        }

        private static TarEntry CopyMetadata(TarEntry link) =>
            new TarEntry(link.Path, TarEntryType.HardLink, 0, link.Mode, link.Uid, link.Gid, link.ModificationTime, link.LinkTarget, 0, 0, link.Xattrs);

        /// <summary>True when a newer layer replaced or removed <paramref name="key"/> or one of its ancestors.</summary>
        private bool IsHidden(string key)
        {
            if (emittedDirectories.Contains(key) || emittedOthers.Contains(key) || whiteouts.Contains(key))
            {
                return true;
            }

            if (key.Length == 0)
            {
                return false;
            }

            if (opaqueDirectories.Contains(string.Empty))
            {
                return true;
            }

            int slash = -1;
            while ((slash = key.IndexOf('/', slash + 1)) >= 0)
            {
                string ancestor = key.Substring(0, slash);
                if (whiteouts.Contains(ancestor) || emittedOthers.Contains(ancestor) || opaqueDirectories.Contains(ancestor))
                {
                    return true;
                }
            }

            return false;
        }

        /// <summary>Whether the last name of <paramref name="path"/> starts with ".wh." (what <see cref="PathKey"/>'s name test finds).</summary>
        internal static bool IsWhiteoutName(byte[] path)
        {
            int start = Array.LastIndexOf(path, (byte)'/') + 1;
            return path.Length - start >= WhiteoutPrefix.Length
                && path[start] == (byte)'.' && path[start + 1] == (byte)'w' && path[start + 2] == (byte)'h' && path[start + 3] == (byte)'.';
        }

        /// <summary>Paths are bytes, not necessarily UTF-8: one char per byte keeps every path distinct.</summary>
        private static string PathKey(byte[] path)
        {
            var chars = new char[path.Length];
            for (int i = 0; i < path.Length; i++)
            {
                chars[i] = (char)path[i];
            }

            return new string(chars);
        }
    }
}
