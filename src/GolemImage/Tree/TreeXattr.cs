using System;

namespace GolemImage.Tree
{
    /// <summary>One extended attribute: full name ("security.capability") and the value, byte-exact.</summary>
    public sealed class TreeXattr
    {
        public TreeXattr(string name, byte[] value)
        {
            Name = name ?? throw new ArgumentNullException(nameof(name));
            Value = value ?? throw new ArgumentNullException(nameof(value));
        }

        public string Name { get; }

        public byte[] Value { get; }
    }
}
