using System;
using System.Buffers;
using System.Collections.Generic;
using System.IO;
using System.IO.Pipelines;
using System.Threading;
using System.Threading.Tasks;

namespace GolemImage.Tests.Tar
{
    /// <summary>
    /// A PipeReader that lets data arrive 1-7 bytes per read and hands it out as a chain of 1-7 byte segments,
    /// so every header, PAX record and data block straddles segment boundaries somewhere.
    /// </summary>
    internal sealed class TrickleSegmentPipeReader : PipeReader
    {
        private readonly byte[] _data;
        private readonly Random _random;
        private readonly List<int> _boundaries = new List<int>();
        private long _consumed;
        private long _available;
        private bool _readerCompleted;

        public TrickleSegmentPipeReader(byte[] data, int seed)
        {
            _data = data;
            _random = new Random(seed);
            var position = 0;
            while (position < data.Length)
            {
                _boundaries.Add(position);
                position += _random.Next(1, 8);
            }

            _boundaries.Add(data.Length);
        }

        public int Reads { get; private set; }

        public override void AdvanceTo(SequencePosition consumed) => AdvanceTo(consumed, consumed);

        public override void AdvanceTo(SequencePosition consumed, SequencePosition examined)
        {
            var segment = (Segment?)consumed.GetObject();
            var absolute = segment == null ? _consumed : segment.RunningIndex + consumed.GetInteger();
            if (absolute < _consumed || absolute > _available)
            {
                throw new InvalidOperationException($"AdvanceTo({absolute}) outside [{_consumed}, {_available}].");
            }

            _consumed = absolute;
        }

        public override void CancelPendingRead()
        {
        }

        public override void Complete(Exception? exception = null) => _readerCompleted = true;

        public override ValueTask<ReadResult> ReadAsync(CancellationToken cancellationToken = default)
        {
            TryRead(out var result);
            return new ValueTask<ReadResult>(result);
        }

        public override bool TryRead(out ReadResult result)
        {
            if (_readerCompleted)
            {
                throw new InvalidOperationException("Read after Complete.");
            }

            Reads++;
            _available = Math.Min(_data.Length, _available + _random.Next(1, 8));
            result = new ReadResult(BuildSequence(), isCanceled: false, isCompleted: _available == _data.Length);
            return true;
        }

        private ReadOnlySequence<byte> BuildSequence()
        {
            if (_consumed == _available)
            {
                return ReadOnlySequence<byte>.Empty;
            }

            Segment? first = null;
            Segment? last = null;
            var start = _consumed;
            var index = _boundaries.BinarySearch((int)start);
            index = index >= 0 ? index + 1 : ~index;
            while (start < _available)
            {
                var end = Math.Min(_available, _boundaries[index]);
                var segment = new Segment(_data.AsMemory((int)start, (int)(end - start)), start);
                if (first == null)
                {
                    first = segment;
                }
                else
                {
                    last!.SetNext(segment);
                }

                last = segment;
                start = end;
                index++;
            }

            return new ReadOnlySequence<byte>(first!, 0, last!, last!.Memory.Length);
        }

        private sealed class Segment : ReadOnlySequenceSegment<byte>
        {
            public Segment(ReadOnlyMemory<byte> memory, long runningIndex)
            {
                Memory = memory;
                RunningIndex = runningIndex;
            }

            public void SetNext(Segment next) => Next = next;
        }
    }

    /// <summary>A stream that returns 1-7 bytes per read, like a slow pipe.</summary>
    internal sealed class TrickleStream : Stream
    {
        private readonly byte[] _data;
        private readonly Random _random;
        private int _position;

        public TrickleStream(byte[] data, int seed)
        {
            _data = data;
            _random = new Random(seed);
        }

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override void Flush()
        {
        }

        public override int Read(byte[] buffer, int offset, int count)
        {
            var take = Math.Min(Math.Min(count, _random.Next(1, 8)), _data.Length - _position);
            Array.Copy(_data, _position, buffer, offset, take);
            _position += take;
            return take;
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
