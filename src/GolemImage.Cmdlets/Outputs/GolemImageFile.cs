using System;
using System.Management.Automation;
using GolemImage.Gvmi;

namespace GolemImage
{
    /// <summary>
    /// A .gvmi image file on disk: what ConvertTo-GolemImage and Get-GolemImage emit. Get-GolemImageHash,
    /// Get-GolemImage, Test-GolemImage and Publish-GolemImage bind it from the pipeline to -LiteralPath (through
    /// PSPath), so a file name with wildcard characters such as [ ] is never read as a pattern.
    /// </summary>
    public sealed class GolemImageFile
    {
        /// <summary>Full file-system path of the .gvmi file.</summary>
        public string Path { get; set; } = string.Empty;

        /// <summary>
        /// The same as <see cref="Path"/>, under the name file-system items carry: it binds the object to
        /// -LiteralPath. Hidden from Get-Member and formatting; Path is the property to use.
        /// </summary>
        [Hidden]
        public string PSPath => Path;

        /// <summary>SHA3-224 of the whole file (trailer included), lowercase hex: the hash Golem names the image by.</summary>
        public string Hash { get; set; } = string.Empty;

        /// <summary>File size in bytes.</summary>
        public long Size { get; set; }

        /// <summary>Squashfs compressor name as mksquashfs spells it: gzip, lzma, lzo, xz, lz4, zstd.</summary>
        public string Compression { get; set; } = string.Empty;

        /// <summary>Squashfs data block size in bytes.</summary>
        public int BlockSize { get; set; }

        /// <summary>Number of inodes (files, directories, links, devices) in the squashfs image.</summary>
        public long InodeCount { get; set; }

        /// <summary>The squashfs mkfs time (UTC); fixed for reproducible images.</summary>
        public DateTime Created { get; set; }

        /// <summary>The trailer's container config: Env, Cmd, Entrypoint, WorkingDir, Volumes, User, ...</summary>
        public ContainerConfig Config { get; set; } = new ContainerConfig();

        /// <summary>The image the file was converted from (a reference such as "alpine:3.20", or an archive path).</summary>
        public string? SourceImage { get; set; }

        /// <summary>The source image's id ("sha256:..."), when known.</summary>
        public string? ImageId { get; set; }

        /// <summary>The source image's platform, such as "linux/amd64", when known.</summary>
        public string? Platform { get; set; }

        public override string ToString()
        {
            return Path;
        }
    }
}
