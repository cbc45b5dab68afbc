using System;
using System.Collections.Generic;
using System.Formats.Tar;
using System.IO;
using System.IO.Compression;
using System.Security.Cryptography;
using System.Text;
using System.Threading.Tasks;
using GolemImage.Sources;

namespace GolemImage.Tests.Sources
{
    /// <summary>Builds layer tars (with System.Formats.Tar, an independent writer) and ImageLayers over them.</summary>
    internal sealed class LayerBuilder
    {
        private readonly MemoryStream stream = new MemoryStream();
        private readonly TarWriter writer;

        public LayerBuilder()
        {
            writer = new TarWriter(stream, TarEntryFormat.Pax, leaveOpen: true);
        }

        public static DateTimeOffset Time { get; } = new DateTimeOffset(2024, 1, 2, 3, 4, 5, TimeSpan.Zero);

        public LayerBuilder Dir(string path, UnixFileMode mode = (UnixFileMode)0x1ED, DateTimeOffset? time = null) =>
            Add(new PaxTarEntry(TarEntryType.Directory, path + "/") { Mode = mode, ModificationTime = time ?? Time });

        public LayerBuilder File(string path, string content, UnixFileMode mode = (UnixFileMode)0x1A4, DateTimeOffset? time = null) =>
            File(path, Encoding.UTF8.GetBytes(content), mode, time);

        public LayerBuilder File(string path, byte[] content, UnixFileMode mode = (UnixFileMode)0x1A4, DateTimeOffset? time = null) =>
            Add(new PaxTarEntry(TarEntryType.RegularFile, path) { Mode = mode, ModificationTime = time ?? Time, DataStream = new MemoryStream(content) });

        public LayerBuilder Symlink(string path, string target) =>
            Add(new PaxTarEntry(TarEntryType.SymbolicLink, path) { LinkName = target, Mode = (UnixFileMode)0x1FF, ModificationTime = Time });

        public LayerBuilder HardLink(string path, string target) =>
            Add(new PaxTarEntry(TarEntryType.HardLink, path) { LinkName = target, Mode = (UnixFileMode)0x1A4, ModificationTime = Time });

        public LayerBuilder Whiteout(string path)
        {
            int slash = path.LastIndexOf('/');
            string whiteout = slash < 0 ? ".wh." + path : path.Substring(0, slash + 1) + ".wh." + path.Substring(slash + 1);
            return File(whiteout, string.Empty);
        }

        public LayerBuilder Opaque(string directory) => File(directory + "/.wh..wh..opq", string.Empty);

        public byte[] ToArray()
        {
            writer.Dispose();
            return stream.ToArray();
        }

        private LayerBuilder Add(PaxTarEntry entry)
        {
            writer.WriteEntry(entry);
            return this;
        }

        public static string Sha256(byte[] bytes) => "sha256:" + Convert.ToHexString(SHA256.HashData(bytes)).ToLowerInvariant();

        public static byte[] Gzip(byte[] bytes)
        {
            var output = new MemoryStream();
            using (var gzip = new GZipStream(output, CompressionLevel.Fastest, leaveOpen: true))
            {
                gzip.Write(bytes);
            }

            return output.ToArray();
        }

        public static byte[] Zstd(byte[] bytes)
        {
            using var compressor = new ZstdSharp.Compressor(3);
            return compressor.Wrap(bytes).ToArray();
        }

        /// <summary>ImageLayers over in-memory blobs; the diff id is the sha256 of the uncompressed tar.</summary>
        public static List<ImageLayer> Layers(params (byte[] Tar, Func<byte[], byte[]>? Compress)[] layers)
        {
            var list = new List<ImageLayer>();
            for (int i = 0; i < layers.Length; i++)
            {
                byte[] tar = layers[i].Tar;
                byte[] blob = layers[i].Compress == null ? tar : layers[i].Compress!(tar);
                list.Add(new ImageLayer(i, $"test layer {i + 1}", Sha256(blob), Sha256(tar), blob.Length, (_, _) => Task.FromResult<Stream>(new MemoryStream(blob)), "InvalidArchive"));
            }

            return list;
        }
    }
}
