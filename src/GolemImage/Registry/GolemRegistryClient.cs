using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Net;
using System.Net.Http;
using System.Net.Http.Headers;
using System.Security.Authentication;
using System.Text;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;
using GolemImage.Reporting;

namespace GolemImage.Registry
{
    /// <summary>
    /// The Golem registry's HTTP API as gvmkit-build uses it: PAT login, descriptor status and push, chunk
    /// push, tag attach and image info. Transient failures (connection errors, timeouts, 408, 429, 5xx) are
    /// retried with exponential backoff; everything else comes back at once as a specific GolemImageException.
    /// </summary>
    public sealed class GolemRegistryClient : IDisposable
    {
        /// <summary>Above the largest -ThrottleLimit (64), with room for the status and attach requests.</summary>
        private const int MaximumConnections = 72;

        private readonly HttpClient http;
        private readonly Uri baseUri;
        private readonly RetrySettings retry;
        private readonly IEngineReporter reporter;
        private readonly string? secret;
        private readonly Random jitter = new Random();

        /// <param name="registryUrl">The registry root, for example https://registry.golem.network.</param>
        /// <param name="secret">The token: scrubbed from any server text that ends up in a message.</param>
        public GolemRegistryClient(Uri registryUrl, RetrySettings retry, IEngineReporter reporter, string? secret, HttpMessageHandler? handler = null)
        {
            string root = registryUrl.GetLeftPart(UriPartial.Path);
            baseUri = new Uri(root.EndsWith("/", StringComparison.Ordinal) ? root : root + "/");
            this.retry = retry;
            this.reporter = reporter;
            this.secret = string.IsNullOrEmpty(secret) ? null : secret;
            TransportSecurity.EnsureTls12();
            // .NET Framework allows two connections per server by default (ServicePointManager.DefaultConnectionLimit),
            // which would serialise -ThrottleLimit's parallel chunk uploads on Windows PowerShell; .NET has no limit.
            http = new HttpClient(handler ?? HttpHandlers.Create(own => own.MaxConnectionsPerServer = MaximumConnections));

            // Each attempt has its own deadline (RequestTimeout, or a rate-based one for chunks).
            http.Timeout = Timeout.InfiniteTimeSpan;
            http.DefaultRequestHeaders.UserAgent.Add(new ProductInfoHeaderValue("GolemImage", typeof(GolemRegistryClient).Assembly.GetName().Version?.ToString(3) ?? "0"));
            // .NET Framework would send "Expect: 100-continue" with every chunk and wait for the answer (a round trip, up
            // to 350 ms with servers that do not answer it) before the body; .NET sends no such header.
            http.DefaultRequestHeaders.ExpectContinue = false;
        }

        public Uri BaseUri => baseUri;

        public void Dispose() => http.Dispose();

        /// <summary>POST /auth/pat/login: throws RegistryAuthenticationFailed unless the registry accepts the token.</summary>
        public async Task LoginAsync(RegistryCredential credential, CancellationToken cancellationToken)
        {
            string json = "{\"username\":" + JsonString(credential.UserName) + ",\"password\":" + JsonString(credential.Token) + "}";
            using (HttpResponseMessage response = await SendAsync(
                HttpMethod.Post,
                "auth/pat/login",
                () => new StringContent(json, Encoding.UTF8, "application/json"),
                "the login check",
                null,
                cancellationToken).ConfigureAwait(false))
            {
                if (response.StatusCode == HttpStatusCode.OK)
                {
                    return;
                }

                string body = await ReadMessageAsync(response).ConfigureAwait(false);
                if (response.StatusCode == HttpStatusCode.Unauthorized)
                {
                    throw new GolemImageException(ErrorIds.RegistryAuthenticationFailed, GolemErrorCategory.AuthenticationError, $"The registry {baseUri} refused the personal access token of user '{credential.UserName}' ({body}). Check -Credential or REGISTRY_USER/REGISTRY_TOKEN.", baseUri.ToString());
                }

                throw Unexpected(response, body, "the login check");
            }
        }

        /// <summary>GET /v1/image/descr/{sha256}.</summary>
        public async Task<DescriptorStatus> GetDescriptorStatusAsync(string descriptorSha256, CancellationToken cancellationToken)
        {
            using (HttpResponseMessage response = await SendAsync(HttpMethod.Get, "v1/image/descr/" + descriptorSha256, null, "the descriptor status", null, cancellationToken).ConfigureAwait(false))
            {
                string body = await ReadBodyAsync(response).ConfigureAwait(false);
                if (response.StatusCode == HttpStatusCode.NotFound)
                {
                    return new DescriptorStatus(false, null, Array.Empty<bool>());
                }

                if (response.StatusCode != HttpStatusCode.OK)
                {
                    throw Unexpected(response, Summarize(body), "the descriptor status");
                }

                try
                {
                    using (JsonDocument document = JsonDocument.Parse(body))
                    {
                        JsonElement root = document.RootElement;
                        bool known = root.TryGetProperty("descriptor", out JsonElement descriptor) && descriptor.ValueKind == JsonValueKind.String && descriptor.GetString() == "ok";
                        string? status = root.TryGetProperty("status", out JsonElement statusElement) && statusElement.ValueKind == JsonValueKind.String ? statusElement.GetString() : null;
                        var chunks = new List<bool>();
                        if (root.TryGetProperty("chunks", out JsonElement chunksElement) && chunksElement.ValueKind == JsonValueKind.Array)
                        {
                            foreach (JsonElement flag in chunksElement.EnumerateArray())
                            {
                                chunks.Add(flag.ValueKind == JsonValueKind.Number && flag.GetInt64() == 1);
                            }
                        }

                        return new DescriptorStatus(known, status, chunks);
                    }
                }
                catch (Exception ex) when (ex is JsonException || ex is InvalidOperationException || ex is FormatException)
                {
                    throw new GolemImageException(ErrorIds.RegistryProtocolError, GolemErrorCategory.ProtocolError, $"The registry {baseUri} answered the descriptor status with something that is not the expected JSON: {Summarize(body)}", baseUri.ToString(), ex);
                }
            }
        }

        /// <summary>POST /v1/image/push/descr.</summary>
        public async Task PushDescriptorAsync(ImageDescriptor descriptor, CancellationToken cancellationToken)
        {
            using (HttpResponseMessage response = await SendAsync(
                HttpMethod.Post,
                "v1/image/push/descr",
                () => Form(Array.Empty<KeyValuePair<string, string>>(), new ByteArrayContent(descriptor.Bytes), "descriptor.txt"),
                "the descriptor upload",
                null,
                cancellationToken).ConfigureAwait(false))
            {
                if (!IsSuccess(response))
                {
                    string body = await ReadMessageAsync(response).ConfigureAwait(false);
                    throw new GolemImageException(ErrorIds.RegistryRejectedDescriptor, GolemErrorCategory.InvalidData, $"The registry {baseUri} refused the image descriptor {descriptor.DescriptorSha256Hex} with HTTP {(int)response.StatusCode}: {body}", baseUri.ToString());
                }
            }
        }

        /// <summary>
        /// POST /v1/image/push/chunk, streaming the chunk from <paramref name="imagePath"/>. <paramref name="sent"/>
        /// hears every byte that leaves, and the negative total of an attempt that is retried.
        /// </summary>
        public async Task PushChunkAsync(ImageDescriptor descriptor, int chunkNumber, string imagePath, Action<long> sent, CancellationToken cancellationToken)
        {
            long position = descriptor.GetChunkPosition(chunkNumber);
            long length = descriptor.GetChunkLength(chunkNumber);
            long sentThisAttempt = 0;
            var fields = new[]
            {
                new KeyValuePair<string, string>("descr-sha256", descriptor.DescriptorSha256Hex),
                new KeyValuePair<string, string>("chunk-no", chunkNumber.ToString(CultureInfo.InvariantCulture)),
                new KeyValuePair<string, string>("chunk-sha256", Hashing.HexString.Lower(descriptor.GetChunkSha256(chunkNumber))),
                new KeyValuePair<string, string>("chunk-pos", position.ToString(CultureInfo.InvariantCulture)),
                new KeyValuePair<string, string>("chunk-len", length.ToString(CultureInfo.InvariantCulture)),
            };
            TimeSpan deadline = retry.RequestTimeout + TimeSpan.FromSeconds((double)length / Math.Max(1, retry.MinimumBytesPerSecond));
            void Rollback()
            {
                long undone = Interlocked.Exchange(ref sentThisAttempt, 0);
                if (undone != 0)
                {
                    sent(-undone);
                }
            }

            using (HttpResponseMessage response = await SendAsync(
                HttpMethod.Post,
                "v1/image/push/chunk",
                () =>
                {
                    // A new attempt: whatever the previous one sent is uploaded again.
                    Rollback();
                    return Form(fields, new FileRangeContent(imagePath, position, length, n => { Interlocked.Add(ref sentThisAttempt, n); sent(n); }), "chunk-" + chunkNumber.ToString(CultureInfo.InvariantCulture));
                },
                $"the upload of chunk {chunkNumber}",
                deadline,
                cancellationToken).ConfigureAwait(false))
            {
                if (!IsSuccess(response))
                {
                    Rollback();
                    string body = await ReadMessageAsync(response).ConfigureAwait(false);
                    throw new GolemImageException(ErrorIds.RegistryRejectedChunk, GolemErrorCategory.InvalidData, $"The registry {baseUri} refused chunk {chunkNumber} (bytes {position}..{position + length - 1}) of '{imagePath}' with HTTP {(int)response.StatusCode}: {body}", imagePath);
                }
            }
        }

        /// <summary>
        /// POST /v1/image/descr/attach/{sha256}: tags the uploaded image, or with <paramref name="checkOnly"/>
        /// only asks whether the tag would be accepted (gvmkit-build's dry run before any chunk is sent).
        /// </summary>
        public async Task AttachAsync(string descriptorSha256, ImageTag tag, RegistryCredential credential, bool checkOnly, CancellationToken cancellationToken)
        {
            var fields = new List<KeyValuePair<string, string>>
            {
                new KeyValuePair<string, string>("tag", tag.Tag),
                new KeyValuePair<string, string>("username", tag.User),
                new KeyValuePair<string, string>("repository", tag.Repository),
                new KeyValuePair<string, string>("login", credential.UserName),
                new KeyValuePair<string, string>("token", credential.Token),
            };
            if (checkOnly)
            {
                fields.Add(new KeyValuePair<string, string>("check", "true"));
            }

            string what = checkOnly ? $"the check that tag {tag} can be attached" : $"attaching tag {tag}";
            using (HttpResponseMessage response = await SendAsync(HttpMethod.Post, "v1/image/descr/attach/" + descriptorSha256, () => Form(fields, null, null), what, null, cancellationToken).ConfigureAwait(false))
            {
                if (response.StatusCode == HttpStatusCode.OK)
                {
                    return;
                }

                string body = await ReadMessageAsync(response).ConfigureAwait(false);
                switch (response.StatusCode)
                {
                    case HttpStatusCode.Unauthorized:
                        throw new GolemImageException(ErrorIds.RegistryAuthenticationFailed, GolemErrorCategory.AuthenticationError, $"The registry {baseUri} refused the personal access token of user '{credential.UserName}' for tag {tag} ({body}).", tag.ToString());
                    case HttpStatusCode.Forbidden:
                        throw new GolemImageException(ErrorIds.RegistryPermissionDenied, GolemErrorCategory.PermissionDenied, $"User '{credential.UserName}' may not attach tag {tag} at {baseUri} ({body}).", tag.ToString());
                    case HttpStatusCode.NotFound:
                        throw new GolemImageException(ErrorIds.RegistryRepositoryNotFound, GolemErrorCategory.ObjectNotFound, $"The registry {baseUri} has no repository '{tag.User}/{tag.Repository}' (or no such descriptor) to attach tag {tag} to ({body}). Create the repository on the registry portal first.", tag.ToString());
                    case HttpStatusCode.BadRequest:
                        throw new GolemImageException(ErrorIds.RegistryRejectedTag, GolemErrorCategory.InvalidArgument, $"The registry {baseUri} refused tag {tag} ({body}).", tag.ToString());
                    default:
                        throw Unexpected(response, body, what);
                }
            }
        }

        /// <summary>GET /v1/image/info?hash=...&amp;dev=true (dev: looking it up is not a use); null when the registry does not know it.</summary>
        public Task<ImageInfo?> GetImageInfoAsync(string sha3Hex, CancellationToken cancellationToken) =>
            GetImageInfoAsync(ImageQuery.ForHash(sha3Hex), cancellationToken);

        /// <summary>GET /v1/image/info?tag=...|hash=...&amp;dev=true; null when the registry does not know the tag or hash (404).</summary>
        public async Task<ImageInfo?> GetImageInfoAsync(ImageQuery query, CancellationToken cancellationToken)
        {
            using (HttpResponseMessage response = await SendAsync(HttpMethod.Get, "v1/image/info?" + query.ToInfoQuery(), null, "the image info", null, cancellationToken).ConfigureAwait(false))
            {
                string body = await ReadBodyAsync(response).ConfigureAwait(false);
                if (response.StatusCode == HttpStatusCode.NotFound)
                {
                    return null;
                }

                if (response.StatusCode != HttpStatusCode.OK)
                {
                    throw Unexpected(response, Summarize(body), "the image info");
                }

                try
                {
                    using (JsonDocument document = JsonDocument.Parse(body))
                    {
                        JsonElement root = document.RootElement;
                        return new ImageInfo(
                            root.GetProperty("http").GetString() ?? string.Empty,
                            root.GetProperty("https").GetString() ?? string.Empty,
                            root.GetProperty("sha3").GetString() ?? string.Empty,
                            root.TryGetProperty("size", out JsonElement size) && size.ValueKind == JsonValueKind.Number ? size.GetInt64() : -1);
                    }
                }
                catch (Exception ex) when (ex is JsonException || ex is InvalidOperationException || ex is KeyNotFoundException || ex is FormatException)
                {
                    throw new GolemImageException(ErrorIds.RegistryProtocolError, GolemErrorCategory.ProtocolError, $"The registry {baseUri} answered the image info with something that is not the expected JSON: {Summarize(body)}", baseUri.ToString(), ex);
                }
            }
        }

        private static bool IsSuccess(HttpResponseMessage response) => (int)response.StatusCode >= 200 && (int)response.StatusCode < 300;

        private static bool IsTransient(HttpStatusCode status) =>
            (int)status >= 500 || (int)status == 429 || status == HttpStatusCode.RequestTimeout;

        private static string JsonString(string value)
        {
            var builder = new StringBuilder("\"");
            foreach (char c in value)
            {
                if (c == '"' || c == '\\')
                {
                    builder.Append('\\').Append(c);
                }
                else if (c < ' ')
                {
                    builder.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
                }
                else
                {
                    builder.Append(c);
                }
            }

            return builder.Append('"').ToString();
        }

        /// <summary>
        /// multipart/form-data the way gvmkit-build's reqwest writes it: quoted field names, text fields
        /// without a content type, an unquoted boundary (some servers choke on a quoted one).
        /// </summary>
        private static MultipartFormDataContent Form(IEnumerable<KeyValuePair<string, string>> fields, HttpContent? file, string? fileName)
        {
            string boundary = "GolemImage" + Guid.NewGuid().ToString("N");
            var form = new MultipartFormDataContent(boundary);
            form.Headers.ContentType = MediaTypeHeaderValue.Parse("multipart/form-data; boundary=" + boundary);
            foreach (KeyValuePair<string, string> field in fields)
            {
                var part = new ByteArrayContent(Encoding.UTF8.GetBytes(field.Value));
                part.Headers.ContentDisposition = new ContentDispositionHeaderValue("form-data") { Name = "\"" + field.Key + "\"" };
                form.Add(part);
            }

            if (file != null)
            {
                file.Headers.ContentDisposition = new ContentDispositionHeaderValue("form-data") { Name = "\"file\"", FileName = "\"" + fileName + "\"" };
                file.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
                form.Add(file);
            }

            return form;
        }

        private static string Truncate(string text)
        {
            text = text.Trim();
            return text.Length > 300 ? text.Substring(0, 300) + "..." : text;
        }

        private static TimeSpan? RetryAfter(HttpResponseMessage response)
        {
            RetryConditionHeaderValue? header = response.Headers.RetryAfter;
            if (header?.Delta != null)
            {
                return header.Delta.Value;
            }

            if (header?.Date != null)
            {
                TimeSpan wait = header.Date.Value - DateTimeOffset.UtcNow;
                return wait > TimeSpan.Zero ? wait : TimeSpan.Zero;
            }

            return null;
        }

        private Uri Resolve(string relative) => new Uri(baseUri, relative);

        /// <summary>Server text may quote what it was sent; the token never leaves this class inside a message.</summary>
        private string Scrub(string text) => secret == null ? text : text.Replace(secret, "***");

        private static async Task<string> ReadBodyAsync(HttpResponseMessage response)
        {
            try
            {
                return await response.Content.ReadAsStringAsync().ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is IOException || ex is HttpRequestException || ex is InvalidOperationException)
            {
                return string.Empty;
            }
        }

        /// <summary>The server's answer, short and scrubbed, fit to quote in a message.</summary>
        private async Task<string> ReadMessageAsync(HttpResponseMessage response) => Summarize(await ReadBodyAsync(response).ConfigureAwait(false));

        private string Summarize(string body)
        {
            string text = Scrub(Truncate(body));
            return text.Length == 0 ? "no message" : text;
        }

        private GolemImageException Unexpected(HttpResponseMessage response, string body, string what) =>
            new GolemImageException(ErrorIds.RegistryRequestFailed, GolemErrorCategory.ProtocolError, $"The registry {baseUri} answered {what} with HTTP {(int)response.StatusCode} {response.ReasonPhrase}: {body}", baseUri.ToString());

        private TimeSpan Backoff(int attempt)
        {
            double initial = retry.InitialDelay.TotalMilliseconds;
            double delay = Math.Min(retry.MaximumDelay.TotalMilliseconds, initial * Math.Pow(2, attempt));
            double factor;
            lock (jitter)
            {
                factor = 0.75 + (jitter.NextDouble() * 0.5);
            }

            return TimeSpan.FromMilliseconds(delay * factor);
        }

        private async Task<HttpResponseMessage> SendAsync(HttpMethod method, string relative, Func<HttpContent>? content, string what, TimeSpan? timeout, CancellationToken cancellationToken)
        {
            for (int attempt = 0; ; attempt++)
            {
                string problem;
                TimeSpan? retryAfter = null;
                TimeSpan deadline = timeout ?? retry.RequestTimeout;
                using (var attemptCancellation = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
                {
                    attemptCancellation.CancelAfter(deadline);
                    try
                    {
                        Uri url = Resolve(relative);
                        using (var request = new HttpRequestMessage(method, url) { Content = content?.Invoke() })
                        {
                            HttpResponseMessage response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, attemptCancellation.Token).ConfigureAwait(false);
                            try
                            {
                                // Every answer is a short JSON document or message: read whole, within this attempt's
                                // deadline, but never more than that on the server's word.
                                await BoundedAnswer.BufferAsync(response, BoundedAnswer.JsonLimit, size => TooLarge(url, what, size), attemptCancellation.Token).ConfigureAwait(false);
                            }
                            catch
                            {
                                response.Dispose();
                                throw;
                            }

                            if (!IsTransient(response.StatusCode))
                            {
                                return response;
                            }

                            using (response)
                            {
                                retryAfter = RetryAfter(response);
                                problem = $"HTTP {(int)response.StatusCode} {response.ReasonPhrase}: {await ReadMessageAsync(response).ConfigureAwait(false)}";
                            }
                        }
                    }
                    catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
                    {
                        problem = $"no answer within {deadline.TotalSeconds:0} s";
                    }
                    catch (HttpRequestException ex) when (ex.InnerException is AuthenticationException)
                    {
                        throw new GolemImageException(ErrorIds.RegistryTlsError, GolemErrorCategory.ConnectionError, $"The TLS connection to {baseUri} failed for {what}: {Scrub(ex.InnerException.Message)}", baseUri.ToString(), ex);
                    }
                    catch (HttpRequestException ex)
                    {
                        problem = Scrub(Innermost(ex));
                    }
                    catch (IOException ex)
                    {
                        problem = Scrub(ex.Message);
                    }
                }

                if (attempt >= retry.MaximumRetryCount)
                {
                    throw new GolemImageException(ErrorIds.RegistryUnavailable, GolemErrorCategory.ConnectionError, $"The registry {baseUri} failed {what} {attempt + 1} times; the last failure: {problem}", baseUri.ToString());
                }

                TimeSpan pause = retryAfter.HasValue ? TimeSpan.FromTicks(Math.Min(retryAfter.Value.Ticks, TimeSpan.FromMinutes(2).Ticks)) : Backoff(attempt);
                reporter.Verbose(FormattableString.Invariant($"{char.ToUpperInvariant(what[0])}{what.Substring(1)} failed ({problem}); retry {attempt + 1} of {retry.MaximumRetryCount} in {pause.TotalSeconds:0.0} s."));
                await Task.Delay(pause, cancellationToken).ConfigureAwait(false);
            }
        }

        private GolemImageException TooLarge(Uri url, string what, string size) =>
            new GolemImageException(ErrorIds.RegistryProtocolError, GolemErrorCategory.ProtocolError, $"The registry {baseUri} answered {what} ({url}) with {size}; its answers are short JSON documents.", url.ToString());

        private static string Innermost(Exception ex)
        {
            var messages = new List<string>();
            for (Exception? e = ex; e != null; e = e.InnerException)
            {
                if (!messages.Contains(e.Message))
                {
                    messages.Add(e.Message);
                }
            }

            return string.Join(" ", messages);
        }
    }
}
