using System;
using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Security.Cryptography;
using System.Threading.Tasks;

namespace GolemImage.RegistryServer
{
    /// <summary>
    /// Uploads on disk under the storage directory: descr/ID.bin, chunks/ID/N.bin, images/SHA3.gvmi once every
    /// chunk is there and the whole file's SHA3-224 (computed by openssl, independently of the client) matches
    /// the descriptor, full/ID (the SHA3), corrupt/ID (why not), tags/USER/REPOSITORY/TAG (the ID).
    /// State lives only in files, so a restarted server knows what it stored.
    /// </summary>
    internal sealed class RegistryStore
    {
        public const ulong DescriptorVersion = 0x333333334UL;
        public const int MaximumChunks = 1000;

        private readonly string root;
        private readonly ConcurrentDictionary<string, Task> assemblies = new ConcurrentDictionary<string, Task>();

        public RegistryStore(string root)
        {
            this.root = root;
            foreach (string folder in new[] { "descr", "chunks", "images", "full", "corrupt", "tags" })
            {
                Directory.CreateDirectory(Path.Combine(root, folder));
            }
        }

        public static string Hex(byte[] bytes) => Convert.ToHexStringLower(bytes);

        /// <summary>Checks the descriptor as a registry must; null when valid, else the reason.</summary>
        public static string? Validate(byte[] bytes, out Descriptor? descriptor)
        {
            descriptor = null;
            if (bytes.Length < 52)
            {
                return $"descriptor of {bytes.Length} bytes is shorter than its 52-byte header";
            }

            ulong version = BinaryPrimitives.ReadUInt64BigEndian(bytes);
            ulong size = BinaryPrimitives.ReadUInt64BigEndian(bytes.AsSpan(8));
            ulong chunkSize = BinaryPrimitives.ReadUInt64BigEndian(bytes.AsSpan(16));
            if (version != DescriptorVersion)
            {
                return $"descriptor version 0x{version:x} is not 0x{DescriptorVersion:x}";
            }

            if (chunkSize == 0 || chunkSize > int.MaxValue || size > (1UL << 50))
            {
                return $"chunk size {chunkSize} or file size {size} out of range";
            }

            ulong count = (size + chunkSize - 1) / chunkSize;
            if (count > MaximumChunks)
            {
                return $"{count} chunks exceed the limit of {MaximumChunks}";
            }

            if ((ulong)bytes.Length != 52 + (count * 32))
            {
                return $"descriptor is {bytes.Length} bytes, {count} chunks need {52 + (count * 32)}";
            }

            var chunks = new byte[count][];
            for (int i = 0; i < (int)count; i++)
            {
                chunks[i] = bytes.AsSpan(52 + (i * 32), 32).ToArray();
            }

            descriptor = new Descriptor((long)size, (long)chunkSize, bytes.AsSpan(24, 28).ToArray(), chunks);
            return null;
        }

        public Descriptor? Load(string id)
        {
            string path = DescriptorPath(id);
            if (!IsHex(id, 64) || !File.Exists(path))
            {
                return null;
            }

            Validate(File.ReadAllBytes(path), out Descriptor? descriptor);
            return descriptor;
        }

        public string Store(byte[] bytes)
        {
            string id = Hex(SHA256.HashData(bytes));
            WriteAtomically(DescriptorPath(id), bytes);
            return id;
        }

        public bool IsFull(string id) => File.Exists(Path.Combine(root, "full", id));

        public string? CorruptReason(string id)
        {
            string path = Path.Combine(root, "corrupt", id);
            return File.Exists(path) ? File.ReadAllText(path) : null;
        }

        public bool[] ChunkFlags(string id, Descriptor descriptor)
        {
            if (IsFull(id))
            {
                return Enumerable.Repeat(true, descriptor.Chunks.Length).ToArray();
            }

            return Enumerable.Range(0, descriptor.Chunks.Length).Select(n => File.Exists(ChunkPath(id, n))).ToArray();
        }

        public void StoreChunk(string id, int number, byte[] data) => WriteAtomically(ChunkPath(id, number), data);

        /// <summary>Once every chunk is stored, joins and verifies them in the background (clients poll for "full").</summary>
        public void AssembleWhenComplete(string id, Descriptor descriptor)
        {
            if (IsFull(id) || !ChunkFlags(id, descriptor).All(f => f))
            {
                return;
            }

            assemblies.GetOrAdd(id, _ => Task.Run(() =>
            {
                try
                {
                    Assemble(id, descriptor);
                }
                finally
                {
                    assemblies.TryRemove(id, out Task? _);
                }
            }));
        }

        public string? ImagePathBySha3(string sha3) => IsHex(sha3, 56) && File.Exists(ImagePath(sha3)) ? ImagePath(sha3) : null;

        public string? Sha3OfFull(string id) => IsHex(id, 64) && IsFull(id) ? File.ReadAllText(Path.Combine(root, "full", id)).Trim() : null;

        public void SetTag(string user, string repository, string tag, string id)
        {
            string path = Path.Combine(root, "tags", user, repository, tag);
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            WriteAtomically(path, System.Text.Encoding.ASCII.GetBytes(id));
        }

        public string? GetTag(string user, string repository, string tag)
        {
            string path = Path.Combine(root, "tags", user, repository, tag);
            return File.Exists(path) ? File.ReadAllText(path).Trim() : null;
        }

        public static bool IsHex(string text, int length) => text.Length == length && text.All(c => (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'));

        private static void WriteAtomically(string path, byte[] data)
        {
            string temporary = path + "." + Guid.NewGuid().ToString("N") + ".tmp";
            File.WriteAllBytes(temporary, data);
            File.Move(temporary, path, true);
        }

        private static string Sha3ByOpenSsl(string path)
        {
            var start = new ProcessStartInfo("openssl") { RedirectStandardOutput = true, RedirectStandardError = true };
            foreach (string argument in new[] { "dgst", "-sha3-224", "-r", path })
            {
                start.ArgumentList.Add(argument);
            }

            using Process process = Process.Start(start) ?? throw new InvalidOperationException("openssl did not start");
            string output = process.StandardOutput.ReadToEnd();
            process.WaitForExit();
            if (process.ExitCode != 0)
            {
                throw new InvalidOperationException("openssl failed: " + process.StandardError.ReadToEnd());
            }

            return output.Split(' ')[0].Trim().ToLowerInvariant();
        }

        private void Assemble(string id, Descriptor descriptor)
        {
            string temporary = Path.Combine(root, "images", id + ".assembling");
            using (var output = new FileStream(temporary, FileMode.Create, FileAccess.Write))
            {
                for (int n = 0; n < descriptor.Chunks.Length; n++)
                {
                    using var chunk = new FileStream(ChunkPath(id, n), FileMode.Open, FileAccess.Read);
                    chunk.CopyTo(output);
                }
            }

            string expected = Hex(descriptor.Sha3);
            string actual = Sha3ByOpenSsl(temporary);
            if (actual != expected)
            {
                File.Delete(temporary);
                File.WriteAllText(Path.Combine(root, "corrupt", id), $"the joined chunks have sha3-224 {actual}, the descriptor says {expected}");
                return;
            }

            File.Move(temporary, ImagePath(expected), true);
            File.WriteAllText(Path.Combine(root, "full", id), expected);
            Directory.Delete(Path.Combine(root, "chunks", id), true);
        }

        private string DescriptorPath(string id) => Path.Combine(root, "descr", id + ".bin");

        private string ChunkPath(string id, int number)
        {
            string folder = Path.Combine(root, "chunks", id);
            Directory.CreateDirectory(folder);
            return Path.Combine(folder, number.ToString(System.Globalization.CultureInfo.InvariantCulture) + ".bin");
        }

        private string ImagePath(string sha3) => Path.Combine(root, "images", sha3 + ".gvmi");
    }
}
