namespace GolemImage.Reporting
{
    /// <summary>One progress observation of one long-running activity.</summary>
    public sealed class ProgressReport
    {
        public ProgressReport(int activityId, string activity, string status)
        {
            ActivityId = activityId;
            Activity = activity;
            Status = status;
        }

        /// <summary>Distinguishes concurrent activities (for example one per pulled layer).</summary>
        public int ActivityId { get; }

        public int ParentActivityId { get; set; } = -1;

        public string Activity { get; }

        public string Status { get; }

        /// <summary>0..100, or -1 when the total is unknown.</summary>
        public int PercentComplete { get; set; } = -1;

        /// <summary>Seconds remaining, or -1 when unknown.</summary>
        public int SecondsRemaining { get; set; } = -1;

        public bool Completed { get; set; }
    }
}
