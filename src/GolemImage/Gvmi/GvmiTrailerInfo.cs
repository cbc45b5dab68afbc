namespace GolemImage.Gvmi
{
    /// <summary>A checked .gvmi trailer: the config, its JSON text, and where the trailer sits in the file.</summary>
    public sealed class GvmiTrailerInfo
    {
        public GvmiTrailerInfo(ContainerConfig config, string json, int jsonLength, uint crc, long offset)
        {
            Config = config;
            Json = json;
            JsonLength = jsonLength;
            Crc = crc;
            Offset = offset;
        }

        public ContainerConfig Config { get; }

        /// <summary>The JSON exactly as stored.</summary>
        public string Json { get; }

        /// <summary>The JSON's length in bytes (the 8-digit number).</summary>
        public int JsonLength { get; }

        /// <summary>The stored CRC-32/IEEE, already checked against the JSON.</summary>
        public uint Crc { get; }

        /// <summary>Byte offset of the trailer's CRC: everything before it is the squashfs image and its padding.</summary>
        public long Offset { get; }

        /// <summary>Total trailer size: CRC + JSON + 8 digits.</summary>
        public long Length => GvmiTrailer.FixedLength + (long)JsonLength;
    }
}
