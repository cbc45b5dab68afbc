using System.Collections.Generic;
using GolemImage.Reporting;

namespace GolemImage.Tests
{
    /// <summary>Keeps the warnings, verbose messages and progress the engine reports (thread-safe: writers report from workers).</summary>
    internal sealed class RecordingReporter : IEngineReporter
    {
        private readonly object _gate = new object();
        private readonly List<string> _warnings = new List<string>();
        private readonly List<string> _verbose = new List<string>();
        private readonly List<ProgressReport> _progress = new List<ProgressReport>();

        public IReadOnlyList<string> Warnings
        {
            get
            {
                lock (_gate)
                {
                    return _warnings.ToArray();
                }
            }
        }

        public IReadOnlyList<string> VerboseMessages
        {
            get
            {
                lock (_gate)
                {
                    return _verbose.ToArray();
                }
            }
        }

        public IReadOnlyList<ProgressReport> ProgressReports
        {
            get
            {
                lock (_gate)
                {
                    return _progress.ToArray();
                }
            }
        }

        public void Progress(ProgressReport report)
        {
            lock (_gate)
            {
                _progress.Add(report);
            }
        }

        public void Verbose(string message)
        {
            lock (_gate)
            {
                _verbose.Add(message);
            }
        }

        public void Warning(string message)
        {
            lock (_gate)
            {
                _warnings.Add(message);
            }
        }
    }
}
