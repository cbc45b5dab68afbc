namespace GolemImage.Squashfs
{
    /// <summary>
    /// The inode type (u16 at the start of every inode). Directory entries always carry the basic type; the extended
    /// variant of a basic type is its value + 7.
    /// </summary>
    public enum SquashfsInodeType : ushort
    {
        BasicDirectory = 1,
        BasicFile = 2,
        BasicSymlink = 3,
        BasicBlockDevice = 4,
        BasicCharacterDevice = 5,
        BasicFifo = 6,
        BasicSocket = 7,
        ExtendedDirectory = 8,
        ExtendedFile = 9,
        ExtendedSymlink = 10,
        ExtendedBlockDevice = 11,
        ExtendedCharacterDevice = 12,
        ExtendedFifo = 13,
        ExtendedSocket = 14,
    }
}
