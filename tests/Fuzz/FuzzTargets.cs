using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Net;
using System.Net.Http;
using System.Security.Cryptography;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using GolemImage.Compression;
using GolemImage.Gvmi;
using GolemImage.Manifest;
using GolemImage.Registry;
using GolemImage.Reporting;
using GolemImage.Sources;
using GolemImage.Squashfs;
using GolemImage.Squashfs.Reading;
using GolemImage.Tar;
using GolemImage.Tests.Sources;
using GolemImage.Tests.Tar;

namespace GolemImage.Fuzz
{
    /// <summary>Every parser of untrusted bytes, each with seeds made by the test builders.</summary>
    internal static class FuzzTargets
    {
        private const int BlockSize = 128 * 1024;

        private static readonly string Scratch = Path.Combine(
            Directory.Exists("/dev/shm") ? "/dev/shm" : Path.GetTempPath(), "golemimage-fuzz-" + Environment.ProcessId);

        public static IReadOnlyList<FuzzTarget> All { get; } = new[]
        {
            new FuzzTarget("LayerTar", "layer tar reader (ustar/GNU/PAX, GNU sparse maps, gzip/zstd framing) into the squashfs writer", LayerTar, LayerTarSeeds),
            new FuzzTarget("Archive", "image archive indexer (outer tar, manifest.json, index.json, nested indexes, OCI descriptors, configs) and its layers", Archive, ArchiveSeeds),
            new FuzzTarget("OciManifest", "OCI/Docker registry manifest and index parser, image config parser", OciManifest, OciManifestSeeds),
            new FuzzTarget("WwwAuthenticate", "the WWW-Authenticate challenge parameter parser", WwwAuthenticate, WwwAuthenticateSeeds),
            new FuzzTarget("GolemRegistry", "Golem registry answers (descriptor status, image info) and the .descr file", GolemRegistry, GolemRegistrySeeds),
            new FuzzTarget("Credentials", "credential helper answers and Docker config.json", Credentials, CredentialSeeds),
            new FuzzTarget("Gvmi", ".gvmi trailer reader and ContainerConfig JSON", Gvmi, GvmiSeeds),
            new FuzzTarget("Squashfs", "squashfs superblock, table and directory readers behind Test-GolemImage", Squashfs, SquashfsSeeds),
            new FuzzTarget("PrivateKey", "RSA private key PEM reader (PKCS#1 and PKCS#8 DER) behind New-GolemManifest -PrivateKey", PrivateKey, PrivateKeySeeds),
            new FuzzTarget("ImageLookup", "Find-GolemImage's checks of a registry's image info answer (hash, links, size) by tag and by hash", ImageLookup, ImageLookupSeeds),
            new FuzzTarget("ArchivePlatforms", "the -Platform completer's archive reader (index.json, nested index, docker save configs)", ArchivePlatforms, ArchivePlatformSeeds),
            Decoder("Lzo", CompressionAlgorithm.Lzo),
            Decoder("Zlib", CompressionAlgorithm.Gzip),
            Decoder("Lz4", CompressionAlgorithm.Lz4),
            Decoder("Zstd", CompressionAlgorithm.Zstd),
        };

        public static FuzzTarget? Find(string name) => All.FirstOrDefault(t => string.Equals(t.Name, name, StringComparison.OrdinalIgnoreCase));

        /// <summary>Process-wide setup: no credential helper on PATH, a scratch folder for file-based parsers.</summary>
        public static void PrepareProcess()
        {
            Environment.SetEnvironmentVariable("PATH", string.Empty);
            Directory.CreateDirectory(Scratch);
        }

        /// <summary>As <see cref="PrepareProcess"/>, without clearing PATH (the test process needs it).</summary>
        public static void PrepareProcessForTests() => Directory.CreateDirectory(Scratch);

        /// <summary>Seeds meant to be refused (a schema-1 manifest, a lookup answer with a relative download link).</summary>
        public static bool IsRefusalSeed(string target, byte[] seed) =>
            (target == "OciManifest" && Encoding.UTF8.GetString(seed).Contains("\"schemaVersion\":1", StringComparison.Ordinal))
            || (target == "ImageLookup" && Encoding.UTF8.GetString(seed).Contains("/relative/", StringComparison.Ordinal));

        private static T Wait<T>(Task<T> task) => task.GetAwaiter().GetResult();

        private static void Wait(Task task) => task.GetAwaiter().GetResult();

        private static SquashfsWriterOptions WriterOptions() => new SquashfsWriterOptions { WorkerCount = 1, BlocksInFlightPerWorker = 2 };

        // ---- Layer tars -------------------------------------------------------------------------------------------

        private static void LayerTar(byte[] input)
        {
            Stream stream = new MemoryStream(input, writable: false);
            string? format = DecompressingStream.Detect(input, input.Length);
            if (format != null)
            {
                stream = new DecompressingStream(stream, format, (problem, inner) => new GolemImageException(ErrorIds.InvalidArchive, GolemErrorCategory.InvalidData, "fuzz.tar: " + problem, "fuzz.tar", inner));
            }

            using var output = new MemoryStream();
            using var writer = new SquashfsWriter(output, WriterOptions());
            Wait(GvmiImageWriter.AddTarAsync(writer, new TarReader(stream, "fuzz.tar"), CancellationToken.None));
            Wait(writer.FinishAsync(CancellationToken.None));
        }

        private static IEnumerable<byte[]> LayerTarSeeds()
        {
            byte[] plain = new LayerBuilder().Dir("etc").File("etc/hostname", "fuzz\n").Symlink("bin", "usr/bin").HardLink("etc/copy", "etc/hostname").Whiteout("old").ToArray();
            yield return plain;
            yield return LayerBuilder.Gzip(plain);
            yield return LayerBuilder.Zstd(plain);
            yield return new TarBuilder()
                .Pax('x', TarBuilder.PaxRecord("path", "long/" + new string('n', 150)), TarBuilder.PaxRecord("mtime", "1.5"), TarBuilder.PaxRecord("SCHILY.xattr.user.a", "b"))
                .Entry("short", data: Encoding.ASCII.GetBytes("pax data"))
                .Entry("gnu-file", magic: "gnu", data: new byte[600])
                .Entry("dev", type: '3', data: null)
                .End()
                .ToArray();

            // GNU sparse: old 'S' form, PAX 0.1 and PAX 1.0, each a small map.
            yield return new TarBuilder()
                .Raw(TarBuilder.Header("sparse-old", 'S', 10, magic: "gnu", edit: h =>
                {
                    TarBuilder.Octal(4096, 12).CopyTo(h, 386);
                    TarBuilder.Octal(10, 12).CopyTo(h, 398);
                    TarBuilder.Octal(300000, 12).CopyTo(h, 483);
                }))
                .Data(Encoding.ASCII.GetBytes("0123456789"))
                .End()
                .ToArray();
            yield return new TarBuilder()
                .Pax('x', TarBuilder.PaxRecord("GNU.sparse.name", "sparse01"), TarBuilder.PaxRecord("GNU.sparse.size", "300000"), TarBuilder.PaxRecord("GNU.sparse.map", "4096,10,200000,5"))
                .Entry("GNUSparseFile.0/sparse01", data: Encoding.ASCII.GetBytes("0123456789abcde"))
                .End()
                .ToArray();
            var map = new byte[512];
            Encoding.ASCII.GetBytes("2\n4096\n10\n200000\n5\n").CopyTo(map, 0);
            yield return new TarBuilder()
                .Pax('x', TarBuilder.PaxRecord("GNU.sparse.major", "1"), TarBuilder.PaxRecord("GNU.sparse.minor", "0"), TarBuilder.PaxRecord("GNU.sparse.name", "sparse10"), TarBuilder.PaxRecord("GNU.sparse.realsize", "300000"))
                .Entry("GNUSparseFile.0/sparse10", data: TarBuilder.Concat(map, Encoding.ASCII.GetBytes("0123456789abcde")))
                .End()
                .ToArray();
        }

        // ---- Image archives ---------------------------------------------------------------------------------------

        private static void Archive(byte[] input)
        {
            string path = Path.Combine(Scratch, "archive.tar");
            File.WriteAllBytes(path, input);
            using ResolvedImage image = Wait(ImageArchiveSource.OpenAsync(path, null, ImagePlatform.LinuxAmd64, true, null, NullReporter.Instance, CancellationToken.None));
            using var output = new MemoryStream();
            using var writer = new SquashfsWriter(output, WriterOptions());
            Wait(new LayerFlattener(NullReporter.Instance).FlattenAsync(image.Layers, (entry, ct) => writer.AddAsync(entry, ct), CancellationToken.None));
        }

        internal static byte[] ConfigFor(byte[] layer) => Encoding.UTF8.GetBytes(
            "{\"architecture\":\"amd64\",\"os\":\"linux\",\"config\":{\"Env\":[\"A=1\"],\"Cmd\":[\"/bin/sh\"]},\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[\"" + LayerBuilder.Sha256(layer) + "\"]}}");

        private static string Hex(string digest) => digest.Substring(7);

        private static IEnumerable<byte[]> ArchiveSeeds()
        {
            byte[] layer = new LayerBuilder().File("hello", "world").ToArray();
            byte[] config = ConfigFor(layer);
            string configName = Hex(LayerBuilder.Sha256(config)) + ".json";
            byte[] dockerSave = new TarBuilder()
                .Entry(configName, data: config)
                .Entry("abc/layer.tar", data: layer)
                .Entry("manifest.json", data: Encoding.UTF8.GetBytes("[{\"Config\":\"" + configName + "\",\"RepoTags\":[\"fuzz:1\"],\"Layers\":[\"abc/layer.tar\"]}]"))
                .End()
                .ToArray();
            yield return dockerSave;
            yield return LayerBuilder.Gzip(dockerSave);

            // OCI layout: index.json -> nested index -> manifest -> config and a gzip layer.
            byte[] blob = LayerBuilder.Gzip(layer);
            string manifest = "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"config\":{\"mediaType\":\"application/vnd.oci.image.config.v1+json\",\"digest\":\"" + LayerBuilder.Sha256(config) + "\",\"size\":" + config.Length + "},\"layers\":[{\"mediaType\":\"application/vnd.oci.image.layer.v1.tar+gzip\",\"digest\":\"" + LayerBuilder.Sha256(blob) + "\",\"size\":" + blob.Length + "}]}";
            byte[] manifestBytes = Encoding.UTF8.GetBytes(manifest);
            string nested = "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.index.v1+json\",\"manifests\":[{\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"digest\":\"" + LayerBuilder.Sha256(manifestBytes) + "\",\"size\":" + manifestBytes.Length + ",\"platform\":{\"architecture\":\"amd64\",\"os\":\"linux\"}}]}";
            byte[] nestedBytes = Encoding.UTF8.GetBytes(nested);
            string index = "{\"schemaVersion\":2,\"manifests\":[{\"mediaType\":\"application/vnd.oci.image.index.v1+json\",\"digest\":\"" + LayerBuilder.Sha256(nestedBytes) + "\",\"size\":" + nestedBytes.Length + ",\"annotations\":{\"org.opencontainers.image.ref.name\":\"fuzz:1\"}}]}";
            yield return new TarBuilder()
                .Entry("oci-layout", data: Encoding.UTF8.GetBytes("{\"imageLayoutVersion\":\"1.0.0\"}"))
                .Entry("index.json", data: Encoding.UTF8.GetBytes(index))
                .Entry("blobs/sha256/" + Hex(LayerBuilder.Sha256(nestedBytes)), data: nestedBytes)
                .Entry("blobs/sha256/" + Hex(LayerBuilder.Sha256(manifestBytes)), data: manifestBytes)
                .Entry("blobs/sha256/" + Hex(LayerBuilder.Sha256(config)), data: config)
                .Entry("blobs/sha256/" + Hex(LayerBuilder.Sha256(blob)), data: blob)
                .End()
                .ToArray();
        }

        // ---- Registry documents -----------------------------------------------------------------------------------

        private static readonly string?[] DeclaredMediaTypes = { null, OciMediaTypes.OciIndex, OciMediaTypes.OciManifest, OciMediaTypes.DockerManifestList, OciMediaTypes.DockerManifest, "application/vnd.oci.image.config.v1+json" };

        private static void OciManifest(byte[] input)
        {
            if (input.Length == 0)
            {
                return;
            }

            // The first byte picks what the Content-Type header claimed (the last choice: an image config).
            int choice = input[0] % DeclaredMediaTypes.Length;
            byte[] json = input.AsSpan(1).ToArray();
            if (choice == DeclaredMediaTypes.Length - 1)
            {
                ImageConfig.Parse(json, "fuzz config");
                return;
            }

            OciManifestDocument.Parse(json, DeclaredMediaTypes[choice], "fuzz manifest", ErrorIds.RegistryError);
        }

        private static IEnumerable<byte[]> OciManifestSeeds()
        {
            byte[] layer = new LayerBuilder().File("hello", "world").ToArray();
            yield return Prefixed(0, "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"config\":{\"mediaType\":\"application/vnd.oci.image.config.v1+json\",\"digest\":\"sha256:" + new string('a', 64) + "\",\"size\":10},\"layers\":[{\"mediaType\":\"application/vnd.oci.image.layer.v1.tar+gzip\",\"digest\":\"sha256:" + new string('b', 64) + "\",\"size\":20,\"urls\":[\"http://x\"]}]}");
            yield return Prefixed(1, "{\"schemaVersion\":2,\"manifests\":[{\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"digest\":\"sha256:" + new string('c', 64) + "\",\"size\":7,\"platform\":{\"architecture\":\"arm64\",\"os\":\"linux\",\"variant\":\"v8\"}}]}");
            yield return Prefixed(3, "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.docker.distribution.manifest.list.v2+json\",\"manifests\":[]}");
            yield return Prefixed(0, "{\"schemaVersion\":1,\"name\":\"x\"}");
            yield return Prefixed(5, Encoding.UTF8.GetString(ConfigFor(layer)));
        }

        private static byte[] Prefixed(byte choice, string json) => new[] { choice }.Concat(Encoding.UTF8.GetBytes(json)).ToArray();

        private static void WwwAuthenticate(byte[] input) => OciRegistrySource.ParseChallenge(Encoding.UTF8.GetString(input));

        private static IEnumerable<byte[]> WwwAuthenticateSeeds()
        {
            yield return Encoding.UTF8.GetBytes("realm=\"https://auth.docker.io/token\",service=\"registry.docker.io\",scope=\"repository:library/alpine:pull\"");
            yield return Encoding.UTF8.GetBytes("realm=\"https://ghcr.io/token\", service=ghcr.io, error=\"insufficient_scope\\\"x\"");
            yield return Encoding.UTF8.GetBytes("realm=\"unterminated");
        }

        private static void GolemRegistry(byte[] input)
        {
            if (input.Length == 0)
            {
                return;
            }

            // The first byte picks the answer being parsed; the rest is the body.
            byte[] body = input.AsSpan(1).ToArray();
            switch (input[0] % 3)
            {
                case 0:
                    ImageDescriptor.Parse(body, "fuzz.gvmi.descr");
                    return;
                case 1:
                {
                    using var client = new GolemRegistryClient(new Uri("http://registry.fuzz/"), new RetrySettings { MaximumRetryCount = 0 }, NullReporter.Instance, null, new FixedAnswer(body));
                    Wait(client.GetDescriptorStatusAsync(new string('a', 64), CancellationToken.None));
                    return;
                }

                default:
                {
                    using var client = new GolemRegistryClient(new Uri("http://registry.fuzz/"), new RetrySettings { MaximumRetryCount = 0 }, NullReporter.Instance, null, new FixedAnswer(body));
                    Wait(client.GetImageInfoAsync(new string('a', 56), CancellationToken.None));
                    return;
                }
            }
        }

        private static IEnumerable<byte[]> GolemRegistrySeeds()
        {
            byte[] content = new byte[3 * 1024];
            new Random(3).NextBytes(content);
            ImageDescriptor descriptor = Wait(ImageDescriptor.ComputeAsync(new MemoryStream(content), content.Length, 1024, null, CancellationToken.None));
            yield return new byte[] { 0 }.Concat(descriptor.Bytes).ToArray();
            yield return Prefixed(1, "{\"descriptor\":\"ok\",\"status\":\"partial\",\"chunks\":[1,0,1]}");
            yield return Prefixed(2, "{\"http\":\"http://x/a.gvmi\",\"https\":\"https://x/a.gvmi\",\"sha3\":\"" + new string('d', 56) + "\",\"size\":123}");
        }

        private static void Credentials(byte[] input)
        {
            if (input.Length == 0)
            {
                return;
            }

            byte[] body = input.AsSpan(1).ToArray();
            if (input[0] % 2 == 0)
            {
                new DockerCredentialHelper("fuzz").Parse(Encoding.UTF8.GetString(body));
                return;
            }

            string path = Path.Combine(Scratch, "config.json");
            File.WriteAllBytes(path, body);
            DockerConfigCredentials.Find("registry.fuzz", path, NullReporter.Instance);
            DockerConfigCredentials.Find("docker.io", path, NullReporter.Instance);
        }

        private static IEnumerable<byte[]> CredentialSeeds()
        {
            yield return Prefixed(0, "{\"ServerURL\":\"registry.fuzz\",\"Username\":\"u\",\"Secret\":\"s\"}");
            yield return Prefixed(1, "{\"auths\":{\"registry.fuzz\":{\"auth\":\"" + Convert.ToBase64String(Encoding.UTF8.GetBytes("user:pass")) + "\"},\"https://index.docker.io/v1/\":{\"username\":\"a\",\"password\":\"b\"}},\"credHelpers\":{\"other\":\"x\"}}");
        }

        private static void ImageLookup(byte[] input)
        {
            if (input.Length == 0)
            {
                return;
            }

            // The first byte picks a lookup by tag or by hash; the rest is the registry's answer.
            ImageQuery query = input[0] % 2 == 0 ? ImageQuery.ForTag("golem/fuzz:1") : ImageQuery.ForHash(LookupHash);
            using var client = new GolemRegistryClient(new Uri("http://registry.fuzz/"), new RetrySettings { MaximumRetryCount = 0 }, NullReporter.Instance, null, new FixedAnswer(input.AsSpan(1).ToArray()));
            Wait(RegistryImageFinder.FindAsync(client, query, CancellationToken.None));
        }

        private static readonly string LookupHash = new string('d', 56);

        private static IEnumerable<byte[]> ImageLookupSeeds()
        {
            string answer = "{\"http\":\"http://registry.fuzz/download/a.gvmi\",\"https\":\"https://registry.fuzz/download/a.gvmi\",\"sha3\":\"" + LookupHash + "\",\"size\":123}";
            yield return Prefixed(0, answer);
            yield return Prefixed(1, answer);
            yield return Prefixed(1, "{\"http\":\"http://registry.fuzz/a.gvmi\",\"https\":null,\"sha3\":\"" + LookupHash.ToUpperInvariant() + "\"}");
            yield return Prefixed(0, "{\"http\":\"/relative/a.gvmi\",\"https\":\"\",\"sha3\":\"" + new string('e', 56) + "\",\"size\":-1}");
        }

        // ---- Private keys -----------------------------------------------------------------------------------------

        private static void PrivateKey(byte[] input)
        {
            // Text for the PEM layer; the first byte 0/1 instead wraps the rest, as DER, in a PKCS#1 or PKCS#8 block,
            // so that mutations reach the DER reader without breaking base64 first.
            RSA key;
            if (input.Length > 0 && input[0] < 2)
            {
                key = RsaPrivateKeyPem.Parse(Pem(input[0] == 0 ? "RSA PRIVATE KEY" : "PRIVATE KEY", input.AsSpan(1).ToArray()), "fuzz.pem");
            }
            else
            {
                key = RsaPrivateKeyPem.Parse(Encoding.UTF8.GetString(input), "fuzz.pem");
            }

            key.Dispose();
        }

        private static string Pem(string label, byte[] der) =>
            "-----BEGIN " + label + "-----\n" + Convert.ToBase64String(der, Base64FormattingOptions.InsertLineBreaks) + "\n-----END " + label + "-----\n";

        /// <summary>One key per process (RSA keys cannot be generated from a seed), so a run's seeds agree with each other.</summary>
        private static readonly Lazy<RSA> SeedKey = new Lazy<RSA>(() => RSA.Create(1024));

        private static IEnumerable<byte[]> PrivateKeySeeds()
        {
            RSA rsa = SeedKey.Value;
            yield return new byte[] { 0 }.Concat(rsa.ExportRSAPrivateKey()).ToArray();
            yield return new byte[] { 1 }.Concat(rsa.ExportPkcs8PrivateKey()).ToArray();
            yield return Encoding.UTF8.GetBytes(Pem("RSA PRIVATE KEY", rsa.ExportRSAPrivateKey()));
            yield return Encoding.UTF8.GetBytes("comment\n" + Pem("PRIVATE KEY", rsa.ExportPkcs8PrivateKey()));
        }

        // ---- Tab completion ---------------------------------------------------------------------------------------

        private static void ArchivePlatforms(byte[] input)
        {
            // A completer answers, however broken the archive: an exception or a hang here is a finding.
            string path = Path.Combine(Scratch, "platforms.tar");
            File.WriteAllBytes(path, input);
            CompletionSources.ArchivePlatforms(path);
        }

        private static IEnumerable<byte[]> ArchivePlatformSeeds()
        {
            // The archive seeds (docker save with its config, OCI layout with a nested index), uncompressed: the
            // completer does not decompress.
            foreach (byte[] archive in ArchiveSeeds().Where(a => a.Length > 2 && !(a[0] == 0x1F && a[1] == 0x8B)))
            {
                yield return archive;
            }

            string index = "{\"schemaVersion\":2,\"manifests\":[{\"digest\":\"sha256:" + new string('a', 64) + "\",\"platform\":{\"os\":\"linux\",\"architecture\":\"arm\",\"variant\":\"v7\"}},{\"digest\":\"sha256:" + new string('b', 64) + "\",\"platform\":{\"os\":\"unknown\",\"architecture\":\"unknown\"}}]}";
            yield return new TarBuilder().Entry("index.json", data: Encoding.UTF8.GetBytes(index)).End().ToArray();
        }

        // ---- .gvmi and squashfs -----------------------------------------------------------------------------------

        private static void Gvmi(byte[] input)
        {
            // JSON alone exercises the ContainerConfig reader directly; anything else is read as a whole .gvmi file.
            if (input.Length > 0 && input[0] == (byte)'{')
            {
                ContainerConfig.FromJson(Encoding.UTF8.GetString(input));
                return;
            }

            GvmiTrailerInfo trailer = GvmiTrailer.Read(new MemoryStream(input, writable: false), "fuzz.gvmi");
            ContainerConfig.FromJson(trailer.Config.ToJson());
        }

        private static IEnumerable<byte[]> GvmiSeeds()
        {
            var config = new ContainerConfig { Env = new[] { "PATH=/bin" }, Cmd = new[] { "/bin/sh", "-c", "echo" }, WorkingDir = "/", Volumes = new[] { "/data" }, User = "1000:1000" };
            using var output = new MemoryStream();
            output.Write(new byte[64]);
            GvmiTrailer.Write(output, config);
            yield return output.ToArray();
            yield return Encoding.UTF8.GetBytes(config.ToJson());
        }

        private static void Squashfs(byte[] input)
        {
            ImageValidator.Validate(new MemoryStream(input, writable: false), "fuzz.gvmi");
        }

        private static IEnumerable<byte[]> SquashfsSeeds()
        {
            byte[] tar = new LayerBuilder().Dir("etc").File("etc/hostname", "fuzz\n").File("big", new byte[200_000]).Symlink("link", "etc").HardLink("etc/h2", "etc/hostname").ToArray();
            foreach (CompressionAlgorithm algorithm in new[] { CompressionAlgorithm.Gzip, CompressionAlgorithm.Lzo, CompressionAlgorithm.Lz4 })
            {
                string path = Path.Combine(Path.GetTempPath(), "golemimage-fuzz-seed-" + Guid.NewGuid().ToString("N") + ".gvmi");
                try
                {
                    var options = new SquashfsWriterOptions { WorkerCount = 1, Compression = new CompressionSettings(algorithm) };
                    Wait(GvmiImageWriter.WriteFromTarAsync(path, new ContainerConfig { Cmd = new[] { "/bin/sh" } }, new MemoryStream(tar), "seed.tar", options, null, CancellationToken.None));
                    yield return File.ReadAllBytes(path);
                }
                finally
                {
                    File.Delete(path);
                }
            }
        }

        // ---- Squashfs block decoders ------------------------------------------------------------------------------

        private static FuzzTarget Decoder(string name, CompressionAlgorithm algorithm)
        {
            // Engine code must not run before SharpFuzz's fork server has mapped the coverage bitmap: nothing here
            // touches it until the first input.
            var destination = new byte[BlockSize];
            return new FuzzTarget(
                name,
                $"the {name} squashfs block decoder",
                input =>
                {
                    IBlockDecompressor decoder = new CompressionSettings(algorithm).CreateDecompressor();
                    try
                    {
                        decoder.Decompress(input, destination);
                    }
                    finally
                    {
                        (decoder as IDisposable)?.Dispose();
                    }
                },
                () => DecoderSeeds(new CompressionSettings(algorithm)),
                ex => ex is InvalidDataException);
        }

        private static IEnumerable<byte[]> DecoderSeeds(CompressionSettings settings)
        {
            IBlockCompressor compressor = settings.CreateCompressor();
            var random = new Random(11);
            var text = Encoding.ASCII.GetBytes(string.Concat(Enumerable.Repeat("squashfs block of some text, ", 400)));
            var noise = new byte[3000];
            random.NextBytes(noise);
            foreach (byte[] block in new[] { text, noise.Concat(text).ToArray(), new byte[BlockSize] })
            {
                var output = new byte[block.Length + 1024];
                int length = compressor.Compress(block, output);
                if (length > 0)
                {
                    yield return output.AsSpan(0, length).ToArray();
                }
            }

            (compressor as IDisposable)?.Dispose();
        }

        /// <summary>Answers every request with 200 and the fuzzed body.</summary>
        private sealed class FixedAnswer : HttpMessageHandler
        {
            private readonly byte[] body;

            public FixedAnswer(byte[] body)
            {
                this.body = body;
            }

            protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken) =>
                Task.FromResult(new HttpResponseMessage(HttpStatusCode.OK) { Content = new ByteArrayContent(body), RequestMessage = request });
        }
    }
}
