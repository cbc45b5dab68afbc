using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Runtime.ExceptionServices;
using System.Threading;
using System.Threading.Tasks;
using GolemImage.Compression;
using GolemImage.Gvmi;
using GolemImage.Reporting;

namespace GolemImage.Registry
{
    /// <summary>
    /// Publishes one image in gvmkit-build's order: descriptor (cached), login check, descriptor status, push
    /// the descriptor if unknown, attach dry run, the missing chunks on parallel workers, wait for "full",
    /// attach the tag, look up the download URLs. Whatever the registry already holds is never sent again,
    /// so a run killed at any point resumes where it stopped.
    /// </summary>
    public static class RegistryPublisher
    {
        public const string DefaultRegistryUrl = "https://registry.golem.network";

        private const int UploadActivityId = 0x602;

        /// <summary>
        /// Refuses plain http to anything but loopback unless <paramref name="allowInsecureHttp"/>: the token would
        /// cross the network in clear text.
        /// </summary>
        public static Uri ValidateRegistryUrl(string url, bool allowInsecureHttp)
        {
            if (!Uri.TryCreate(url, UriKind.Absolute, out Uri? uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
            {
                throw new GolemImageException(ErrorIds.InvalidRegistryUrl, GolemErrorCategory.InvalidArgument, $"'{url}' is not an http or https URL of a Golem registry.", url);
            }

            if (uri.Scheme == Uri.UriSchemeHttp && !uri.IsLoopback && !allowInsecureHttp)
            {
                throw new GolemImageException(ErrorIds.InsecureRegistryUrl, GolemErrorCategory.InvalidArgument, $"The registry URL '{url}' uses plain http to a host that is not this machine, which would send the access token and the image unencrypted. Use https, or -AllowInsecureHttp if you mean it.", url);
            }

            return uri;
        }

        public static async Task<PublishResult> PublishAsync(PublishRequest request, IEngineReporter reporter, CancellationToken cancellationToken)
        {
            if (request.Tag != null && request.Credential == null)
            {
                throw new GolemImageException(ErrorIds.CredentialRequired, GolemErrorCategory.AuthenticationError, $"Publishing '{request.ImagePath}' as {request.Tag} needs a registry user and personal access token (-Credential, or REGISTRY_USER and REGISTRY_TOKEN); use -Anonymous to upload without a tag.", request.ImagePath);
            }

            var file = new FileInfo(request.ImagePath);
            if (!file.Exists)
            {
                throw new GolemImageException(ErrorIds.ImageNotFound, GolemErrorCategory.ObjectNotFound, $"The image file '{request.ImagePath}' does not exist.", request.ImagePath);
            }

            // A registry keeps whatever it is sent, and a task package naming it fails only on the providers: refuse a
            // file that is not a .gvmi (its trailer and superblock, two small reads) before reading all of it.
            GvmiImageInfo image = await GvmiImageReader.ReadAsync(request.ImagePath, computeHash: false, reporter, 0, cancellationToken).ConfigureAwait(false);
            if (!image.Superblock.MountableByGolemProviders)
            {
                reporter.Warning($"'{request.ImagePath}' is compressed with {image.Superblock.CompressionName}, which Golem providers cannot mount (their kernel reads {CompressorTable.DescribeMountable()} squashfs images); publishing it anyway.");
            }

            long chunkSize = request.ChunkSize ?? ImageDescriptor.DefaultChunkSize(file.Length);
            long chunkCount = ImageDescriptor.CountChunks(file.Length, chunkSize);
            if (chunkCount > ImageDescriptor.MaximumChunkCount)
            {
                throw new GolemImageException(ErrorIds.TooManyChunks, GolemErrorCategory.InvalidArgument, $"'{request.ImagePath}' ({file.Length} bytes) in chunks of {chunkSize} bytes makes {chunkCount} chunks; the registry accepts at most {ImageDescriptor.MaximumChunkCount}. Use a -ChunkSize of at least {(file.Length + ImageDescriptor.MaximumChunkCount - 1) / ImageDescriptor.MaximumChunkCount} bytes, or leave it out.", request.ImagePath);
            }

            ImageDescriptor descriptor = await ImageDescriptorFile.GetOrComputeAsync(request.ImagePath, chunkSize, reporter, cancellationToken).ConfigureAwait(false);
            string descriptorId = descriptor.DescriptorSha256Hex;
            reporter.Verbose($"'{request.ImagePath}': sha3-224 {descriptor.Sha3Hex}, descriptor sha256 {descriptorId}, {descriptor.ChunkCount} chunks of {descriptor.ChunkSize} bytes.");

            using (var client = new GolemRegistryClient(request.RegistryUrl, request.Retry, reporter, request.Credential?.Token))
            {
                if (request.Tag != null)
                {
                    await client.LoginAsync(request.Credential!, cancellationToken).ConfigureAwait(false);
                    reporter.Verbose($"Logged in to {client.BaseUri} as '{request.Credential!.UserName}'.");
                }

                DescriptorStatus status = await client.GetDescriptorStatusAsync(descriptorId, cancellationToken).ConfigureAwait(false);
                if (!status.Known)
                {
                    reporter.Verbose($"The registry does not know descriptor {descriptorId}; pushing it.");
                    await client.PushDescriptorAsync(descriptor, cancellationToken).ConfigureAwait(false);
                    status = await client.GetDescriptorStatusAsync(descriptorId, cancellationToken).ConfigureAwait(false);
                    if (!status.Known)
                    {
                        throw new GolemImageException(ErrorIds.RegistryProtocolError, GolemErrorCategory.ProtocolError, $"The registry {client.BaseUri} accepted descriptor {descriptorId} but does not report it as known.", request.ImagePath);
                    }
                }

                if (request.Tag != null)
                {
                    // The dry run: a tag the registry would refuse must fail before a single chunk is sent.
                    await client.AttachAsync(descriptorId, request.Tag, request.Credential!, true, cancellationToken).ConfigureAwait(false);
                }

                int uploaded = 0;
                if (!status.IsFull)
                {
                    if (status.ChunksStored.Count != descriptor.ChunkCount)
                    {
                        throw new GolemImageException(ErrorIds.RegistryProtocolError, GolemErrorCategory.ProtocolError, $"The registry {client.BaseUri} reports {status.ChunksStored.Count} chunk flags for descriptor {descriptorId}, which has {descriptor.ChunkCount} chunks.", request.ImagePath);
                    }

                    List<int> missing = Enumerable.Range(0, descriptor.ChunkCount).Where(i => !status.ChunksStored[i]).ToList();
                    reporter.Verbose($"The registry holds {descriptor.ChunkCount - missing.Count} of {descriptor.ChunkCount} chunks; uploading {missing.Count}.");
                    await UploadChunksAsync(client, request, descriptor, missing, reporter, cancellationToken).ConfigureAwait(false);
                    uploaded = missing.Count;
                    await WaitUntilFullAsync(client, request, descriptor, reporter, cancellationToken).ConfigureAwait(false);
                }
                else
                {
                    reporter.Verbose($"The registry already holds the whole image {descriptor.Sha3Hex}; nothing to upload.");
                }

                if (request.Tag != null)
                {
                    await client.AttachAsync(descriptorId, request.Tag, request.Credential!, false, cancellationToken).ConfigureAwait(false);
                    reporter.Verbose($"Attached tag {request.Tag}.");
                }

                ImageInfo? info = await client.GetImageInfoAsync(descriptor.Sha3Hex, cancellationToken).ConfigureAwait(false);
                string httpUrl;
                string httpsUrl;
                if (info != null && info.HttpUrl.Length > 0)
                {
                    if (!string.Equals(info.Sha3, descriptor.Sha3Hex, StringComparison.OrdinalIgnoreCase))
                    {
                        throw new GolemImageException(ErrorIds.RegistryHashMismatch, GolemErrorCategory.InvalidData, $"The registry {client.BaseUri} reports sha3 {info.Sha3} for image {descriptor.Sha3Hex}.", request.ImagePath);
                    }

                    httpUrl = info.HttpUrl;
                    httpsUrl = info.HttpsUrl;
                }
                else
                {
                    // Not listed (yet): the download path the registry serves every stored image under.
                    httpUrl = DownloadLink(client.BaseUri, request.RegistryUrl, descriptor.Sha3Hex, Uri.UriSchemeHttp);
                    httpsUrl = DownloadLink(client.BaseUri, request.RegistryUrl, descriptor.Sha3Hex, Uri.UriSchemeHttps);
                }

                return new PublishResult(request.ImagePath, client.BaseUri.ToString(), request.Tag?.ToString(), descriptor, uploaded, descriptor.ChunkCount - uploaded, httpUrl, httpsUrl);
            }
        }

        private static string DownloadLink(Uri baseUri, Uri registryUrl, string sha3Hex, string scheme)
        {
            var link = new UriBuilder(new Uri(baseUri, "download/" + sha3Hex))
            {
                Scheme = scheme,
                Port = registryUrl.Scheme == scheme && !registryUrl.IsDefaultPort ? registryUrl.Port : -1,
            };
            return link.Uri.ToString();
        }

        private static async Task UploadChunksAsync(GolemRegistryClient client, PublishRequest request, ImageDescriptor descriptor, IReadOnlyList<int> missing, IEngineReporter reporter, CancellationToken cancellationToken)
        {
            if (missing.Count == 0)
            {
                return;
            }

            long total = missing.Sum(i => descriptor.GetChunkLength(i));
            var rate = new TransferRate(total);
            string activity = $"Publishing {Path.GetFileName(request.ImagePath)} to {client.BaseUri.Host}";
            int next = -1;
            using (var failed = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
            {
                async Task WorkAsync()
                {
                    try
                    {
                        int index;
                        while ((index = Interlocked.Increment(ref next)) < missing.Count)
                        {
                            int chunk = missing[index];
                            await client.PushChunkAsync(
                                descriptor,
                                chunk,
                                request.ImagePath,
                                sent =>
                                {
                                    rate.Add(sent);
                                    reporter.Progress(rate.ToReport(UploadActivityId, activity, "uploaded"));
                                },
                                failed.Token).ConfigureAwait(false);
                        }
                    }
                    catch
                    {
                        // The first permanent failure stops the other workers at once instead of letting them upload on.
                        failed.Cancel();
                        throw;
                    }
                }

                Task[] workers = Enumerable.Range(0, Math.Max(1, Math.Min(request.ThrottleLimit, missing.Count))).Select(_ => Task.Run(WorkAsync)).ToArray();
                try
                {
                    await Task.WhenAll(workers).ConfigureAwait(false);
                }
                catch
                {
                    Exception? first = workers.Where(w => w.IsFaulted).Select(w => w.Exception!.InnerException).FirstOrDefault(e => !(e is OperationCanceledException));
                    if (first != null && !cancellationToken.IsCancellationRequested)
                    {
                        ExceptionDispatchInfo.Capture(first).Throw();
                    }

                    throw;
                }
                finally
                {
                    reporter.Progress(new ProgressReport(UploadActivityId, activity, "done") { Completed = true });
                }
            }
        }

        private static async Task WaitUntilFullAsync(GolemRegistryClient client, PublishRequest request, ImageDescriptor descriptor, IEngineReporter reporter, CancellationToken cancellationToken)
        {
            var clock = Stopwatch.StartNew();
            TimeSpan pause = TimeSpan.FromMilliseconds(250);
            while (true)
            {
                DescriptorStatus status = await client.GetDescriptorStatusAsync(descriptor.DescriptorSha256Hex, cancellationToken).ConfigureAwait(false);
                if (status.IsFull)
                {
                    return;
                }

                if (clock.Elapsed >= request.ValidationTimeout)
                {
                    int stored = status.ChunksStored.Count(c => c);
                    throw new GolemImageException(ErrorIds.RegistryValidationFailed, GolemErrorCategory.InvalidData, $"Every chunk of '{request.ImagePath}' was sent, but after {request.ValidationTimeout.TotalSeconds:0} s the registry {client.BaseUri} still reports the upload as '{status.Status ?? "unknown"}' ({stored} of {descriptor.ChunkCount} chunks stored). Publishing again uploads whatever is missing.", request.ImagePath);
                }

                reporter.Verbose(FormattableString.Invariant($"The registry reports the upload as '{status.Status}', not yet 'full'; asking again in {pause.TotalSeconds:0.0} s."));
                await Task.Delay(pause, cancellationToken).ConfigureAwait(false);
                pause = TimeSpan.FromTicks(Math.Min(pause.Ticks * 2, TimeSpan.FromSeconds(2).Ticks));
            }
        }
    }
}
