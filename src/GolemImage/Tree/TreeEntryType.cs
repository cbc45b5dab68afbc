namespace GolemImage.Tree
{
    /// <summary>What an entry added to the tree is; mirrors the tar entry types.</summary>
    public enum TreeEntryType
    {
        RegularFile,
        HardLink,
        SymbolicLink,
        CharacterDevice,
        BlockDevice,
        Directory,
        Fifo,
    }
}
