using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Linq;
using System.Threading;

namespace GolemImage.RegistryServer
{
    /// <summary>What the server was asked, for tests that must prove what a client did or did not send.</summary>
    internal sealed class ServerStats
    {
        private readonly ConcurrentDictionary<string, int> requests = new ConcurrentDictionary<string, int>();
        private long chunkBytesStored;
        private int chunksStored;

        public void Request(string endpoint) => requests.AddOrUpdate(endpoint, 1, (_, n) => n + 1);

        public void ChunkStored(long bytes)
        {
            Interlocked.Increment(ref chunksStored);
            Interlocked.Add(ref chunkBytesStored, bytes);
        }

        public void Reset()
        {
            requests.Clear();
            Interlocked.Exchange(ref chunksStored, 0);
            Interlocked.Exchange(ref chunkBytesStored, 0);
        }

        public object Snapshot() => new
        {
            totalRequests = requests.Values.Sum(),
            requests = new SortedDictionary<string, int>(requests),
            chunksStored = Volatile.Read(ref chunksStored),
            chunkBytesStored = Interlocked.Read(ref chunkBytesStored),
        };
    }
}
