using System;

namespace GolemImage.Tar
{
    /// <summary>
    /// One extended attribute of an entry. The value is kept byte-exact because some attributes
    /// (security.capability, for instance) are binary structures, not text.
    /// </summary>
    public sealed class TarXattr
    {
        public TarXattr(string name, byte[] value)
        {
            Name = name ?? throw new ArgumentNullException(nameof(name));
            Value = value ?? throw new ArgumentNullException(nameof(value));
        }

        /// <summary>The full attribute name including its namespace, for example "security.capability".</summary>
        public string Name { get; }

        public byte[] Value { get; }

        public override string ToString() => Name;
    }
}
