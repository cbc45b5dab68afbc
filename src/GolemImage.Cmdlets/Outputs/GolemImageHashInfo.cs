namespace GolemImage
{
    /// <summary>What Get-GolemImageHash emits: shaped like Get-FileHash's output, plus the Golem task package string.</summary>
    public sealed class GolemImageHashInfo
    {
        public GolemImageHashInfo(string hash, string? path, string? taskPackage)
        {
            Hash = hash;
            Path = path;
            TaskPackage = taskPackage;
        }

        /// <summary>Always "SHA3-224", the only algorithm Golem names images by.</summary>
        public string Algorithm => "SHA3-224";

        /// <summary>Lowercase hex (56 characters).</summary>
        public string Hash { get; }

        /// <summary>The file hashed; null for -InputStream.</summary>
        public string? Path { get; }

        /// <summary>"hash:sha3:&lt;hash&gt;:&lt;url&gt;" when -Url was given, the string yapapi and golem-js take as a task package.</summary>
        public string? TaskPackage { get; }

        public override string ToString()
        {
            return Hash;
        }
    }
}
