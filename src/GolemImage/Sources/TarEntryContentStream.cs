using System;
using System.IO;
using System.Threading;
using System.Threading.Tasks;
using GolemImage.Tar;

namespace GolemImage.Sources
{
    /// <summary>A read-only stream over a tar entry's data, to build a renamed copy of the entry.</summary>
    internal sealed class TarEntryContentStream : ForwardOnlyReadStream
    {
        private readonly TarEntry entry;

        public TarEntryContentStream(TarEntry entry)
        {
            this.entry = entry;
        }

        public override long Length => entry.Size;

        public override int Read(byte[] buffer, int offset, int count) =>
            entry.ReadDataAsync(new Memory<byte>(buffer, offset, count), CancellationToken.None).AsTask().GetAwaiter().GetResult();

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            entry.ReadDataAsync(new Memory<byte>(buffer, offset, count), cancellationToken).AsTask();

    }
}
