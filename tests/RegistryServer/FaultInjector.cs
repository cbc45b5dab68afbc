using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;

namespace GolemImage.RegistryServer
{
    /// <summary>
    /// One-shot faults on chunk uploads, each written KIND:CHUNK[:MS]:
    /// fail500 (answer 500 after reading the chunk), drop (abort the connection halfway through the chunk's
    /// body), throttle429 (answer 429 with Retry-After: 1), delay (answer only after MS milliseconds).
    /// CHUNK is the chunk number, or * for the next chunk request whatever its number.
    /// And one-shot faults on the next image download (GET /download/..., not HEAD), each written KIND:N:
    /// cut (send N bytes of the body, then break the connection off), flip (send the byte at file offset N inverted).
    /// </summary>
    internal sealed class FaultInjector
    {
        private static readonly string[] Kinds = { "fail500", "drop", "throttle429", "delay" };
        private static readonly string[] DownloadKinds = { "cut", "flip" };

        private readonly object gate = new object();
        private readonly List<Fault> faults = new List<Fault>();
        private readonly List<(string Kind, long Argument)> downloadFaults = new List<(string Kind, long Argument)>();

        public void Add(string specification)
        {
            string[] parts = specification.Split(':');
            if (parts.Length == 2 && DownloadKinds.Contains(parts[0]))
            {
                long argument = long.Parse(parts[1], CultureInfo.InvariantCulture);
                lock (gate)
                {
                    downloadFaults.Add((parts[0], argument));
                }

                return;
            }

            if (parts.Length < 2 || !Kinds.Contains(parts[0]))
            {
                throw new ArgumentException($"'{specification}' is not a fault of the form KIND:CHUNK[:MS] with KIND one of {string.Join(", ", Kinds)}, or KIND:N with KIND one of {string.Join(", ", DownloadKinds)}.");
            }

            int? chunk = parts[1] == "*" ? null : int.Parse(parts[1], CultureInfo.InvariantCulture);
            int delay = parts.Length > 2 ? int.Parse(parts[2], CultureInfo.InvariantCulture) : 0;
            lock (gate)
            {
                faults.Add(new Fault(parts[0], chunk, delay));
            }
        }

        public void Clear()
        {
            lock (gate)
            {
                faults.Clear();
                downloadFaults.Clear();
            }
        }

        public int Pending
        {
            get
            {
                lock (gate)
                {
                    return faults.Count + downloadFaults.Count;
                }
            }
        }

        /// <summary>Takes (removes) the first fault that applies to this chunk upload, if any.</summary>
        public (string Kind, int DelayMilliseconds)? Take(int chunkNumber)
        {
            lock (gate)
            {
                int index = faults.FindIndex(f => f.Chunk == null || f.Chunk == chunkNumber);
                if (index < 0)
                {
                    return null;
                }

                Fault fault = faults[index];
                faults.RemoveAt(index);
                return (fault.Kind, fault.DelayMilliseconds);
            }
        }

        /// <summary>Takes (removes) every download fault armed, for the download starting now.</summary>
        public List<(string Kind, long Argument)> TakeDownload()
        {
            lock (gate)
            {
                var taken = new List<(string Kind, long Argument)>(downloadFaults);
                downloadFaults.Clear();
                return taken;
            }
        }

        private sealed record Fault(string Kind, int? Chunk, int DelayMilliseconds);
    }
}
