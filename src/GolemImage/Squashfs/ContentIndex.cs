using System;
using GolemImage.Tree;

namespace GolemImage.Squashfs
{
    /// <summary>
    /// Files by (byte count, content hash), to find duplicate candidates: a chained hash of the hash's first 64 bits
    /// and the file's record index, 16 bytes an entry in fixed-size chunks plus a 4-byte bucket head. The byte count
    /// is not stored: it is read from the file's record. A candidate is only ever a candidate (the block writer
    /// compares the bytes), so 64 bits of hash name it as well as 128 did.
    /// </summary>
    /// <remarks>
    /// Chained, not open-addressing: growing replaces only the bucket heads (4 bytes a file), never the entries, so
    /// a million files cost ~20 MB with no doubling peak and no large freed arrays left behind in the heap (an open
    /// table of 12-byte slots was 24 MB at a million files, 36 MB while it doubled, and left its old arrays as holes).
    /// </remarks>
    internal sealed class ContentIndex
    {
        private const int None = -1;

        private readonly Func<int, long> _byteCount;
        private readonly RecordList<Entry> _entries = new RecordList<Entry>();
        private int[] _buckets = NewBuckets(1024);

        /// <param name="byteCount">The byte count a file was added under, from its record.</param>
        public ContentIndex(Func<int, long> byteCount)
        {
            _byteCount = byteCount;
        }

        public int Count => _entries.Count;

        public bool TryGet(long byteCount, ReadOnlySpan<byte> digest, out int file)
        {
            ulong hash = Fingerprint(digest);
            for (int e = _buckets[Bucket(byteCount, hash, _buckets.Length - 1)]; e != None; e = _entries[e].Next)
            {
                ref Entry entry = ref _entries[e];
                if (entry.Hash == hash && _byteCount(entry.File) == byteCount)
                {
                    file = entry.File;
                    return true;
                }
            }

            file = -1;
            return false;
        }

        /// <summary>Adds a file not in the index yet (<see cref="TryGet"/> said so).</summary>
        public void Add(long byteCount, ReadOnlySpan<byte> digest, int file)
        {
            if (_entries.Count == _buckets.Length)
            {
                Rehash(_buckets.Length * 2);
            }

            ulong hash = Fingerprint(digest);
            ref int head = ref _buckets[Bucket(byteCount, hash, _buckets.Length - 1)];
            head = _entries.Add(new Entry { Hash = hash, File = file, Next = head });
        }

        private static ulong Fingerprint(ReadOnlySpan<byte> digest) => System.Buffers.Binary.BinaryPrimitives.ReadUInt64LittleEndian(digest);

        private static int Bucket(long byteCount, ulong hash, int mask)
        {
            unchecked
            {
                ulong mixed = (hash ^ (ulong)byteCount) * 0x9E3779B97F4A7C15UL;
                return (int)(mixed >> 32) & mask;
            }
        }

        private static int[] NewBuckets(int count)
        {
            var buckets = new int[count];
            buckets.AsSpan().Fill(None);
            return buckets;
        }

        private void Rehash(int bucketCount)
        {
            _buckets = NewBuckets(bucketCount);
            int mask = bucketCount - 1;
            for (int e = 0; e < _entries.Count; e++)
            {
                ref Entry entry = ref _entries[e];
                ref int head = ref _buckets[Bucket(_byteCount(entry.File), entry.Hash, mask)];
                entry.Next = head;
                head = e;
            }
        }

        private struct Entry
        {
            public ulong Hash;
            public int File;
            public int Next;
        }
    }
}
