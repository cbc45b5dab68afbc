using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Diagnostics;
using System.Management.Automation;
using GolemImage.Reporting;

namespace GolemImage.Cmdlets.Infrastructure
{
    /// <summary>
    /// Queues engine messages for the pipeline thread. Progress is coalesced per activity and
    /// throttled, because Write-Progress on every block would cost more than the compression.
    /// </summary>
    internal sealed class PipelineReporter : IEngineReporter
    {
        private static readonly long ProgressInterval = Stopwatch.Frequency / 5;

        private readonly Cmdlet cmdlet;
        private readonly BlockingCollection<Action> messages;
        private readonly object gate = new object();
        private readonly Dictionary<int, long> lastProgress = new Dictionary<int, long>();
        private readonly Dictionary<int, ProgressReport> open = new Dictionary<int, ProgressReport>();

        public PipelineReporter(Cmdlet cmdlet, BlockingCollection<Action> messages)
        {
            this.cmdlet = cmdlet;
            this.messages = messages;
        }

        public void Progress(ProgressReport report)
        {
            lock (gate)
            {
                long now = Stopwatch.GetTimestamp();
                if (!report.Completed && lastProgress.TryGetValue(report.ActivityId, out long last) && now - last < ProgressInterval)
                {
                    return;
                }

                lastProgress[report.ActivityId] = now;
                if (report.Completed)
                {
                    open.Remove(report.ActivityId);
                }
                else
                {
                    open[report.ActivityId] = report;
                }
            }

            Post(() => cmdlet.WriteProgress(ToRecord(report)));
        }

        public void Verbose(string message) => Post(() => cmdlet.WriteVerbose(message));

        public void Warning(string message) => Post(() => cmdlet.WriteWarning(message));

        /// <summary>Closes progress bars the engine left open (after an error, for example). Pipeline thread only.</summary>
        public void CompleteAll()
        {
            List<ProgressReport> left;
            lock (gate)
            {
                left = new List<ProgressReport>(open.Values);
                open.Clear();
            }

            foreach (ProgressReport report in left)
            {
                var record = ToRecord(report);
                record.RecordType = ProgressRecordType.Completed;
                cmdlet.WriteProgress(record);
            }
        }

        private static ProgressRecord ToRecord(ProgressReport report)
        {
            var record = new ProgressRecord(report.ActivityId, report.Activity, string.IsNullOrEmpty(report.Status) ? report.Activity : report.Status)
            {
                ParentActivityId = report.ParentActivityId,
                PercentComplete = Math.Min(100, report.PercentComplete),
                SecondsRemaining = report.SecondsRemaining,
                RecordType = report.Completed ? ProgressRecordType.Completed : ProgressRecordType.Processing,
            };
            return record;
        }

        private void Post(Action action)
        {
            try
            {
                messages.Add(action);
            }
            catch (InvalidOperationException)
            {
                // The engine task already finished; a late message has nowhere to go.
            }
        }
    }
}
