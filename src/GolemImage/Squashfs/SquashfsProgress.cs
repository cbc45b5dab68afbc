namespace GolemImage.Squashfs
{
    /// <summary>Progress activity ids used by the squashfs writer.</summary>
    public static class SquashfsProgress
    {
        public const int ActivityId = 3100;
    }
}
