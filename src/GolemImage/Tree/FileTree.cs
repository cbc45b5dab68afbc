using System;
using System.Collections.Generic;

namespace GolemImage.Tree
{
    /// <summary>
    /// The filesystem being built: applies entries in arrival order the way tar extraction would (later duplicate wins,
    /// a directory entry updates an existing directory and keeps its children, parents are created implicitly), and
    /// resolves hard links at the end against the final tree.
    /// </summary>
    internal sealed class FileTree
    {
        /// <summary>Linux NAME_MAX; squashfs could hold 256 but no Linux reader can use such a name.</summary>
        public const int MaxNameLength = 255;

        /// <summary>The kernel refuses symlink targets longer than a page.</summary>
        public const int MaxSymlinkTargetLength = 4096;

        private readonly List<PendingHardLink> _hardLinks = new List<PendingHardLink>();
        private readonly uint _defaultModificationTime;

        public FileTree(long defaultModificationTime)
        {
            _defaultModificationTime = ClampTime(defaultModificationTime);
            Root = NewImplicitDirectory();
        }

        public TreeNode Root { get; private set; }

        /// <summary>Applies one entry; returns the node created for it (regular files: attach the data to it).</summary>
        public TreeNode Add(TreeEntry entry, Action<string>? warn = null)
        {
            List<byte[]> parts = ByteNames.Split(entry.Path);
            foreach (byte[] part in parts)
            {
                if (part.Length > MaxNameLength)
                {
                    throw new GolemImageException(ErrorIds.NameTooLong, GolemErrorCategory.InvalidData,
                        $"The name of '{entry.Display}'{At(entry)} has a component of {part.Length} bytes; the limit is {MaxNameLength}.", entry.Display);
                }

                if ((part.Length == 1 && part[0] == (byte)'.') || (part.Length == 2 && part[0] == (byte)'.' && part[1] == (byte)'.'))
                {
                    throw new GolemImageException(ErrorIds.InvalidPath, GolemErrorCategory.InvalidData,
                        $"The path '{entry.Display}'{At(entry)} contains a '.' or '..' component.", entry.Display);
                }
            }

            TreeNode node = CreateNode(entry);
            if (parts.Count == 0)
            {
                if (entry.Type != TreeEntryType.Directory)
                {
                    throw new GolemImageException(ErrorIds.InvalidRootEntry, GolemErrorCategory.InvalidData,
                        $"The root entry{At(entry)} is a {entry.Type}, not a directory.", entry.Display);
                }

                CopyMetadata(node, Root);
                Root.Explicit = true;
                return Root;
            }

            TreeNode parent = Root;
            for (int i = 0; i < parts.Count - 1; i++)
            {
                if (!parent.Children!.TryGetValue(parts[i], out TreeNode? child) || child.Type != TreeEntryType.Directory)
                {
                    if (child != null)
                    {
                        warn?.Invoke($"'{entry.Display}' needs '{ByteNames.ToDisplay(Join(parts, i + 1))}' to be a directory; the {child.Type} there is replaced.");
                    }

                    child = NewImplicitDirectory();
                    parent.Children![parts[i]] = child;
                }

                parent = child;
            }

            byte[] name = parts[parts.Count - 1];
            if (entry.Type == TreeEntryType.Directory && parent.Children!.TryGetValue(name, out TreeNode? existing) && existing.Type == TreeEntryType.Directory)
            {
                // Extraction semantics: a directory entry over an existing directory only changes its attributes.
                CopyMetadata(node, existing);
                existing.Explicit = true;
                return existing;
            }

            parent.Children![name] = node;
            if (entry.Type == TreeEntryType.HardLink)
            {
                _hardLinks.Add(new PendingHardLink(parent, name, node));
            }

            return node;
        }

        /// <summary>Replaces every hard-link placeholder still in the tree by the node its target names in the final tree.</summary>
        public void ResolveHardLinks()
        {
            foreach (PendingHardLink link in _hardLinks)
            {
                if (link.Parent.Children!.TryGetValue(link.Name, out TreeNode? current) && ReferenceEquals(current, link.Placeholder))
                {
                    link.Parent.Children[link.Name] = Resolve(link.Placeholder, 0);
                }
            }

            _hardLinks.Clear();
        }

        internal static uint ClampTime(long seconds) => seconds < 0 ? 0u : seconds > uint.MaxValue ? uint.MaxValue : (uint)seconds;

        private static string At(TreeEntry entry) => entry.SourceOffset >= 0 ? $" (at byte offset {entry.SourceOffset})" : string.Empty;

        private static byte[] Join(List<byte[]> parts, int count)
        {
            var result = new List<byte>();
            for (int i = 0; i < count; i++)
            {
                if (i > 0)
                {
                    result.Add((byte)'/');
                }

                result.AddRange(parts[i]);
            }

            return result.ToArray();
        }

        private static void CopyMetadata(TreeNode from, TreeNode to)
        {
            to.Mode = from.Mode;
            to.Uid = from.Uid;
            to.Gid = from.Gid;
            to.ModificationTime = from.ModificationTime;
            to.Xattrs = from.Xattrs;
        }

        private static uint CheckId(long id, string what, TreeEntry entry)
        {
            if (id < 0 || id > uint.MaxValue)
            {
                throw new GolemImageException(ErrorIds.InvalidOwner, GolemErrorCategory.InvalidData,
                    $"'{entry.Display}'{At(entry)} has {what} {id}, outside 0..4294967295.", entry.Display);
            }

            return (uint)id;
        }

        private TreeNode Resolve(TreeNode placeholder, int depth)
        {
            TreeNode? target = Root;
            foreach (byte[] part in ByteNames.Split(placeholder.HardLinkTarget!))
            {
                if (target.Children == null || !target.Children.TryGetValue(part, out target))
                {
                    target = null;
                    break;
                }
            }

            string targetDisplay = ByteNames.ToDisplay(placeholder.HardLinkTarget!);
            if (target == null)
            {
                throw new GolemImageException(ErrorIds.HardLinkTargetMissing, GolemErrorCategory.InvalidData,
                    $"The hard link '{placeholder.HardLinkDisplay}' points to '{targetDisplay}', which is not in the image.", placeholder.HardLinkDisplay);
            }

            if (target.Type == TreeEntryType.Directory)
            {
                throw new GolemImageException(ErrorIds.HardLinkToDirectory, GolemErrorCategory.InvalidData,
                    $"The hard link '{placeholder.HardLinkDisplay}' points to the directory '{targetDisplay}'; directories cannot be hard-linked.", placeholder.HardLinkDisplay);
            }

            if (target.Type == TreeEntryType.HardLink)
            {
                if (depth > 64 || ReferenceEquals(target, placeholder))
                {
                    throw new GolemImageException(ErrorIds.HardLinkLoop, GolemErrorCategory.InvalidData,
                        $"The hard link '{placeholder.HardLinkDisplay}' points to '{targetDisplay}', which leads back to a hard link loop.", placeholder.HardLinkDisplay);
                }

                return Resolve(target, depth + 1);
            }

            return target;
        }

        private TreeNode NewImplicitDirectory() => new TreeNode(TreeEntryType.Directory) { Mode = 0x1ED /* 0755 */, ModificationTime = _defaultModificationTime };

        private TreeNode CreateNode(TreeEntry entry)
        {
            var node = new TreeNode(entry.Type)
            {
                Mode = entry.Mode & 0xFFF,
                Uid = CheckId(entry.Uid, "uid", entry),
                Gid = CheckId(entry.Gid, "gid", entry),
                ModificationTime = ClampTime(entry.ModificationTime),
                Explicit = true,
            };

            if (entry.Xattrs.Count > 0)
            {
                var xattrs = new List<TreeXattr>(entry.Xattrs);
                // A stable order makes equal sets compare equal (and share one xattr id).
                xattrs.Sort((a, b) => string.CompareOrdinal(a.Name, b.Name));
                node.Xattrs = xattrs;
            }

            switch (entry.Type)
            {
                case TreeEntryType.SymbolicLink:
                    byte[] target = entry.LinkTarget ?? Array.Empty<byte>();
                    if (target.Length > MaxSymlinkTargetLength)
                    {
                        throw new GolemImageException(ErrorIds.SymlinkTargetTooLong, GolemErrorCategory.InvalidData,
                            $"The symlink '{entry.Display}'{At(entry)} has a target of {target.Length} bytes; Linux refuses more than {MaxSymlinkTargetLength}.", entry.Display);
                    }

                    node.SymlinkTarget = target;
                    break;
                case TreeEntryType.HardLink:
                    if (entry.LinkTarget == null || entry.LinkTarget.Length == 0)
                    {
                        throw new GolemImageException(ErrorIds.InvalidHardLink, GolemErrorCategory.InvalidData,
                            $"The hard link '{entry.Display}'{At(entry)} has no target.", entry.Display);
                    }

                    node.HardLinkTarget = entry.LinkTarget;
                    node.HardLinkDisplay = entry.Display;
                    break;
                case TreeEntryType.CharacterDevice:
                case TreeEntryType.BlockDevice:
                    node.DeviceNumber = EncodeDevice(entry);
                    break;
            }

            return node;
        }

        private static uint EncodeDevice(TreeEntry entry)
        {
            // Linux new_encode_dev: 12-bit major, 20-bit minor.
            if (entry.DeviceMajor < 0 || entry.DeviceMajor > 0xFFF || entry.DeviceMinor < 0 || entry.DeviceMinor > 0xFFFFF)
            {
                throw new GolemImageException(ErrorIds.InvalidDeviceNumber, GolemErrorCategory.InvalidData,
                    $"The device '{entry.Display}'{At(entry)} has number {entry.DeviceMajor}:{entry.DeviceMinor}; Linux allows majors up to 4095 and minors up to 1048575.", entry.Display);
            }

            uint major = (uint)entry.DeviceMajor, minor = (uint)entry.DeviceMinor;
            return (minor & 0xFF) | (major << 8) | ((minor & ~0xFFu) << 12);
        }

        private sealed class PendingHardLink
        {
            public PendingHardLink(TreeNode parent, byte[] name, TreeNode placeholder)
            {
                Parent = parent;
                Name = name;
                Placeholder = placeholder;
            }

            public TreeNode Parent { get; }

            public byte[] Name { get; }

            public TreeNode Placeholder { get; }
        }
    }
}
