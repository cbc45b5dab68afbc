using System;
using System.Buffers;
using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Threading;

namespace GolemImage.Sources
{
    /// <summary>
    /// SHA-256 of a byte stream on a thread of its own: the reading thread only copies what it read into a chunk and
    /// goes on (a copy costs a fraction of the hash), so a layer's digest check is off the conversion's critical path
    /// (the thread that reads the tar and feeds the compressors). At most <see cref="ChunksInFlight"/> chunks wait.
    /// </summary>
    internal sealed class BackgroundSha256 : IDisposable
    {
        private const int ChunkSize = 256 * 1024;
        private const int ChunksInFlight = 4;

        private readonly IncrementalHash _hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        private readonly ConcurrentQueue<Chunk> _queue = new ConcurrentQueue<Chunk>();
        private readonly SemaphoreSlim _queued = new SemaphoreSlim(0);
        private readonly SemaphoreSlim _room = new SemaphoreSlim(ChunksInFlight);
        private readonly ManualResetEventSlim _finished = new ManualResetEventSlim(false);
        private readonly Thread _thread;
        private byte[]? _current;
        private int _fill;
        private byte[]? _digest;
        private Exception? _failure;
        private bool _ended;

        public BackgroundSha256()
        {
            _thread = new Thread(Run) { IsBackground = true, Name = "GolemImage layer digest" };
            _thread.Start();
        }

        public void Append(byte[] buffer, int offset, int count)
        {
            while (count > 0)
            {
                if (_current == null)
                {
                    _room.Wait();
                    _current = ArrayPool<byte>.Shared.Rent(ChunkSize);
                    _fill = 0;
                }

                int n = Math.Min(count, ChunkSize - _fill);
                Buffer.BlockCopy(buffer, offset, _current, _fill, n);
                _fill += n;
                offset += n;
                count -= n;
                if (_fill == ChunkSize)
                {
                    Hand();
                }
            }
        }

        /// <summary>The digest of everything appended; waits for the hashing thread to catch up.</summary>
        public byte[] GetHash()
        {
            if (!_ended)
            {
                if (_current != null)
                {
                    Hand();
                }

                _ended = true;
                _queue.Enqueue(new Chunk(null, 0));
                _queued.Release();
            }

            _finished.Wait();
            if (_failure != null)
            {
                System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(_failure).Throw();
            }

            return _digest!;
        }

        public void Dispose()
        {
            if (!_ended)
            {
                _ended = true;
                if (_current != null)
                {
                    ArrayPool<byte>.Shared.Return(_current);
                    _current = null;
                }

                _queue.Enqueue(new Chunk(null, -1));
                _queued.Release();
            }

            _thread.Join();
            _hash.Dispose();
        }

        private void Hand()
        {
            _queue.Enqueue(new Chunk(_current, _fill));
            _queued.Release();
            _current = null;
            _fill = 0;
        }

        private void Run()
        {
            try
            {
                while (true)
                {
                    _queued.Wait();
                    _queue.TryDequeue(out Chunk chunk);
                    if (chunk.Buffer == null)
                    {
                        if (chunk.Length == 0 && _failure == null)
                        {
                            _digest = _hash.GetHashAndReset();
                        }

                        break;
                    }

                    try
                    {
                        if (_failure == null)
                        {
                            _hash.AppendData(chunk.Buffer, 0, chunk.Length);
                        }
                    }
                    catch (Exception ex)
                    {
                        _failure = ex;
                    }
                    finally
                    {
                        ArrayPool<byte>.Shared.Return(chunk.Buffer);
                        _room.Release();
                    }
                }
            }
            finally
            {
                _finished.Set();
            }
        }

        private readonly struct Chunk
        {
            public Chunk(byte[]? buffer, int length)
            {
                Buffer = buffer;
                Length = length;
            }

            public byte[]? Buffer { get; }

            public int Length { get; }
        }
    }
}
