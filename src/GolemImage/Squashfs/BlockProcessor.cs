using System;
using System.Buffers;
using System.Collections.Generic;
using System.IO;
using System.Threading;
using System.Threading.Channels;
using System.Threading.Tasks;
using GolemImage.Compression;

namespace GolemImage.Squashfs
{
    /// <summary>
    /// Data and fragment blocks: the reading thread queues them in file order; N workers compress them; one writer
    /// takes them back in queue order and writes them. The ordered queue is bounded, so at most a fixed number of
    /// blocks (pooled buffers) are in memory, and the bytes written do not depend on the number of workers.
    /// </summary>
    internal sealed class BlockProcessor : IDisposable
    {
        private const uint UncompressedBit = 0x01000000;

        private readonly Stream _output;
        private readonly ArrayPool<byte> _pool;
        private readonly Channel<Job> _ordered;
        private readonly Channel<Job> _work;
        private readonly Task[] _workers;
        private readonly Task _writer;
        private readonly List<FragmentLocation> _fragments = new List<FragmentLocation>();
        private long _position;
        private volatile bool _aborted;

        public BlockProcessor(Stream output, long startPosition, CompressionSettings compression, int workerCount, int blocksInFlight, ArrayPool<byte> pool)
        {
            _output = output;
            _position = startPosition;
            _pool = pool;
            _ordered = Channel.CreateBounded<Job>(new BoundedChannelOptions(blocksInFlight) { SingleReader = true, SingleWriter = true });
            _work = Channel.CreateUnbounded<Job>(new UnboundedChannelOptions { SingleReader = false, SingleWriter = true });
            _workers = new Task[workerCount];
            for (int i = 0; i < workerCount; i++)
            {
                IBlockCompressor compressor = compression.CreateCompressor();
                _workers[i] = Task.Factory.StartNew(() => RunWorker(compressor), CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
            }

            _writer = Task.Run(RunWriterAsync);
        }

        /// <summary>Fragment blocks written so far, in fragment-index order. Complete after <see cref="CompleteAsync"/>.</summary>
        public IReadOnlyList<FragmentLocation> Fragments => _fragments;

        public ValueTask FileStartAsync(SquashfsFileData file, CancellationToken cancellationToken) =>
            EnqueueAsync(new Job(JobKind.FileStart, file, null, 0), cancellationToken);

        public ValueTask RollbackAsync(SquashfsFileData file, CancellationToken cancellationToken) =>
            EnqueueAsync(new Job(JobKind.Rollback, file, null, 0), cancellationToken);

        /// <summary>Queues a data block; the processor owns (and returns to the pool) <paramref name="buffer"/>.</summary>
        public ValueTask DataBlockAsync(SquashfsFileData file, byte[] buffer, int length, CancellationToken cancellationToken) =>
            EnqueueAsync(new Job(JobKind.DataBlock, file, buffer, length), cancellationToken);

        public ValueTask FragmentBlockAsync(byte[] buffer, int length, CancellationToken cancellationToken) =>
            EnqueueAsync(new Job(JobKind.FragmentBlock, null, buffer, length), cancellationToken);

        /// <summary>Waits until every queued block is written; returns the position after the last one.</summary>
        public async Task<long> CompleteAsync()
        {
            _ordered.Writer.TryComplete();
            await _writer.ConfigureAwait(false);
            _work.Writer.TryComplete();
            await Task.WhenAll(_workers).ConfigureAwait(false);
            return _position;
        }

        public void Dispose()
        {
            _aborted = true;
            _ordered.Writer.TryComplete();
            _work.Writer.TryComplete();
            try
            {
                Task.WaitAll(_workers);
                _writer.Wait();
            }
            catch (AggregateException)
            {
                // The failure has already been reported to whoever was feeding us.
            }
        }

        private async ValueTask EnqueueAsync(Job job, CancellationToken cancellationToken)
        {
            try
            {
                await _ordered.Writer.WriteAsync(job, cancellationToken).ConfigureAwait(false);
            }
            catch (ChannelClosedException ex) when (ex.InnerException != null)
            {
                ReturnBuffers(job);
                System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(ex.InnerException).Throw();
            }
            catch
            {
                ReturnBuffers(job);
                throw;
            }

            if (job.Completion != null && !_work.Writer.TryWrite(job))
            {
                job.Completion.TrySetCanceled();
            }
        }

        private void RunWorker(IBlockCompressor compressor)
        {
            try
            {
                while (_work.Reader.WaitToReadAsync().AsTask().GetAwaiter().GetResult())
                {
                    while (_work.Reader.TryRead(out Job? job))
                    {
                        if (_aborted)
                        {
                            job.Completion!.TrySetCanceled();
                            continue;
                        }

                        try
                        {
                            if (!IsAllZero(job.Input.AsSpan(0, job.Length)) || job.Kind == JobKind.FragmentBlock)
                            {
                                byte[] output = _pool.Rent(job.Length);
                                int length = compressor.Compress(job.Input.AsSpan(0, job.Length), output.AsSpan(0, job.Length));
                                if (length > 0 && length < job.Length)
                                {
                                    job.Output = output;
                                    job.OutputLength = length;
                                }
                                else
                                {
                                    _pool.Return(output);
                                }
                            }
                            else
                            {
                                job.Sparse = true;
                            }

                            job.Completion!.TrySetResult(true);
                        }
                        catch (Exception ex)
                        {
                            job.Completion!.TrySetException(ex);
                        }
                    }
                }
            }
            finally
            {
                (compressor as IDisposable)?.Dispose();
            }
        }

        private async Task RunWriterAsync()
        {
            bool seekNeeded = true;
            try
            {
                while (await _ordered.Reader.WaitToReadAsync().ConfigureAwait(false))
                {
                    while (_ordered.Reader.TryRead(out Job? job))
                    {
                        try
                        {
                            if (job.Completion != null)
                            {
                                await job.Completion.Task.ConfigureAwait(false);
                            }

                            if (_aborted)
                            {
                                continue;
                            }

                            switch (job.Kind)
                            {
                                case JobKind.FileStart:
                                    job.File!.StartBlock = _position;
                                    break;
                                case JobKind.Rollback:
                                    // A duplicate of an earlier file: forget the blocks just written for it.
                                    _position = job.File!.StartBlock;
                                    seekNeeded = true;
                                    break;
                                case JobKind.DataBlock:
                                    if (job.Sparse)
                                    {
                                        job.File!.BlockSizes.Add(0);
                                        break;
                                    }

                                    job.File!.BlockSizes.Add(WriteBlock(job, ref seekNeeded));
                                    break;
                                case JobKind.FragmentBlock:
                                    long start = _position;
                                    _fragments.Add(new FragmentLocation(start, WriteBlock(job, ref seekNeeded)));
                                    break;
                            }
                        }
                        finally
                        {
                            ReturnBuffers(job);
                        }
                    }
                }
            }
            catch (Exception ex)
            {
                _aborted = true;
                _ordered.Writer.TryComplete(ex);
                _work.Writer.TryComplete();
                // Drain so that queued buffers go back to the pool and nothing waits on us.
                while (_ordered.Reader.TryRead(out Job? job))
                {
                    ReturnBuffers(job);
                }

                throw;
            }
        }

        private uint WriteBlock(Job job, ref bool seekNeeded)
        {
            if (seekNeeded)
            {
                _output.Position = _position;
                seekNeeded = false;
            }

            if (job.Output != null)
            {
                _output.Write(job.Output, 0, job.OutputLength);
                _position += job.OutputLength;
                return (uint)job.OutputLength;
            }

            _output.Write(job.Input!, 0, job.Length);
            _position += job.Length;
            return (uint)job.Length | UncompressedBit;
        }

        private void ReturnBuffers(Job job)
        {
            byte[]? input = Interlocked.Exchange(ref job.Input, null);
            if (input != null)
            {
                _pool.Return(input);
            }

            byte[]? output = Interlocked.Exchange(ref job.Output, null);
            if (output != null)
            {
                _pool.Return(output);
            }
        }

        internal static bool IsAllZero(ReadOnlySpan<byte> data)
        {
#if NET8_0_OR_GREATER
            return data.IndexOfAnyExcept((byte)0) < 0;
#else
            ReadOnlySpan<ulong> words = System.Runtime.InteropServices.MemoryMarshal.Cast<byte, ulong>(data);
            foreach (ulong word in words)
            {
                if (word != 0)
                {
                    return false;
                }
            }

            for (int i = words.Length * 8; i < data.Length; i++)
            {
                if (data[i] != 0)
                {
                    return false;
                }
            }

            return true;
#endif
        }

        private enum JobKind
        {
            FileStart,
            DataBlock,
            Rollback,
            FragmentBlock,
        }

        private sealed class Job
        {
            public byte[]? Input;
            public byte[]? Output;

            public Job(JobKind kind, SquashfsFileData? file, byte[]? input, int length)
            {
                Kind = kind;
                File = file;
                Input = input;
                Length = length;
                if (input != null)
                {
                    Completion = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
                }
            }

            public JobKind Kind { get; }

            public SquashfsFileData? File { get; }

            public int Length { get; }

            public int OutputLength { get; set; }

            public bool Sparse { get; set; }

            public TaskCompletionSource<bool>? Completion { get; }
        }
    }
}
