using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;

namespace GolemImage.Compression
{
    /// <summary>
    /// A squashfs compressor-options block as decoded by its compressor's row: the fields in on-disk order, by the
    /// names unsquashfs -stat reports them under. When the image has no block, the fields are the defaults it implies.
    /// </summary>
    public sealed class CompressorOptions
    {
        public CompressorOptions(bool present, IEnumerable<KeyValuePair<string, long>> fields)
        {
            Present = present;
            Fields = fields.ToArray();
        }

        /// <summary>False when the image has no options block and the compressor's defaults apply.</summary>
        public bool Present { get; }

        public IReadOnlyList<KeyValuePair<string, long>> Fields { get; }

        /// <summary>The value of the field <paramref name="name"/>.</summary>
        public long this[string name]
        {
            get
            {
                foreach (KeyValuePair<string, long> field in Fields)
                {
                    if (string.Equals(field.Key, name, StringComparison.Ordinal))
                    {
                        return field.Value;
                    }
                }

                throw new KeyNotFoundException($"The options have no field '{name}'.");
            }
        }

        public override string ToString() =>
            (Present ? string.Empty : "defaults: ") + string.Join(", ", Fields.Select(f => f.Key + " " + f.Value.ToString(CultureInfo.InvariantCulture)));
    }
}
