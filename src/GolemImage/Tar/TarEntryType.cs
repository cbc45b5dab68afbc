namespace GolemImage.Tar
{
    /// <summary>The kinds of file system object a tar archive can describe (sockets cannot be archived).</summary>
    public enum TarEntryType
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
