using System;
using System.Buffers;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.IO;
using System.Threading;
using System.Threading.Tasks;
using GolemImage.Compression;
using GolemImage.Reporting;

namespace GolemImage.Squashfs
{
    /// <summary>
    /// Data and fragment blocks: the reading thread queues them in file order; N workers compress them; one writer
    /// takes them back in queue order and writes them. The ordered queue is bounded, so at most a fixed number of
    /// blocks (pooled buffers) are in memory, and the bytes written do not depend on the number of workers. Where
    /// the blocks go and how duplicates are decided is the <see cref="BlockWriter"/>'s job, on the writer thread.
    /// </summary>
    internal sealed class BlockProcessor : IDisposable
    {
        private readonly ArrayPool<byte> _pool;

        // Threads hand blocks to each other through semaphores rather than async continuations: a blocked thread is
        // woken directly, without a hop through the thread pool (which costs milliseconds per block on a busy machine).
        // Two bounds: jobs that hold a pooled block buffer (the memory bound), and the bookkeeping jobs between them
        // (file starts, duplicate checks without a tail, sparse runs). Counting the latter against the block bound
        // halved the blocks really in flight on trees of small files and left the workers waiting for the writer.
        private readonly SemaphoreSlim _blockCapacity;
        private readonly SemaphoreSlim _bookkeepingCapacity;
        private readonly ConcurrentQueue<Job> _ordered = new ConcurrentQueue<Job>();
        private readonly SemaphoreSlim _orderedCount = new SemaphoreSlim(0);
        private readonly ConcurrentQueue<Job> _work = new ConcurrentQueue<Job>();
        private readonly SemaphoreSlim _workCount = new SemaphoreSlim(0);
        private readonly Thread[] _workers;
        private readonly Thread _writer;
        private readonly TaskCompletionSource<bool> _writerDone = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly BlockWriter _blocks;
        private volatile Exception? _failure;
        private volatile bool _aborted;
        private bool _completing;

        public BlockProcessor(Stream output, long startPosition, CompressionSettings compression, int blockSize, int workerCount, int blocksInFlight, ArrayPool<byte> pool, IEngineReporter reporter)
        {
            _pool = pool;
            _blocks = new BlockWriter(output, startPosition, compression, blockSize, reporter);
            _blockCapacity = new SemaphoreSlim(blocksInFlight);
            _bookkeepingCapacity = new SemaphoreSlim(blocksInFlight * BookkeepingJobsPerBlock);
            _workers = new Thread[workerCount];
            for (int i = 0; i < workerCount; i++)
            {
                IBlockCompressor compressor = compression.CreateCompressor(blockSize);
                _workers[i] = new Thread(() => RunWorker(compressor)) { IsBackground = true, Name = "GolemImage block compressor " + i };
                _workers[i].Start();
            }

            _writer = new Thread(RunWriter) { IsBackground = true, Name = "GolemImage block writer" };
            _writer.Start();
        }

        /// <summary>Fragment blocks written so far, in fragment-index order. Complete after <see cref="CompleteAsync"/>.</summary>
        public IReadOnlyList<FragmentLocation> Fragments => _blocks.Fragments;

        /// <summary>Candidates whose bytes matched their original (they now share its data). Read after <see cref="CompleteAsync"/>.</summary>
        public long DuplicatesConfirmed => _blocks.DuplicatesConfirmed;

        /// <summary>Files that now share an earlier file's full blocks (see <see cref="ShareBlocksAsync"/>). Read after <see cref="CompleteAsync"/>.</summary>
        public long BlockRunsShared => _blocks.BlockRunsShared;

        /// <summary>Candidates whose bytes differed from their original (kept their own data). Read after <see cref="CompleteAsync"/>.</summary>
        public long CollisionsFound => _blocks.CollisionsFound;

        /// <summary>True when some file's tail was written as a short last block instead of into a fragment.</summary>
        public bool TailBlocksWritten => _blocks.TailBlocksWritten;

        public ValueTask FileStartAsync(SquashfsFileData file, CancellationToken cancellationToken) =>
            EnqueueAsync(new Job(JobKind.FileStart, file, null, 0), cancellationToken);

        /// <summary>
        /// Queues the byte comparison of a duplicate candidate, right after its last data block. When the original's
        /// tail must be read back from a written fragment block, <paramref name="tail"/> is the candidate's tail and
        /// the processor owns (and returns to the pool) it; null when the file has no tail or the tails are known equal.
        /// </summary>
        public ValueTask VerifyDuplicateAsync(DuplicateCheck check, byte[]? tail, int tailLength, CancellationToken cancellationToken) =>
            EnqueueAsync(new Job(JobKind.VerifyDuplicate, check.File, tail, tailLength) { Check = check }, cancellationToken);

        /// <summary>
        /// Queues the byte comparison of a file's full blocks with an earlier file's (same count and hash), right after
        /// its last block: equal, the file points at the earlier blocks; different (a hash collision), it keeps its own.
        /// Its tail is not part of the check.
        /// </summary>
        public ValueTask ShareBlocksAsync(DuplicateCheck check, CancellationToken cancellationToken) =>
            EnqueueAsync(new Job(JobKind.ShareBlocks, check.File, null, 0) { Check = check }, cancellationToken);

        /// <summary>Queues a data block; the processor owns (and returns to the pool) <paramref name="buffer"/>.</summary>
        public ValueTask DataBlockAsync(SquashfsFileData file, byte[] buffer, int length, CancellationToken cancellationToken) =>
            EnqueueAsync(new Job(JobKind.DataBlock, file, buffer, length), cancellationToken);

        /// <summary>Queues <paramref name="count"/> sparse (all-zero, unstored) blocks of <paramref name="file"/>.</summary>
        public ValueTask SparseBlocksAsync(SquashfsFileData file, int count, CancellationToken cancellationToken) =>
            EnqueueAsync(new Job(JobKind.SparseBlocks, file, null, count), cancellationToken);

        public ValueTask FragmentBlockAsync(byte[] buffer, int length, CancellationToken cancellationToken) =>
            EnqueueAsync(new Job(JobKind.FragmentBlock, null, buffer, length), cancellationToken);

        /// <summary>Waits until every queued block is written; returns the position after the last one.</summary>
        public async Task<long> CompleteAsync()
        {
            ThrowIfFailed();
            _completing = true;
            _ordered.Enqueue(new Job(JobKind.End, null, null, 0));
            _orderedCount.Release();
            await _writerDone.Task.ConfigureAwait(false);
            StopWorkers();
            ThrowIfFailed();
            return _blocks.Position;
        }

        public void Dispose()
        {
            _aborted = true;
            if (!_completing)
            {
                _completing = true;
                _ordered.Enqueue(new Job(JobKind.End, null, null, 0));
                _orderedCount.Release();
            }

            _writer.Join();
            StopWorkers();
        }

        private void StopWorkers()
        {
            foreach (Thread _ in _workers)
            {
                _work.Enqueue(new Job(JobKind.End, null, null, 0));
            }

            _workCount.Release(_workers.Length);
            foreach (Thread worker in _workers)
            {
                worker.Join();
            }
        }

        private void ThrowIfFailed()
        {
            Exception? failure = _failure;
            if (failure != null)
            {
                System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(failure).Throw();
            }
        }

        /// <summary>Bookkeeping jobs allowed per block slot: small objects, enough to cover the files whose tails share one fragment block.</summary>
        internal const int BookkeepingJobsPerBlock = 64;

        private SemaphoreSlim CapacityOf(Job job) => job.HoldsBlock ? _blockCapacity : _bookkeepingCapacity;

        private async ValueTask EnqueueAsync(Job job, CancellationToken cancellationToken)
        {
            try
            {
                ThrowIfFailed();
                await CapacityOf(job).WaitAsync(cancellationToken).ConfigureAwait(false);
                ThrowIfFailed();
            }
            catch
            {
                ReturnBuffers(job);
                throw;
            }

            _ordered.Enqueue(job);
            _orderedCount.Release();
            if (job.Done != null)
            {
                _work.Enqueue(job);
                _workCount.Release();
            }
        }

        private void RunWorker(IBlockCompressor compressor)
        {
            try
            {
                while (true)
                {
                    _workCount.Wait();
                    if (!_work.TryDequeue(out Job? job) || job.Kind == JobKind.End)
                    {
                        return;
                    }

                    try
                    {
                        if (!_aborted)
                        {
                            Compress(compressor, job);
                        }
                    }
                    catch (Exception ex)
                    {
                        job.Failure = ex;
                    }
                    finally
                    {
                        job.Done!.Set();
                    }
                }
            }
            finally
            {
                (compressor as IDisposable)?.Dispose();
            }
        }

        private void Compress(IBlockCompressor compressor, Job job)
        {
            if (job.Kind == JobKind.DataBlock && IsAllZero(job.Input.AsSpan(0, job.Length)))
            {
                job.Sparse = true;
                return;
            }

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

        private void RunWriter()
        {
            while (true)
            {
                _orderedCount.Wait();
                _ordered.TryDequeue(out Job? job);
                if (job == null || job.Kind == JobKind.End)
                {
                    break;
                }

                try
                {
                    job.Done?.Wait();
                    if (_aborted || _failure != null)
                    {
                        continue;
                    }

                    if (job.Failure != null)
                    {
                        throw job.Failure;
                    }

                    switch (job.Kind)
                    {
                        case JobKind.FileStart:
                            _blocks.StartFile(job.File!.Value);
                            break;
                        case JobKind.VerifyDuplicate:
                            _blocks.ResolveDuplicate(job.Check!, job.Input, job.Length);
                            break;
                        case JobKind.ShareBlocks:
                            _blocks.ShareBlocks(job.Check!);
                            break;
                        case JobKind.DataBlock:
                            _blocks.AddDataBlock(job.File!.Value, job.Sparse, job.Output ?? job.Input!, job.Output != null ? job.OutputLength : job.Length, job.Output != null);
                            break;
                        case JobKind.SparseBlocks:
                            _blocks.AddSparseBlocks(job.File!.Value, job.Length);
                            break;
                        case JobKind.FragmentBlock:
                            _blocks.AddFragmentBlock(job.Output ?? job.Input!, job.Output != null ? job.OutputLength : job.Length, job.Output != null);
                            break;
                    }
                }
                catch (Exception ex)
                {
                    _failure = ex;
                    // Wake a producer waiting for room so that it sees the failure.
                    _blockCapacity.Release();
                    _bookkeepingCapacity.Release();
                }
                finally
                {
                    ReturnBuffers(job);
                    job.Done?.Dispose();
                    if (_failure == null)
                    {
                        CapacityOf(job).Release();
                    }
                }
            }

            _blocks.Dispose();
            _writerDone.TrySetResult(true);
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
            End,
            FileStart,
            DataBlock,
            VerifyDuplicate,
            ShareBlocks,
            FragmentBlock,
            SparseBlocks,
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
                HoldsBlock = input != null;
                Length = length;
                if (kind == JobKind.DataBlock || kind == JobKind.FragmentBlock)
                {
                    Done = new ManualResetEventSlim(false, 0);
                }
            }

            public JobKind Kind { get; }

            /// <summary>Whether the job came with a pooled buffer, so it counts against the block bound.</summary>
            public bool HoldsBlock { get; }

            public DuplicateCheck? Check { get; set; }

            public SquashfsFileData? File { get; }

            public int Length { get; }

            public int OutputLength { get; set; }

            public bool Sparse { get; set; }

            public ManualResetEventSlim? Done { get; }

            public Exception? Failure { get; set; }
        }
    }
}
