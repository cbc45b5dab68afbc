namespace GolemImage.Reporting
{
    /// <summary>
    /// How the engine tells its caller what it is doing. Implementations must be thread-safe:
    /// engine stages call it from worker threads, and the cmdlet layer marshals the calls
    /// onto the pipeline thread (PowerShell forbids Write* calls from any other thread).
    /// </summary>
    public interface IEngineReporter
    {
        void Progress(ProgressReport report);

        void Verbose(string message);

        void Warning(string message);
    }
}
