namespace GolemImage.RegistryServer
{
    /// <summary>A parsed image descriptor: file size, chunk size, SHA3-224 of the file, SHA-256 per chunk.</summary>
    internal sealed record Descriptor(long Size, long ChunkSize, byte[] Sha3, byte[][] Chunks)
    {
        public long ChunkPosition(int number) => number * ChunkSize;

        public long ChunkLength(int number) => System.Math.Min(ChunkSize, Size - ChunkPosition(number));
    }
}
