using System.Management.Automation;
using GolemImage.Compression;

namespace GolemImage.Cmdlets.Infrastructure
{
    /// <summary>
    /// Accepts the name (any letter case) of a <see cref="CompressorTable"/> row this module can write, so the table
    /// alone decides what a compressor parameter takes. Not an enum-typed parameter: PowerShell completes an enum
    /// parameter with every member (it ignores ArgumentCompleter there), which would offer compressors that cannot be
    /// written; <see cref="WritableCompressorCompleter"/> offers exactly the writable rows instead.
    /// </summary>
    internal sealed class WritableCompressorAttribute : ValidateEnumeratedArgumentsAttribute
    {
        protected override void ValidateElement(object element)
        {
            object value = element is PSObject wrapped ? wrapped.BaseObject : element;
            CompressorDescriptor? row = CompressorTable.Find(value?.ToString());
            if (row == null)
            {
                throw new ValidationMetadataException($"'{value}' is not a squashfs compressor; use {CompressorTable.DescribeWritable()}.");
            }

            if (!row.CanWrite)
            {
                throw new ValidationMetadataException($"This version of GolemImage cannot write {row.Name} images yet; use {CompressorTable.DescribeWritable()}.");
            }
        }
    }
}
