using System;

namespace GolemImage.Squashfs
{
    /// <summary>
    /// Files by (byte count, content hash), to find duplicate candidates: an open-addressing table of the hash's first
    /// 64 bits and the file's record index, 12 bytes a slot, where a dictionary of keys and handles cost 40 or more an
    /// entry. The byte count is not stored: it is read from the file's record. A candidate is only ever a candidate
    /// (the block writer compares the bytes), so 64 bits of hash name it as well as 128 did.
    /// </summary>
    internal sealed class ContentIndex
    {
        private readonly Func<int, long> _byteCount;
        private ulong[] _hashes = new ulong[1024];
        private int[] _files = new int[1024]; // index + 1; 0 is an empty slot
        private int _count;

        /// <param name="byteCount">The byte count a file was added under, from its record.</param>
        public ContentIndex(Func<int, long> byteCount)
        {
            _byteCount = byteCount;
        }

        public bool TryGet(long byteCount, ReadOnlySpan<byte> digest, out int file)
        {
            ulong hash = Fingerprint(digest);
            int mask = _files.Length - 1;
            for (int slot = Slot(byteCount, hash, mask); _files[slot] != 0; slot = (slot + 1) & mask)
            {
                if (_hashes[slot] == hash && _byteCount(_files[slot] - 1) == byteCount)
                {
                    file = _files[slot] - 1;
                    return true;
                }
            }

            file = -1;
            return false;
        }

        /// <summary>Adds a file not in the index yet (<see cref="TryGet"/> said so).</summary>
        public void Add(long byteCount, ReadOnlySpan<byte> digest, int file)
        {
            if ((_count + 1) * 4L > _files.Length * 3L)
            {
                Grow();
            }

            Insert(Slot(byteCount, Fingerprint(digest), _files.Length - 1), Fingerprint(digest), file + 1);
            _count++;
        }

        private static ulong Fingerprint(ReadOnlySpan<byte> digest) => System.Buffers.Binary.BinaryPrimitives.ReadUInt64LittleEndian(digest);

        private static int Slot(long byteCount, ulong hash, int mask)
        {
            unchecked
            {
                ulong mixed = (hash ^ (ulong)byteCount) * 0x9E3779B97F4A7C15UL;
                return (int)(mixed >> 32) & mask;
            }
        }

        private void Insert(int slot, ulong hash, int entry)
        {
            int mask = _files.Length - 1;
            while (_files[slot] != 0)
            {
                slot = (slot + 1) & mask;
            }

            _hashes[slot] = hash;
            _files[slot] = entry;
        }

        private void Grow()
        {
            ulong[] hashes = _hashes;
            int[] files = _files;
            _hashes = new ulong[hashes.Length * 2];
            _files = new int[files.Length * 2];
            int mask = _files.Length - 1;
            for (int i = 0; i < files.Length; i++)
            {
                if (files[i] != 0)
                {
                    Insert(Slot(_byteCount(files[i] - 1), hashes[i], mask), hashes[i], files[i]);
                }
            }
        }
    }
}
