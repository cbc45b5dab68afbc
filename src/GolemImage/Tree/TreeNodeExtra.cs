using System.Collections.Generic;

namespace GolemImage.Tree
{
    /// <summary>The fields of a <see cref="TreeNode"/> that only directories with xattrs, links, devices and nodes with xattrs use.</summary>
    internal sealed class TreeNodeExtra
    {
        /// <summary>Xattrs sorted by full name, or null.</summary>
        public List<TreeXattr>? Xattrs;

        public byte[]? SymlinkTarget;

        public uint DeviceNumber;

        /// <summary>For a hard-link placeholder: the target path, and the link's own path for messages.</summary>
        public byte[]? HardLinkTarget;

        public string? HardLinkDisplay;
    }
}
