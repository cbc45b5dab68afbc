using System;
using System.Buffers;
using System.IO.Pipelines;
using System.Threading;
using System.Threading.Tasks;

namespace GolemImage.Tar
{
    /// <summary>
    /// The tar reader's window onto its pipe: the bytes read but not yet consumed, the stream position of their
    /// first byte, and the read-result bookkeeping a <see cref="PipeReader"/> demands (one outstanding result,
    /// released with what was consumed and examined before the next read).
    /// </summary>
    internal sealed class TarPipeBuffer
    {
        private readonly PipeReader _reader;
        private ReadOnlySequence<byte> _buffered;
        private bool _holdingReadResult;
        private bool _streamCompleted;

        public TarPipeBuffer(PipeReader reader)
        {
            _reader = reader;
        }

        /// <summary>Bytes read from the pipe and not yet consumed.</summary>
        public ReadOnlySequence<byte> Buffered => _buffered;

        /// <summary>Stream offset of the first buffered byte (bytes consumed so far).</summary>
        public long Position { get; private set; }

        public void Consume(long count)
        {
            _buffered = _buffered.Slice(count);
            Position += count;
        }

        /// <summary>Makes at least <paramref name="count"/> bytes available; false if the stream ends first.</summary>
        public ValueTask<bool> EnsureAsync(int count, CancellationToken cancellationToken)
        {
            if (_buffered.Length >= count)
            {
                return new ValueTask<bool>(true);
            }

            return EnsureSlowAsync(count, cancellationToken);
        }

        /// <summary>Reads more from the pipe; false if the stream has ended and nothing new arrived.</summary>
        public async ValueTask<bool> FillAsync(CancellationToken cancellationToken)
        {
            var before = _buffered.Length;
            while (!_streamCompleted)
            {
                ReleaseExamined();
                var result = await _reader.ReadAsync(cancellationToken).ConfigureAwait(false);
                Accept(result);
                if (_buffered.Length > before)
                {
                    return true;
                }
            }

            return _buffered.Length > before;
        }

        /// <summary>Hands back an outstanding read result (for a pipe the caller keeps): only consumed bytes are gone.</summary>
        public void Release()
        {
            if (_holdingReadResult)
            {
                _reader.AdvanceTo(_buffered.Start);
                _holdingReadResult = false;
            }
        }

        private async ValueTask<bool> EnsureSlowAsync(int count, CancellationToken cancellationToken)
        {
            while (_buffered.Length < count)
            {
                if (_streamCompleted)
                {
                    return false;
                }

                ReleaseExamined();
                var result = await _reader.ReadAtLeastAsync(count, cancellationToken).ConfigureAwait(false);
                Accept(result);
            }

            return true;
        }

        private void ReleaseExamined()
        {
            if (_holdingReadResult)
            {
                // Everything before _buffered.Start is consumed; the rest has been looked at and is not enough.
                _reader.AdvanceTo(_buffered.Start, _buffered.End);
                _holdingReadResult = false;
            }
        }

        private void Accept(ReadResult result)
        {
            _holdingReadResult = true;
            _buffered = result.Buffer;
            if (result.IsCanceled)
            {
                throw new OperationCanceledException("Reading the tar stream was cancelled.");
            }

            _streamCompleted = result.IsCompleted;
        }
    }
}
