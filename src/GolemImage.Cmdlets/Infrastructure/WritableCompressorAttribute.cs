using System.Management.Automation;
using GolemImage.Compression;

namespace GolemImage.Cmdlets.Infrastructure
{
    /// <summary>
    /// Accepts the <see cref="CompressionAlgorithm"/> values whose <see cref="CompressorTable"/> row this module can
    /// write, so a parameter typed by the enum offers exactly the table's writable rows and no list repeats them.
    /// </summary>
    internal sealed class WritableCompressorAttribute : ValidateEnumeratedArgumentsAttribute
    {
        protected override void ValidateElement(object element)
        {
            object value = element is PSObject wrapped ? wrapped.BaseObject : element;
            CompressorDescriptor? row = value is CompressionAlgorithm algorithm ? CompressorTable.Find((int)algorithm) : null;
            if (row == null)
            {
                throw new ValidationMetadataException($"'{element}' is not a squashfs compressor; use {CompressorTable.DescribeWritable()}.");
            }

            if (!row.CanWrite)
            {
                throw new ValidationMetadataException($"This version of GolemImage cannot write {row.Name} images yet; use {CompressorTable.DescribeWritable()}.");
            }
        }
    }
}
