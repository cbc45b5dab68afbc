using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Net.Http;
using System.Threading;
using System.Threading.Tasks;
using Docker.DotNet;
using Docker.DotNet.Models;
using GolemImage.Reporting;

namespace GolemImage.Sources
{
    /// <summary>
    /// Images from a Docker engine (DOCKER_HOST: unix, npipe or tcp; else the default socket / named pipe):
    /// inspect, pull with per-layer progress when the image is missing, then <c>docker save</c> streamed to a
    /// temporary file and read with the archive code, so that an image gives the same bytes here as through an
    /// archive or a registry. No container is created. The temporary file is deleted when the image is disposed.
    /// </summary>
    public sealed class DockerEngineSource : IDisposable
    {
        internal const int PullActivityId = 41;
        internal const int SaveActivityId = 42;
        private readonly DockerClient client;
        private readonly IEngineReporter reporter;

        private DockerEngineSource(DockerClient client, DockerEndpoint endpoint, VersionResponse version, IEngineReporter reporter)
        {
            this.client = client;
            Endpoint = endpoint.ToString();
            this.reporter = reporter;
            EngineEndpoint = endpoint;
            EnginePlatform = new ImagePlatform(version.Os ?? string.Empty, version.Arch ?? string.Empty, null);
        }

        public string Endpoint { get; }

        public DockerEndpoint EngineEndpoint { get; }

        /// <summary>What the engine runs: linux/amd64, linux/arm64, or windows/amd64 for an engine in Windows-containers mode.</summary>
        public ImagePlatform EnginePlatform { get; }

        /// <summary>The local engine: the named pipe on Windows, the unix socket elsewhere.</summary>
        public static string DefaultEndpoint =>
            System.Runtime.InteropServices.RuntimeInformation.IsOSPlatform(System.Runtime.InteropServices.OSPlatform.Windows)
                ? "npipe://./pipe/docker_engine"
                : "unix:///var/run/docker.sock";

        /// <summary>Connects to the first engine of this machine's environment that answers and runs Linux images.</summary>
        public static Task<DockerEngineSource> ConnectAsync(IEngineReporter reporter, CancellationToken cancellationToken) =>
            ConnectAsync(DockerEnvironment.Current, ImagePlatform.LinuxAmd64, reporter, cancellationToken);

        /// <summary>
        /// Tries the endpoints <see cref="DockerEndpointDiscovery"/> finds, in order, and connects to the first that
        /// answers and runs images of <paramref name="platform"/>'s os (an engine in Windows-containers mode cannot run
        /// Linux images, so it is passed over). Throws DockerUnavailable naming every endpoint and why it was not used;
        /// a malformed DOCKER_HOST or context throws its own error.
        /// </summary>
        public static async Task<DockerEngineSource> ConnectAsync(DockerEnvironment environment, ImagePlatform platform, IEngineReporter reporter, CancellationToken cancellationToken)
        {
            IReadOnlyList<DockerEndpoint> candidates = DockerEndpointDiscovery.Candidates(environment);
            var reasons = new List<string>();
            bool wrongOs = false;
            foreach (DockerEndpoint candidate in candidates)
            {
                DockerEngineSource engine;
                try
                {
                    engine = await ConnectAsync(candidate, reporter, cancellationToken).ConfigureAwait(false);
                }
                catch (GolemImageException ex) when (ex.ErrorId == "DockerUnavailable")
                {
                    reasons.Add(ex.Message);
                    continue;
                }

                if (engine.EnginePlatform.Os != platform.Os)
                {
                    wrongOs = true;
                    reasons.Add($"the Docker engine at {candidate} ({candidate.Origin}) runs {engine.EnginePlatform.Os} containers, not {platform.Os} ones{(engine.EnginePlatform.Os == "windows" ? " (Docker Desktop: 'Switch to Linux containers')" : string.Empty)}");
                    engine.Dispose();
                    continue;
                }

                return engine;
            }

            string where = candidates.Count == 1 ? candidates[0].ToString() : string.Join(", ", candidates);
            throw new GolemImageException(ErrorIds.DockerUnavailable,
                wrongOs ? GolemErrorCategory.ResourceUnavailable : GolemErrorCategory.ConnectionError,
                (reasons.Count == 1 ? reasons[0] : $"No usable Docker engine at {where}: {string.Join("; ", reasons)}").TrimEnd('.') + "." + Advice,
                where);
        }

        private const string Advice = " Start Docker, set DOCKER_HOST or a Docker context, or use -Source Registry or -ArchivePath.";

        /// <summary>A DockerUnavailable message without the advice on what to do, for a warning that says what is done instead.</summary>
        internal static string WithoutAdvice(string message) => message.EndsWith(Advice, StringComparison.Ordinal) ? message.Substring(0, message.Length - Advice.Length) : message;

        /// <summary>Connects to one engine and checks it answers; throws DockerUnavailable when it does not.</summary>
        public static async Task<DockerEngineSource> ConnectAsync(DockerEndpoint endpoint, IEngineReporter reporter, CancellationToken cancellationToken)
        {
            DockerClient client;
            try
            {
                // No API version is pinned: requests go to the unversioned paths, which every engine serves at its own
                // current version (engines that refuse old versions, like Docker 29, accept these).
                Credentials? credentials = endpoint.Tls == null ? null : new DockerTlsCredentials(endpoint.Tls, endpoint.ToString());
                client = new DockerClientConfiguration(endpoint.Uri, credentials, TimeSpan.FromSeconds(30)).CreateClient();
            }
            catch (Exception ex) when (ex is UriFormatException || ex is ArgumentException || ex is NotSupportedException || ex is InvalidOperationException)
            {
                throw Unavailable(endpoint, ex.Message, ex);
            }

            VersionResponse version;
            try
            {
                using (var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
                {
                    timeout.CancelAfter(TimeSpan.FromSeconds(10));
                    version = await client.System.GetVersionAsync(timeout.Token).ConfigureAwait(false);
                    reporter.Verbose($"Connected to Docker engine {version.Version} (API {version.APIVersion}, {version.Os}/{version.Arch}) at {endpoint} ({endpoint.Origin}).");
                }
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                client.Dispose();
                throw Unavailable(endpoint, "it did not answer within 10 seconds", null);
            }
            catch (Exception ex) when (!(ex is OperationCanceledException))
            {
                client.Dispose();
                throw Unavailable(endpoint, ex.InnerException?.Message ?? ex.Message, ex);
            }

            return new DockerEngineSource(client, endpoint, version, reporter);
        }

        public void Dispose() => client.Dispose();

        /// <summary>Finds (or pulls) <paramref name="image"/> and exports it for flattening.</summary>
        /// <param name="spoolDirectory">Where the docker save is written; null for the temporary directory.</param>
        public async Task<ResolvedImage> OpenAsync(string image, ImagePlatform platform, bool force, RegistryCredential? credential, string? spoolDirectory, CancellationToken cancellationToken)
        {
            ImageInspectResponse? inspect = await TryInspectAsync(image, cancellationToken).ConfigureAwait(false);
            if (inspect == null)
            {
                if (ImageReference.LooksLikeImageId(image) || !ImageReference.TryParse(image, out ImageReference? reference))
                {
                    throw new GolemImageException(ErrorIds.ImageNotFound, GolemErrorCategory.ObjectNotFound, $"The Docker engine at {Endpoint} has no image '{image}'.", image);
                }

                await PullAsync(reference!, platform, credential, cancellationToken).ConfigureAwait(false);
                inspect = await TryInspectAsync(image, cancellationToken).ConfigureAwait(false)
                    ?? throw new GolemImageException(ErrorIds.ImageNotFound, GolemErrorCategory.ObjectNotFound, $"The Docker engine at {Endpoint} pulled '{image}' but cannot find it afterwards.", image);
            }

            reporter.Verbose($"Docker image '{image}' is {inspect.ID} ({inspect.Os}/{inspect.Architecture}).");
            string temporary = SpoolFiles.NewPath(spoolDirectory, reporter);
            try
            {
                bool byName = !ImageReference.LooksLikeImageId(image);
                await SaveAsync(byName ? image : inspect.ID, temporary, cancellationToken).ConfigureAwait(false);
                var files = new RenamedArchiveFiles(TarArchiveFiles.Index(temporary), $"docker save of {image}");
                ResolvedImage saved = ImageArchiveSource.Open(files, inspect.ID, platform, force, "Docker", reporter);
                string? name = byName ? ImageReference.Parse(image).ToString() : inspect.RepoTags?.FirstOrDefault(t => !t.StartsWith("<none>", StringComparison.Ordinal));
                var resolved = new ResolvedImage(saved.Config, saved.Layers, name, "Docker", $"Docker engine at {Endpoint}");
                resolved.OnDispose(saved.Dispose);
                string toDelete = temporary;
                resolved.OnDispose(() => File.Delete(toDelete));
                temporary = string.Empty;
                return resolved;
            }
            finally
            {
                if (temporary.Length > 0)
                {
                    try
                    {
                        File.Delete(temporary);
                    }
                    catch (IOException)
                    {
                    }
                }
            }
        }

        /// <summary>The engine's image <paramref name="image"/> (id and platform), or null when it has none by that name.</summary>
        internal async Task<(string Id, ImagePlatform Platform)?> FindAsync(string image, CancellationToken cancellationToken)
        {
            ImageInspectResponse? inspect = await TryInspectAsync(image, cancellationToken).ConfigureAwait(false);
            return inspect == null ? ((string, ImagePlatform)?)null : (inspect.ID, new ImagePlatform(inspect.Os ?? string.Empty, inspect.Architecture ?? string.Empty, inspect.Variant));
        }

        private async Task<ImageInspectResponse?> TryInspectAsync(string image, CancellationToken cancellationToken)
        {
            try
            {
                return await client.Images.InspectImageAsync(image, cancellationToken).ConfigureAwait(false);
            }
            catch (DockerImageNotFoundException)
            {
                return null;
            }
            catch (DockerApiException ex) when ((int)ex.StatusCode == 404)
            {
                return null;
            }
            catch (DockerApiException ex)
            {
                throw new GolemImageException(ErrorIds.DockerError, GolemErrorCategory.NotSpecified, $"The Docker engine at {Endpoint} could not inspect '{image}': {ex.Message}", image, ex);
            }
        }

        private async Task PullAsync(ImageReference reference, ImagePlatform platform, RegistryCredential? credential, CancellationToken cancellationToken)
        {
            reporter.Verbose($"Docker has no image '{reference}'; pulling it for {platform}.");
            var layers = new Dictionary<string, int>(StringComparer.Ordinal);
            string? failure = null;
            var progress = new SynchronousProgress<JSONMessage>(message =>
            {
                if (message.Error != null)
                {
                    failure = message.Error.Message;
                    return;
                }

                string? id = message.ID;
                if (id == null || id.Length == 0 || id == reference.Tag)
                {
                    reporter.Progress(new ProgressReport(PullActivityId, $"Pulling {reference}", message.Status ?? "Pulling"));
                    return;
                }

                if (!layers.TryGetValue(id, out int activity))
                {
                    activity = PullActivityId + 100 + layers.Count;
                    layers[id] = activity;
                }

                var report = new ProgressReport(activity, $"Layer {message.ID}", message.Status ?? string.Empty) { ParentActivityId = PullActivityId };
                long current = message.Progress?.Current ?? 0;
                long total = message.Progress?.Total ?? 0;
                if (total > 0)
                {
                    report.PercentComplete = (int)Math.Min(100, current * 100 / total);
                }

                if (message.Status == "Pull complete" || message.Status == "Already exists")
                {
                    report.Completed = true;
                }

                reporter.Progress(report);
            });

            // The engine pulls with what the client sends, as docker pull sends what docker login saved.
            credential ??= DockerConfigCredentials.Find(reference.Registry, reporter: reporter);

            AuthConfig? auth = credential == null ? null : new AuthConfig { Username = credential.UserName, Password = credential.Password, ServerAddress = reference.Registry };
            try
            {
                await client.Images.CreateImageAsync(
                    new ImagesCreateParameters { FromImage = reference.Registry == ImageReference.DockerHubRegistry ? reference.FamiliarRepository : reference.Registry + "/" + reference.Repository, Tag = reference.Digest ?? reference.Tag, Platform = platform.ToString() },
                    auth,
                    progress,
                    cancellationToken).ConfigureAwait(false);
            }
            catch (DockerApiException ex) when ((int)ex.StatusCode == 404)
            {
                throw new GolemImageException(ErrorIds.ImageNotFound, GolemErrorCategory.ObjectNotFound, $"'{reference}' is neither in the Docker engine at {Endpoint} nor in its registry: {ex.ResponseBody}", reference.Original, ex);
            }
            catch (DockerApiException ex)
            {
                throw new GolemImageException(ErrorIds.PullFailed, GolemErrorCategory.ResourceUnavailable, $"The Docker engine at {Endpoint} could not pull '{reference}': {ex.ResponseBody}", reference.Original, ex);
            }
            finally
            {
                foreach (int activity in layers.Values)
                {
                    reporter.Progress(new ProgressReport(activity, "Layer", "Done") { ParentActivityId = PullActivityId, Completed = true });
                }

                reporter.Progress(new ProgressReport(PullActivityId, $"Pulling {reference}", "Done") { Completed = true });
            }

            if (failure != null)
            {
                bool missing = failure.IndexOf("not found", StringComparison.OrdinalIgnoreCase) >= 0 || failure.IndexOf("manifest unknown", StringComparison.OrdinalIgnoreCase) >= 0 || failure.IndexOf("does not exist", StringComparison.OrdinalIgnoreCase) >= 0;
                throw new GolemImageException(
                    missing ? ErrorIds.ImageNotFound : ErrorIds.PullFailed,
                    missing ? GolemErrorCategory.ObjectNotFound : GolemErrorCategory.ResourceUnavailable,
                    $"The Docker engine at {Endpoint} could not pull '{reference}': {failure}",
                    reference.Original);
            }
        }

        private async Task SaveAsync(string image, string destination, CancellationToken cancellationToken)
        {
            reporter.Verbose($"Exporting '{image}' from Docker (docker save) to {destination}.");
            var clock = Stopwatch.StartNew();
            long lastReport = 0;
            using (Stream save = await client.Images.SaveImageAsync(image, cancellationToken).ConfigureAwait(false))
            using (var output = new FileStream(destination, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16))
            {
                var buffer = new byte[1 << 16];
                int read;
                while ((read = await save.ReadAsync(buffer, 0, buffer.Length, cancellationToken).ConfigureAwait(false)) > 0)
                {
                    await output.WriteAsync(buffer, 0, read, cancellationToken).ConfigureAwait(false);
                    if (clock.ElapsedMilliseconds - lastReport > 200)
                    {
                        lastReport = clock.ElapsedMilliseconds;
                        double rate = output.Length / Math.Max(0.001, clock.Elapsed.TotalSeconds) / (1 << 20);
                        reporter.Progress(new ProgressReport(SaveActivityId, $"Exporting {image} from Docker", FormattableString.Invariant($"{output.Length / (1 << 20)} MiB, {rate:0.0} MiB/s")));
                    }
                }
            }

            reporter.Progress(new ProgressReport(SaveActivityId, $"Exporting {image} from Docker", "Done") { Completed = true });
            reporter.Verbose(FormattableString.Invariant($"Exported {new FileInfo(destination).Length} bytes in {clock.Elapsed.TotalSeconds:0.00} s."));
        }

        private static GolemImageException Unavailable(DockerEndpoint endpoint, string why, Exception? inner) =>
            new GolemImageException(
                ErrorIds.DockerUnavailable,
                GolemErrorCategory.ConnectionError,
                $"Cannot reach a Docker engine at {endpoint} ({endpoint.Origin}): {why.TrimEnd('.')}.",
                endpoint.ToString(),
                inner);

        /// <summary>Runs the callback on the reporting thread, in order (Progress&lt;T&gt; would post to a sync context).</summary>
        private sealed class SynchronousProgress<T> : IProgress<T>
        {
            private readonly Action<T> handler;

            public SynchronousProgress(Action<T> handler)
            {
                this.handler = handler;
            }

            public void Report(T value) => handler(value);
        }
    }
}
