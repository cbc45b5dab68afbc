using System;
using System.Collections.Generic;
using GolemImage.Squashfs;

namespace GolemImage.Tree
{
    /// <summary>
    /// The filesystem being built: applies entries in arrival order the way tar extraction would (later duplicate wins,
    /// a directory entry updates an existing directory and keeps its children, parents are created implicitly), and
    /// resolves hard links at the end against the final tree.
    /// </summary>
    /// <remarks>
    /// Kept as records in lists, not objects: nodes (<see cref="TreeNode"/>), the names in directories
    /// (<see cref="TreeSlot"/>, names in one <see cref="NameArena"/>), and one hash over (directory, name) for every
    /// lookup instead of a map per directory. An entry costs about 56 bytes here (node 24, slot 20, its name and a
    /// length byte, a hash bucket).
    /// </remarks>
    internal sealed class FileTree
    {
        /// <summary>Linux NAME_MAX; squashfs could hold 256 but no Linux reader can use such a name.</summary>
        public const int MaxNameLength = 255;

        /// <summary>The kernel refuses symlink targets longer than a page.</summary>
        public const int MaxSymlinkTargetLength = 4096;

        /// <summary>The root directory's node.</summary>
        public const int Root = 0;

        private readonly List<(int Slot, int Placeholder)> _hardLinks = new List<(int Slot, int Placeholder)>();
        private readonly RecordList<TreeNode> _nodes = new RecordList<TreeNode>();
        private readonly RecordList<TreeSlot> _slots = new RecordList<TreeSlot>();
        private readonly List<TreeNodeExtra> _extras = new List<TreeNodeExtra>();
        private readonly NameArena _names = new NameArena();
        private readonly List<(int Start, int Length)> _parts = new List<(int Start, int Length)>();
        private readonly uint _defaultModificationTime;
        private int[]? _buckets = NewBuckets(1024);

        public FileTree(long defaultModificationTime)
        {
            _defaultModificationTime = ClampTime(defaultModificationTime);
            NewImplicitDirectory();
        }

        public int NodeCount => _nodes.Count;

        public ref TreeNode Node(int node) => ref _nodes[node];

        public ref TreeSlot Slot(int slot) => ref _slots[slot];

        public ReadOnlySpan<byte> Name(int slot)
        {
            ref TreeSlot s = ref _slots[slot];
            return _names.Get(s.Name);
        }

        /// <summary>The node's extra fields, or null when it has none.</summary>
        public TreeNodeExtra? Extra(int node)
        {
            int extra = _nodes[node].Extra;
            return extra == TreeNode.None ? null : _extras[extra];
        }

        /// <summary>A regular file's data (its index in the writer's <see cref="FileDataStore"/>), or <see cref="TreeNode.None"/> when none was attached.</summary>
        public int FileData(int node)
        {
            ref TreeNode n = ref _nodes[node];
            return n.Type == TreeEntryType.RegularFile ? n.Link : TreeNode.None;
        }

        public void SetFileData(int node, SquashfsFileData data) => _nodes[node].Link = data.Index;

        /// <summary>The slot named <paramref name="name"/> in <paramref name="directory"/>, or <see cref="TreeNode.None"/>.</summary>
        public int FindSlot(int directory, ReadOnlySpan<byte> name)
        {
            if (_buckets == null)
            {
                throw new InvalidOperationException("The tree's name lookup was released.");
            }

            for (int slot = _buckets[Hash(directory, name) & (_buckets.Length - 1)]; slot != TreeNode.None; slot = _slots[slot].NextInBucket)
            {
                ref TreeSlot s = ref _slots[slot];
                if (s.Parent == directory && _names.Get(s.Name).SequenceEqual(name))
                {
                    return slot;
                }
            }

            return TreeNode.None;
        }

        /// <summary>Drops the (directory, name) hash once no entry comes any more: the tables need only the child lists.</summary>
        public void ReleaseLookup() => _buckets = null;

        /// <summary>Applies one entry; returns the node created for it (regular files: attach the data to it).</summary>
        public int Add(TreeEntry entry, Action<string>? warn = null)
        {
            List<(int Start, int Length)> parts = SplitPath(entry.Path);
            byte[] path = entry.Path;
            foreach ((int start, int length) in parts)
            {
                if (length > MaxNameLength)
                {
                    throw new GolemImageException(ErrorIds.NameTooLong, GolemErrorCategory.InvalidData,
                        $"The name of '{entry.Display}'{At(entry)} has a component of {length} bytes; the limit is {MaxNameLength}.", entry.Display);
                }

                if ((length == 1 && path[start] == (byte)'.') || (length == 2 && path[start] == (byte)'.' && path[start + 1] == (byte)'.'))
                {
                    throw new GolemImageException(ErrorIds.InvalidPath, GolemErrorCategory.InvalidData,
                        $"The path '{entry.Display}'{At(entry)} contains a '.' or '..' component.", entry.Display);
                }
            }

            TreeNode node = CreateNode(entry, out TreeNodeExtra? extra);
            if (parts.Count == 0)
            {
                if (entry.Type != TreeEntryType.Directory)
                {
                    throw new GolemImageException(ErrorIds.InvalidRootEntry, GolemErrorCategory.InvalidData,
                        $"The root entry{At(entry)} is a {entry.Type}, not a directory.", entry.Display);
                }

                CopyMetadata(node, extra, Root);
                return Root;
            }

            int parent = Root;
            for (int i = 0; i < parts.Count - 1; i++)
            {
                ReadOnlySpan<byte> part = path.AsSpan(parts[i].Start, parts[i].Length);
                int slot = FindSlot(parent, part);
                int child = slot == TreeNode.None ? TreeNode.None : _slots[slot].Node;
                if (child == TreeNode.None || _nodes[child].Type != TreeEntryType.Directory)
                {
                    if (child != TreeNode.None)
                    {
                        warn?.Invoke($"'{entry.Display}' needs '{ByteNames.ToDisplay(Join(path, parts, i + 1))}' to be a directory; the {_nodes[child].Type} there is replaced.");
                    }

                    child = NewImplicitDirectory();
                    Place(parent, part, slot, child);
                }

                parent = child;
            }

            ReadOnlySpan<byte> name = path.AsSpan(parts[parts.Count - 1].Start, parts[parts.Count - 1].Length);
            int existingSlot = FindSlot(parent, name);
            if (entry.Type == TreeEntryType.Directory && existingSlot != TreeNode.None && _nodes[_slots[existingSlot].Node].Type == TreeEntryType.Directory)
            {
                // Extraction semantics: a directory entry over an existing directory only changes its attributes.
                int existing = _slots[existingSlot].Node;
                CopyMetadata(node, extra, existing);
                return existing;
            }

            if (extra != null)
            {
                node.Extra = _extras.Count;
                _extras.Add(extra);
            }

            int added = _nodes.Add(node);
            int placed = Place(parent, name, existingSlot, added);
            if (entry.Type == TreeEntryType.HardLink)
            {
                _hardLinks.Add((placed, added));
            }

            return added;
        }

        /// <summary>Points every slot still holding a hard-link placeholder at the node its target names in the final tree.</summary>
        public void ResolveHardLinks()
        {
            foreach ((int slot, int placeholder) in _hardLinks)
            {
                if (_slots[slot].Node == placeholder)
                {
                    _slots[slot].Node = Resolve(placeholder, 0);
                }
            }

            _hardLinks.Clear();
        }

        internal static uint ClampTime(long seconds) => seconds < 0 ? 0u : seconds > uint.MaxValue ? uint.MaxValue : (uint)seconds;

        private static string At(TreeEntry entry) => entry.SourceOffset >= 0 ? $" (at byte offset {entry.SourceOffset})" : string.Empty;

        private static int[] NewBuckets(int count)
        {
            var buckets = new int[count];
            buckets.AsSpan().Fill(TreeNode.None);
            return buckets;
        }

        private static int Hash(int directory, ReadOnlySpan<byte> name)
        {
            unchecked
            {
                // FNV-1a over the name, mixed with the directory; the hash decides no output order.
                uint hash = 2166136261 ^ (uint)directory * 0x9E3779B1;
                foreach (byte b in name)
                {
                    hash = (hash ^ b) * 16777619;
                }

                return (int)(hash ^ (hash >> 15));
            }
        }

        private static byte[] Join(byte[] path, List<(int Start, int Length)> parts, int count)
        {
            var result = new List<byte>();
            for (int i = 0; i < count; i++)
            {
                if (i > 0)
                {
                    result.Add((byte)'/');
                }

                result.AddRange(path.AsSpan(parts[i].Start, parts[i].Length).ToArray());
            }

            return result.ToArray();
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

        private List<(int Start, int Length)> SplitPath(byte[] path)
        {
            _parts.Clear();
            int start = 0;
            for (int i = 0; i <= path.Length; i++)
            {
                if (i == path.Length || path[i] == (byte)'/')
                {
                    if (i > start)
                    {
                        _parts.Add((start, i - start));
                    }

                    start = i + 1;
                }
            }

            return _parts;
        }

        /// <summary>Names <paramref name="node"/> <paramref name="name"/> in <paramref name="directory"/>: in <paramref name="slot"/> when it exists, else in a new slot.</summary>
        private int Place(int directory, ReadOnlySpan<byte> name, int slot, int node)
        {
            if (slot != TreeNode.None)
            {
                _slots[slot].Node = node;
                return slot;
            }

            ref TreeNode parent = ref _nodes[directory];
            slot = _slots.Add(new TreeSlot
            {
                Parent = directory,
                Name = _names.Add(name),
                Node = node,
                NextSibling = parent.Link,
            });
            parent.Link = slot;

            int[] buckets = _buckets!;
            if (_slots.Count > buckets.Length)
            {
                buckets = NewBuckets(buckets.Length * 2);
                for (int i = 0; i < _slots.Count; i++)
                {
                    ref TreeSlot s = ref _slots[i];
                    ref int head = ref buckets[Hash(s.Parent, _names.Get(s.Name)) & (buckets.Length - 1)];
                    s.NextInBucket = head;
                    head = i;
                }

                _buckets = buckets;
            }
            else
            {
                ref int head = ref buckets[Hash(directory, name) & (buckets.Length - 1)];
                _slots[slot].NextInBucket = head;
                head = slot;
            }

            return slot;
        }

        private void CopyMetadata(TreeNode from, TreeNodeExtra? fromExtra, int to)
        {
            ref TreeNode target = ref _nodes[to];
            target.Mode = from.Mode;
            target.Uid = from.Uid;
            target.Gid = from.Gid;
            target.ModificationTime = from.ModificationTime;
            target.Explicit = true;
            List<TreeXattr>? xattrs = fromExtra?.Xattrs;
            if (target.Extra != TreeNode.None)
            {
                _extras[target.Extra].Xattrs = xattrs;
            }
            else if (xattrs != null)
            {
                target.Extra = _extras.Count;
                _extras.Add(new TreeNodeExtra { Xattrs = xattrs });
            }
        }

        private int Resolve(int placeholder, int depth)
        {
            TreeNodeExtra link = _extras[_nodes[placeholder].Extra];
            byte[] targetPath = link.HardLinkTarget!;
            int target = Root;
            foreach ((int start, int length) in SplitPath(targetPath))
            {
                int slot = _nodes[target].Type == TreeEntryType.Directory ? FindSlot(target, targetPath.AsSpan(start, length)) : TreeNode.None;
                if (slot == TreeNode.None)
                {
                    target = TreeNode.None;
                    break;
                }

                target = _slots[slot].Node;
            }

            string targetDisplay = ByteNames.ToDisplay(targetPath);
            if (target == TreeNode.None)
            {
                throw new GolemImageException(ErrorIds.HardLinkTargetMissing, GolemErrorCategory.InvalidData,
                    $"The hard link '{link.HardLinkDisplay}' points to '{targetDisplay}', which is not in the image.", link.HardLinkDisplay);
            }

            if (_nodes[target].Type == TreeEntryType.Directory)
            {
                throw new GolemImageException(ErrorIds.HardLinkToDirectory, GolemErrorCategory.InvalidData,
                    $"The hard link '{link.HardLinkDisplay}' points to the directory '{targetDisplay}'; directories cannot be hard-linked.", link.HardLinkDisplay);
            }

            if (_nodes[target].Type == TreeEntryType.HardLink)
            {
                if (depth > 64 || target == placeholder)
                {
                    throw new GolemImageException(ErrorIds.HardLinkLoop, GolemErrorCategory.InvalidData,
                        $"The hard link '{link.HardLinkDisplay}' points to '{targetDisplay}', which leads back to a hard link loop.", link.HardLinkDisplay);
                }

                return Resolve(target, depth + 1);
            }

            return target;
        }

        private int NewImplicitDirectory() => _nodes.Add(new TreeNode
        {
            Type = TreeEntryType.Directory,
            Mode = 0x1ED, // 0755
            ModificationTime = _defaultModificationTime,
            Link = TreeNode.None,
            Extra = TreeNode.None,
        });

        private TreeNode CreateNode(TreeEntry entry, out TreeNodeExtra? extra)
        {
            var node = new TreeNode
            {
                Type = entry.Type,
                Mode = entry.Mode & 0xFFF,
                Uid = CheckId(entry.Uid, "uid", entry),
                Gid = CheckId(entry.Gid, "gid", entry),
                ModificationTime = ClampTime(entry.ModificationTime),
                Explicit = true,
                Link = TreeNode.None,
                Extra = TreeNode.None,
                };

            extra = null;
            if (entry.Xattrs.Count > 0)
            {
                var xattrs = new List<TreeXattr>(entry.Xattrs);
                // A stable order makes equal sets compare equal (and share one xattr id).
                xattrs.Sort((a, b) => string.CompareOrdinal(a.Name, b.Name));
                extra = new TreeNodeExtra { Xattrs = xattrs };
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

                    extra ??= new TreeNodeExtra();
                    extra.SymlinkTarget = target;
                    break;
                case TreeEntryType.HardLink:
                    if (entry.LinkTarget == null || entry.LinkTarget.Length == 0)
                    {
                        throw new GolemImageException(ErrorIds.InvalidHardLink, GolemErrorCategory.InvalidData,
                            $"The hard link '{entry.Display}'{At(entry)} has no target.", entry.Display);
                    }

                    extra ??= new TreeNodeExtra();
                    extra.HardLinkTarget = entry.LinkTarget;
                    extra.HardLinkDisplay = entry.Display;
                    break;
                case TreeEntryType.CharacterDevice:
                case TreeEntryType.BlockDevice:
                    uint device = EncodeDevice(entry);
                    extra ??= new TreeNodeExtra();
                    extra.DeviceNumber = device;
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
    }
}
