using System;
using System.Collections.Generic;
using System.IO;
using System.Text;
using System.Threading;
using System.Threading.Tasks;

namespace GolemImage.Tar
{
    /// <summary>
    /// One file system object from a tar stream (or built by a caller), with its path already in canonical form.
    /// The data of an entry read by <see cref="TarReader"/> is valid until the reader's next GetNextEntryAsync.
    /// </summary>
    public sealed class TarEntry
    {
        private static readonly IReadOnlyList<TarXattr> NoXattrs = Array.Empty<TarXattr>();

        private readonly TarEntryData? _data;

        /// <summary>
        /// Builds an entry by hand (tests, synthetic trees). <paramref name="path"/> is canonicalised like a tar path
        /// ("./a//b/" becomes "a/b"); ".." components are refused. A hard-link target is canonicalised the same way,
        /// a symbolic-link target is kept verbatim. <paramref name="data"/> must supply at least <paramref name="size"/>
        /// bytes for a regular file; it is read from its current position and not disposed.
        /// </summary>
        public TarEntry(
            byte[] path,
            TarEntryType type,
            long size = 0,
            int mode = 0,
            long uid = 0,
            long gid = 0,
            long modificationTime = 0,
            byte[]? linkTarget = null,
            int deviceMajor = 0,
            int deviceMinor = 0,
            IReadOnlyList<TarXattr>? xattrs = null,
            Stream? data = null)
        {
            if (path == null)
            {
                throw new ArgumentNullException(nameof(path));
            }

            Path = TarPath.Normalize(path, out var problem) ?? throw new ArgumentException($"Invalid entry path '{Encoding.UTF8.GetString(path)}': {problem}.", nameof(path));
            if (type == TarEntryType.HardLink)
            {
                if (linkTarget == null)
                {
                    throw new ArgumentException("A hard link needs a link target.", nameof(linkTarget));
                }

                linkTarget = TarPath.Normalize(linkTarget, out problem) ?? throw new ArgumentException($"Invalid hard-link target '{Encoding.UTF8.GetString(linkTarget)}': {problem}.", nameof(linkTarget));
            }
            else if (type == TarEntryType.SymbolicLink && linkTarget == null)
            {
                throw new ArgumentException("A symbolic link needs a link target.", nameof(linkTarget));
            }

            if (size < 0 || (size > 0 && type != TarEntryType.RegularFile))
            {
                throw new ArgumentOutOfRangeException(nameof(size), size, "Only a regular file has data, and its size cannot be negative.");
            }

            if (size > 0 && data == null)
            {
                throw new ArgumentException("A regular file with a size needs a data stream.", nameof(data));
            }

            DisplayPath = TarPath.ToDisplay(Path);
            Type = type;
            Size = size;
            Mode = mode & 0xFFF;
            Uid = uid;
            Gid = gid;
            ModificationTime = modificationTime;
            LinkTarget = type == TarEntryType.HardLink || type == TarEntryType.SymbolicLink ? linkTarget : null;
            DeviceMajor = deviceMajor;
            DeviceMinor = deviceMinor;
            Xattrs = xattrs ?? NoXattrs;
            HeaderOffset = -1;
            _data = size > 0 ? new StreamTarEntryData(data!, size, DisplayPath) : null;
        }

        /// <summary>Builds an entry by hand from a string path (encoded as UTF-8); see the byte[] overload.</summary>
        public TarEntry(
            string path,
            TarEntryType type,
            long size = 0,
            int mode = 0,
            long uid = 0,
            long gid = 0,
            long modificationTime = 0,
            string? linkTarget = null,
            int deviceMajor = 0,
            int deviceMinor = 0,
            IReadOnlyList<TarXattr>? xattrs = null,
            Stream? data = null)
            : this(
                Encoding.UTF8.GetBytes(path ?? throw new ArgumentNullException(nameof(path))),
                type,
                size,
                mode,
                uid,
                gid,
                modificationTime,
                linkTarget == null ? null : Encoding.UTF8.GetBytes(linkTarget),
                deviceMajor,
                deviceMinor,
                xattrs,
                data)
        {
        }

        /// <summary>Used by <see cref="TarReader"/>: the path and link target are already canonical.</summary>
        internal TarEntry(
            byte[] path,
            TarEntryType type,
            long size,
            int mode,
            long uid,
            long gid,
            long modificationTime,
            byte[]? linkTarget,
            int deviceMajor,
            int deviceMinor,
            IReadOnlyList<TarXattr>? xattrs,
            long headerOffset,
            TarEntryData? data)
        {
            Path = path;
            DisplayPath = TarPath.ToDisplay(path);
            Type = type;
            Size = size;
            Mode = mode & 0xFFF;
            Uid = uid;
            Gid = gid;
            ModificationTime = modificationTime;
            LinkTarget = linkTarget;
            DeviceMajor = deviceMajor;
            DeviceMinor = deviceMinor;
            Xattrs = xattrs ?? NoXattrs;
            HeaderOffset = headerOffset;
            _data = data;
        }

        /// <summary>Canonical path bytes: relative, no "./", no leading or trailing '/', no empty or "." components; "" is the root.</summary>
        public byte[] Path { get; }

        /// <summary>The path decoded as UTF-8 for messages ("." for the root).</summary>
        public string DisplayPath { get; }

        public TarEntryType Type { get; }

        /// <summary>Symbolic link: the target verbatim. Hard link: the target path in canonical form. Otherwise null.</summary>
        public byte[]? LinkTarget { get; }

        /// <summary>Logical size of a regular file (sparse holes included); 0 for every other type.</summary>
        public long Size { get; }

        /// <summary>Permission bits including setuid, setgid and sticky (mode &amp; 07777).</summary>
        public int Mode { get; }

        public long Uid { get; }

        public long Gid { get; }

        /// <summary>Seconds since the Unix epoch, unclamped (may be negative or beyond 2^32).</summary>
        public long ModificationTime { get; }

        public int DeviceMajor { get; }

        public int DeviceMinor { get; }

        public IReadOnlyList<TarXattr> Xattrs { get; }

        /// <summary>Stream offset of the entry's first header (including PAX or GNU long-name headers); -1 for built entries.</summary>
        public long HeaderOffset { get; }

        /// <summary>
        /// Copies the next part of the entry's data into <paramref name="buffer"/>, filling it completely unless the
        /// data ends first; returns the number of bytes copied, 0 at the end. Sparse holes read as zeros.
        /// </summary>
        public ValueTask<int> ReadDataAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            if (_data == null || buffer.Length == 0)
            {
                return new ValueTask<int>(0);
            }

            return _data.ReadAsync(buffer, cancellationToken);
        }

        /// <summary>The data source, for writers that skip sparse holes by count (see <see cref="TarEntryData.HoleAhead"/>).</summary>
        internal TarEntryData? Data => _data;

        public override string ToString() => DisplayPath;
    }
}
