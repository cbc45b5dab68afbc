namespace GolemImage.Tests
{
    /// <summary>
    /// What a test needs beyond .NET, as xunit traits (<c>[Trait(Requires.Key, Requires.SquashfsTools)]</c>, on the
    /// class or the method) and as Pester tags (<c>Describe ... -Tag SquashfsTools</c>). The one list: Pester's
    /// TestHelpers reads the values from this file, build.ps1 -Portable leaves out every value but
    /// <see cref="Portable"/>, and <c>TestRequirementTests</c> makes every test carry at least one.
    /// A test is tagged with what it cannot do its job without, including what it skips itself without.
    /// </summary>
    public static class Requires
    {
        /// <summary>The trait name.</summary>
        public const string Key = "Requires";

        /// <summary>Only .NET (and its own temporary files and loopback servers): runs on every CI leg.</summary>
        public const string Portable = "Portable";

        /// <summary>Programs of a Linux system: bash and coreutils, python3, GNU tar, setfattr, openssl, /bin/sh
        /// scripts, umoci, skopeo, yamllint and action-validator.</summary>
        public const string LinuxTools = "LinuxTools";

        /// <summary>mksquashfs and unsquashfs (squashfs-tools), sqfs2tar and rdsquashfs (squashfs-tools-ng).</summary>
        public const string SquashfsTools = "SquashfsTools";

        /// <summary>liblzo2, liblzma or zlib loaded as an independent oracle (Linux library names).</summary>
        public const string NativeLibraries = "NativeLibraries";

        /// <summary>Root on Linux: mknod for device nodes, loop mounts through the kernel's squashfs driver.</summary>
        public const string Root = "Root";

        /// <summary>A private dockerd started by the test (Linux, root).</summary>
        public const string Dockerd = "Dockerd";

        /// <summary>distribution's docker-registry started by the test (the Golem registry test server is .NET and
        /// needs no tag).</summary>
        public const string Registry = "Registry";

        /// <summary>Every value, Portable first.</summary>
        public static readonly string[] All = { Portable, LinuxTools, SquashfsTools, NativeLibraries, Root, Dockerd, Registry };
    }
}
