using System;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Net;
using System.Net.Http;
using System.Net.Http.Headers;
using System.Security.Authentication;
using System.Threading;
using System.Threading.Tasks;
using GolemImage.Hashing;
using GolemImage.Reporting;

namespace GolemImage.Registry
{
    /// <summary>
    /// Downloads an image the way a provider does (yagna's exe-unit: HEAD for the length and range support, then GET
    /// following up to 10 redirects, Range to resume), into a partial file next to the output that survives an
    /// interruption, hashing the bytes as they arrive. The output appears, by a rename, only when the whole file has the
    /// registry's SHA3-224; a file with another hash is deleted (HashMismatch), never left where the image should be.
    /// </summary>
    public static class ImageDownloader
    {
        private const int MaximumRedirects = 10;
        private const int BufferSize = 1 << 20;
        private static readonly TimeSpan ProgressInterval = TimeSpan.FromMilliseconds(250);

        /// <summary>The partial file a download of <paramref name="sha3Hex"/> to <paramref name="outputPath"/> grows in.</summary>
        public static string PartialPath(string outputPath, string sha3Hex) => outputPath + "." + sha3Hex.Substring(0, 12) + ".partial";

        /// <summary>
        /// ConvertTo-GolemImage's naming, with the image hash for the id: &lt;user&gt;-&lt;repository&gt;-&lt;tag&gt;-&lt;first
        /// 10 hex of the SHA3-224&gt;.gvmi, or image-&lt;10 hex&gt;.gvmi for an image known only by its hash.
        /// </summary>
        public static string DefaultFileName(string? tag, string sha3Hex)
        {
            string stem = tag == null ? "image" : tag.Replace('/', '-').Replace(':', '-');
            return stem + "-" + sha3Hex.Substring(0, 10).ToLowerInvariant() + ".gvmi";
        }

        /// <summary>The link to download from: https when the registry is asked over https, else its http link.</summary>
        public static Uri ChooseUrl(RegistryImage image)
        {
            bool secure = Uri.TryCreate(image.RegistryUrl, UriKind.Absolute, out Uri? registry) && registry.Scheme == Uri.UriSchemeHttps;
            return new Uri(secure ? image.HttpsUrl : image.HttpUrl);
        }

        public static async Task<DownloadResult> DownloadAsync(DownloadRequest request, IEngineReporter reporter, int activityId, CancellationToken cancellationToken)
        {
            string output = request.OutputPath;
            string? directory = Path.GetDirectoryName(Path.GetFullPath(output));
            if (directory != null && !Directory.Exists(directory))
            {
                throw new GolemImageException(ErrorIds.OutputDirectoryNotFound, GolemErrorCategory.ObjectNotFound, $"Cannot save the image to '{output}': the directory '{directory}' does not exist.", output);
            }

            if (Directory.Exists(output))
            {
                throw new GolemImageException(ErrorIds.OutputIsDirectory, GolemErrorCategory.InvalidArgument, $"Cannot save the image to '{output}': it is a directory.", output);
            }

            if (File.Exists(output))
            {
                string existing = HexString.Lower(await FileHasher.HashFileAsync(output, reporter, activityId, cancellationToken).ConfigureAwait(false));
                if (existing == request.Sha3Hex)
                {
                    reporter.Verbose($"'{output}' already is the image {request.Sha3Hex}; nothing to download.");
                    return new DownloadResult(output, true, 0, 0);
                }

                if (!request.Force)
                {
                    throw new GolemImageException(ErrorIds.OutputExists, GolemErrorCategory.ResourceExists, $"'{output}' exists and is another file (SHA3-224 {existing}, not {request.Sha3Hex}). Use -Force to replace it, or choose another -OutputPath.", output);
                }
            }

            string partial = PartialPath(output, request.Sha3Hex);
            long received;
            long resumed;
            using (var file = OpenPartial(partial))
            using (HttpMessageHandler handler = HttpHandlers.Create(own =>
            {
                own.AllowAutoRedirect = true;
                own.MaxAutomaticRedirections = MaximumRedirects;
            }))
            using (var http = new HttpClient(handler) { Timeout = Timeout.InfiniteTimeSpan })
            {
                TransportSecurity.EnsureTls12();
                http.DefaultRequestHeaders.UserAgent.Add(new ProductInfoHeaderValue("GolemImage", typeof(ImageDownloader).Assembly.GetName().Version?.ToString(3) ?? "0"));
                var transfer = new Transfer(request, file, http, reporter, activityId, Path.GetFileName(output));
                try
                {
                    await transfer.RunAsync(cancellationToken).ConfigureAwait(false);
                }
                catch (Exception) when (file.Length == 0)
                {
                    // Nothing worth resuming: leave no empty partial file behind.
                    file.Dispose();
                    File.Delete(partial);
                    throw;
                }

                received = transfer.Received;
                resumed = transfer.Resumed;
                byte[] hash = transfer.Hash;
                string actual = HexString.Lower(hash);
                if (actual != request.Sha3Hex)
                {
                    file.Dispose();
                    File.Delete(partial);
                    throw new GolemImageException(ErrorIds.HashMismatch, GolemErrorCategory.InvalidData, $"The file downloaded from {request.Url} has SHA3-224 {actual}, not the image's {request.Sha3Hex}; it was deleted. The server sent other bytes than the registry names: try again, or report it to whoever hosts the image.", output);
                }
            }

            // Someone reading the old file (a web server, antivirus) only delays the replace.
            SharedFile.MoveIntoPlace(partial, output, cancellationToken);

            reporter.Verbose($"Saved {request.Sha3Hex} to '{output}' ({received} bytes downloaded{(resumed > 0 ? $", {resumed} kept from an interrupted download" : string.Empty)}).");
            return new DownloadResult(output, false, received, resumed);
        }

        private static FileStream OpenPartial(string partial)
        {
            try
            {
                // Not shared: a second download of the same image to the same place must not write into this one.
                return new FileStream(partial, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None, 1 << 16, FileOptions.Asynchronous);
            }
            catch (IOException ex)
            {
                throw new GolemImageException(ErrorIds.DownloadInProgress, GolemErrorCategory.ResourceUnavailable, $"Cannot write '{partial}': {ex.Message} Is another download of this image to the same place running?", partial, ex);
            }
        }

        /// <summary>The state of one download: the partial file, the hash of what it holds, and the retries.</summary>
        private sealed class Transfer
        {
            private readonly DownloadRequest request;
            private readonly FileStream file;
            private readonly HttpClient http;
            private readonly IEngineReporter reporter;
            private readonly int activityId;
            private readonly string name;
            private readonly Random jitter = new Random();
            private Sha3_224 hasher = new Sha3_224();
            private long size;
            private bool ranges = true;
            private TransferRate? rate;
            private byte[]? hash;

            public Transfer(DownloadRequest request, FileStream file, HttpClient http, IEngineReporter reporter, int activityId, string name)
            {
                this.request = request;
                this.file = file;
                this.http = http;
                this.reporter = reporter;
                this.activityId = activityId;
                this.name = name;
                size = request.Size;
            }

            public long Received { get; private set; }

            public long Resumed { get; private set; }

            public byte[] Hash => hash!;

            public async Task RunAsync(CancellationToken cancellationToken)
            {
                await HeadAsync(cancellationToken).ConfigureAwait(false);
                if (file.Length > 0)
                {
                    if ((size >= 0 && file.Length > size) || !ranges)
                    {
                        reporter.Verbose(!ranges
                            ? $"The server does not take Range requests; starting the download over instead of resuming from byte {file.Length}."
                            : $"The partial file '{file.Name}' is longer than the image; starting over.");
                        file.SetLength(0);
                    }
                    else
                    {
                        // The kept bytes are hashed from disk, so the hash covers exactly what the file holds.
                        Resumed = file.Length;
                        reporter.Verbose($"Resuming the download of {request.Sha3Hex} at byte {Resumed} of {size} (kept in '{file.Name}').");
                        file.Position = 0;
                        await Sha3HashAsync(file, cancellationToken).ConfigureAwait(false);
                    }
                }

                file.Position = file.Length;
                rate = new TransferRate(Math.Max(size, 0), file.Length);
                int failures = 0;
                while (size < 0 || file.Length < size)
                {
                    long before = file.Length;
                    string? problem = await GetAsync(cancellationToken).ConfigureAwait(false);
                    if (problem == null)
                    {
                        break;
                    }

                    failures = file.Length > before ? 1 : failures + 1;
                    if (failures > request.Retry.MaximumRetryCount)
                    {
                        await file.FlushAsync(cancellationToken).ConfigureAwait(false);
                        throw new GolemImageException(ErrorIds.DownloadFailed, GolemErrorCategory.ConnectionError, $"The download from {request.Url} failed {failures} times in a row; the last failure: {problem}. The {file.Length} bytes received are kept in '{file.Name}', and the next Save-GolemImage to the same place resumes from there.", request.Url.ToString());
                    }

                    TimeSpan pause = Backoff(failures - 1);
                    reporter.Verbose(FormattableString.Invariant($"The download broke off at byte {file.Length} of {size} ({problem}); retry {failures} of {request.Retry.MaximumRetryCount} in {pause.TotalSeconds:0.0} s, resuming from there."));
                    await Task.Delay(pause, cancellationToken).ConfigureAwait(false);
                }

                await file.FlushAsync(cancellationToken).ConfigureAwait(false);
                hash = hasher.GetHashAndReset();
                reporter.Progress(new ProgressReport(activityId, "Downloading " + name, "done") { Completed = true });
            }

            private async Task Sha3HashAsync(Stream stream, CancellationToken cancellationToken)
            {
                var buffer = new byte[BufferSize];
                int read;
                while ((read = await stream.ReadAsync(buffer, 0, buffer.Length, cancellationToken).ConfigureAwait(false)) > 0)
                {
                    hasher.Append(buffer, 0, read);
                }
            }

            /// <summary>HEAD: the length (checked against the registry's) and whether Range works. Transient failures are retried.</summary>
            private async Task HeadAsync(CancellationToken cancellationToken)
            {
                for (int attempt = 0; ; attempt++)
                {
                    string problem;
                    using (var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
                    {
                        timeout.CancelAfter(request.Retry.RequestTimeout);
                        try
                        {
                            using (var message = new HttpRequestMessage(HttpMethod.Head, request.Url))
                            using (HttpResponseMessage response = await http.SendAsync(message, HttpCompletionOption.ResponseHeadersRead, timeout.Token).ConfigureAwait(false))
                            {
                                int status = (int)response.StatusCode;
                                if (response.StatusCode == HttpStatusCode.MethodNotAllowed || response.StatusCode == HttpStatusCode.NotImplemented)
                                {
                                    reporter.Verbose($"HEAD {request.Url} answered {status}; going on with GET.");
                                    return;
                                }

                                if (response.IsSuccessStatusCode)
                                {
                                    long? length = response.Content.Headers.ContentLength;
                                    if (length.HasValue && size >= 0 && length.Value != size)
                                    {
                                        throw new GolemImageException(ErrorIds.DownloadSizeMismatch, GolemErrorCategory.ProtocolError, $"{request.Url} serves {length.Value} bytes, but the registry says the image {request.Sha3Hex} has {size}.", request.Url.ToString());
                                    }

                                    if (length.HasValue)
                                    {
                                        size = length.Value;
                                    }

                                    ranges = response.Headers.AcceptRanges.Contains("bytes");
                                    reporter.Verbose($"HEAD {request.Url}{Redirected(response)}: {size} bytes, {(ranges ? "resumable" : "no Range support")}.");
                                    return;
                                }

                                if (!IsTransient(response.StatusCode))
                                {
                                    throw Refused(response);
                                }

                                problem = $"HTTP {status} {response.ReasonPhrase}";
                            }
                        }
                        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
                        {
                            problem = $"no answer within {request.Retry.RequestTimeout.TotalSeconds:0} s";
                        }
                        catch (HttpRequestException ex) when (ex.InnerException is AuthenticationException)
                        {
                            throw new GolemImageException(ErrorIds.DownloadTlsError, GolemErrorCategory.ConnectionError, $"The TLS connection to {request.Url} failed: {ex.InnerException.Message}", request.Url.ToString(), ex);
                        }
                        catch (Exception ex) when (ex is HttpRequestException || ex is IOException)
                        {
                            problem = Describe(ex);
                        }
                    }

                    if (attempt >= request.Retry.MaximumRetryCount)
                    {
                        throw new GolemImageException(ErrorIds.DownloadFailed, GolemErrorCategory.ConnectionError, $"HEAD {request.Url} failed {attempt + 1} times; the last failure: {problem}", request.Url.ToString());
                    }

                    TimeSpan pause = Backoff(attempt);
                    reporter.Verbose(FormattableString.Invariant($"HEAD {request.Url} failed ({problem}); retry {attempt + 1} of {request.Retry.MaximumRetryCount} in {pause.TotalSeconds:0.0} s."));
                    await Task.Delay(pause, cancellationToken).ConfigureAwait(false);
                }
            }

            /// <summary>One GET from where the file ends: null when the body ended, else what went wrong (to retry).</summary>
            private async Task<string?> GetAsync(CancellationToken cancellationToken)
            {
                long from = file.Length;
                using (var headers = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
                using (var message = new HttpRequestMessage(HttpMethod.Get, request.Url))
                {
                    if (from > 0)
                    {
                        message.Headers.Range = new RangeHeaderValue(from, null);
                    }

                    headers.CancelAfter(request.Retry.RequestTimeout);
                    HttpResponseMessage response;
                    try
                    {
                        response = await http.SendAsync(message, HttpCompletionOption.ResponseHeadersRead, headers.Token).ConfigureAwait(false);
                    }
                    catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
                    {
                        return $"no answer within {request.Retry.RequestTimeout.TotalSeconds:0} s";
                    }
                    catch (HttpRequestException ex) when (!(ex.InnerException is AuthenticationException))
                    {
                        return Describe(ex);
                    }
                    catch (IOException ex)
                    {
                        return Describe(ex);
                    }

                    using (response)
                    {
                        if (IsTransient(response.StatusCode))
                        {
                            return $"HTTP {(int)response.StatusCode} {response.ReasonPhrase}";
                        }

                        if (response.StatusCode == HttpStatusCode.RequestedRangeNotSatisfiable)
                        {
                            reporter.Verbose($"GET {request.Url} refused to resume at byte {from}; starting over.");
                            Restart();
                            return "the server refused to resume (HTTP 416)";
                        }

                        if (!response.IsSuccessStatusCode)
                        {
                            throw Refused(response);
                        }

                        if (from > 0)
                        {
                            ContentRangeHeaderValue? range = response.Content.Headers.ContentRange;
                            if (response.StatusCode != HttpStatusCode.PartialContent || range == null)
                            {
                                // The whole file again (a server or proxy that ignores Range): keep it, drop ours.
                                reporter.Verbose($"GET {request.Url} sent the whole file instead of resuming at byte {from}; starting over.");
                                Restart();
                                from = 0;
                            }
                            else if (range.From != from)
                            {
                                throw new GolemImageException(ErrorIds.RegistryProtocolError, GolemErrorCategory.ProtocolError, $"Asked {request.Url} for the bytes from {from}, it sent them from {range.From}.", request.Url.ToString());
                            }
                        }

                        Stream body;
                        try
                        {
                            body = await response.Content.ReadAsStreamAsync().ConfigureAwait(false);
                        }
                        catch (Exception ex) when (ex is HttpRequestException || ex is IOException)
                        {
                            return Describe(ex);
                        }

                        return await CopyAsync(body, cancellationToken).ConfigureAwait(false);
                    }
                }
            }

            private void Restart()
            {
                file.SetLength(0);
                file.Position = 0;
                hasher = new Sha3_224();
                Resumed = 0;
                rate!.Restart(0);
            }

            private async Task<string?> CopyAsync(Stream body, CancellationToken cancellationToken)
            {
                var buffer = new byte[BufferSize];
                var clock = Stopwatch.StartNew();
                TimeSpan lastReport = TimeSpan.Zero;
                using (var quiet = new QuietLimitStream(body, request.Retry.RequestTimeout, cancellationToken))
                {
                    while (true)
                    {
                        int read;
                        try
                        {
                            read = await quiet.ReadAsync(buffer, 0, buffer.Length, quiet.Token).ConfigureAwait(false);
                        }
                        catch (Exception ex) when ((ex is OperationCanceledException || ex is ObjectDisposedException) && quiet.WentQuiet)
                        {
                            return $"the server sent nothing for {request.Retry.RequestTimeout.TotalSeconds:0} s";
                        }
                        catch (Exception ex) when (ex is IOException || ex is HttpRequestException)
                        {
                            return Describe(ex);
                        }

                        if (read == 0)
                        {
                            if (size >= 0 && file.Length < size)
                            {
                                return $"the connection ended after byte {file.Length} of {size}";
                            }

                            size = file.Length;
                            return null;
                        }

                        if (size >= 0 && file.Length + read > size)
                        {
                            throw new GolemImageException(ErrorIds.DownloadSizeMismatch, GolemErrorCategory.ProtocolError, $"{request.Url} sent more than the {size} bytes of the image {request.Sha3Hex}.", request.Url.ToString());
                        }

                        await file.WriteAsync(buffer, 0, read, cancellationToken).ConfigureAwait(false);
                        hasher.Append(buffer, 0, read);
                        Received += read;
                        rate!.Add(read);
                        if (clock.Elapsed - lastReport >= ProgressInterval)
                        {
                            lastReport = clock.Elapsed;
                            reporter.Progress(rate.ToReport(activityId, "Downloading " + name, "downloaded"));
                        }
                    }
                }
            }

            private GolemImageException Refused(HttpResponseMessage response)
            {
                int status = (int)response.StatusCode;
                bool missing = response.StatusCode == HttpStatusCode.NotFound || response.StatusCode == HttpStatusCode.Gone;
                return new GolemImageException(
                    missing ? "DownloadNotFound" : "DownloadRefused",
                    missing ? GolemErrorCategory.ObjectNotFound : GolemErrorCategory.ProtocolError,
                    $"{response.RequestMessage?.Method} {request.Url}{Redirected(response)} answered HTTP {status} {response.ReasonPhrase}.",
                    request.Url.ToString());
            }

            private string Redirected(HttpResponseMessage response)
            {
                Uri? final = response.RequestMessage?.RequestUri;
                return final != null && final != request.Url ? $" (redirected to {final})" : string.Empty;
            }

            private TimeSpan Backoff(int attempt)
            {
                double delay = Math.Min(request.Retry.MaximumDelay.TotalMilliseconds, request.Retry.InitialDelay.TotalMilliseconds * Math.Pow(2, attempt));
                return TimeSpan.FromMilliseconds(delay * (0.75 + (jitter.NextDouble() * 0.5)));
            }

            private static bool IsTransient(HttpStatusCode status) =>
                (int)status >= 500 || (int)status == 429 || status == HttpStatusCode.RequestTimeout;

            private static string Describe(Exception ex)
            {
                var messages = new System.Collections.Generic.List<string>();
                for (Exception? e = ex; e != null; e = e.InnerException)
                {
                    if (!messages.Contains(e.Message))
                    {
                        messages.Add(e.Message);
                    }
                }

                return string.Join(" ", messages.ToArray());
            }
        }
    }
}
