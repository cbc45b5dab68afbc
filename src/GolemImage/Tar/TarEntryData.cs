using System;
using System.IO;
using System.Threading;
using System.Threading.Tasks;

namespace GolemImage.Tar
{
    /// <summary>Where an entry's bytes come from: the tar stream itself, or a caller-supplied stream.</summary>
    internal abstract class TarEntryData
    {
        /// <summary>Fills <paramref name="buffer"/> unless the data ends first; returns the count, 0 at the end.</summary>
        public abstract ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken);

        /// <summary>
        /// How many bytes from the current position are a sparse hole (zeros the archive does not store), so that a
        /// writer can account for them by count instead of reading them; 0 when unknown or not sparse.
        /// </summary>
        public virtual long HoleAhead => 0;

        /// <summary>Moves past <paramref name="count"/> bytes of the hole ahead, at most <see cref="HoleAhead"/>.</summary>
        public virtual void SkipHole(long count) => throw new NotSupportedException("This entry's data has no holes to skip.");
    }

    /// <summary>Data of an entry built by a caller, read from a stream of at least the entry's size.</summary>
    internal sealed class StreamTarEntryData : TarEntryData
    {
        private readonly Stream _stream;
        private readonly string _displayPath;
        private long _remaining;

        public StreamTarEntryData(Stream stream, long size, string displayPath)
        {
            _stream = stream;
            _remaining = size;
            _displayPath = displayPath;
        }

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken)
        {
            var total = 0;
            while (total < buffer.Length && _remaining > 0)
            {
                var want = (int)Math.Min(buffer.Length - total, _remaining);
#if NET8_0_OR_GREATER
                var read = await _stream.ReadAsync(buffer.Slice(total, want), cancellationToken).ConfigureAwait(false);
#else
                var read = await ReadIntoAsync(buffer.Slice(total, want), cancellationToken).ConfigureAwait(false);
#endif
                if (read == 0)
                {
                    throw new EndOfStreamException($"The data stream of '{_displayPath}' ended {_remaining} bytes before the entry's size.");
                }

                total += read;
                _remaining -= read;
            }

            return total;
        }

#if !NET8_0_OR_GREATER
        private async Task<int> ReadIntoAsync(Memory<byte> destination, CancellationToken cancellationToken)
        {
            if (System.Runtime.InteropServices.MemoryMarshal.TryGetArray<byte>(destination, out var segment))
            {
                return await _stream.ReadAsync(segment.Array!, segment.Offset, segment.Count, cancellationToken).ConfigureAwait(false);
            }

            var rented = System.Buffers.ArrayPool<byte>.Shared.Rent(destination.Length);
            try
            {
                var read = await _stream.ReadAsync(rented, 0, destination.Length, cancellationToken).ConfigureAwait(false);
                rented.AsSpan(0, read).CopyTo(destination.Span);
                return read;
            }
            finally
            {
                System.Buffers.ArrayPool<byte>.Shared.Return(rented);
            }
        }
#endif
    }
}
