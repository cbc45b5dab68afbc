namespace GolemImage.Reporting
{
    /// <summary>A reporter that discards everything; the default when a caller does not listen.</summary>
    public sealed class NullReporter : IEngineReporter
    {
        public static readonly NullReporter Instance = new NullReporter();

        private NullReporter()
        {
        }

        public void Progress(ProgressReport report)
        {
        }

        public void Verbose(string message)
        {
        }

        public void Warning(string message)
        {
        }
    }
}
