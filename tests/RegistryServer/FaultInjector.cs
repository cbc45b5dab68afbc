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
    /// </summary>
    internal sealed class FaultInjector
    {
        private static readonly string[] Kinds = { "fail500", "drop", "throttle429", "delay" };

        private readonly object gate = new object();
        private readonly List<Fault> faults = new List<Fault>();

        public void Add(string specification)
        {
            string[] parts = specification.Split(':');
            if (parts.Length < 2 || !Kinds.Contains(parts[0]))
            {
                throw new ArgumentException($"'{specification}' is not a fault of the form KIND:CHUNK[:MS] with KIND one of {string.Join(", ", Kinds)}.");
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
            }
        }

        public int Pending
        {
            get
            {
                lock (gate)
                {
                    return faults.Count;
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

        private sealed record Fault(string Kind, int? Chunk, int DelayMilliseconds);
    }
}
