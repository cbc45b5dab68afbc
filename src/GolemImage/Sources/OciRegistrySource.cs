using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Net;
using System.Net.Http;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;
using GolemImage.Reporting;

namespace GolemImage.Sources
{
    /// <summary>
    /// Images straight from an OCI distribution registry, no daemon: anonymous, basic or Docker Hub-style bearer
    /// token authentication (negotiated from WWW-Authenticate), manifest lists and image indexes resolved by
    /// platform, every manifest, config and layer checked against its digest. Layers are streamed, not stored.
    /// Plain http is used only for loopback registries unless the caller allows it.
    /// </summary>
    public sealed class OciRegistrySource : IDisposable
    {
        private readonly HttpClient http;
        private readonly ImageReference reference;
        private readonly RegistryCredential? credential;
        private readonly IEngineReporter reporter;
        private readonly Uri baseUri;
        private readonly SemaphoreSlim authLock = new SemaphoreSlim(1, 1);
        private readonly TimeSpan responseTimeout;
        private AuthenticationHeaderValue? authorization;

        private OciRegistrySource(ImageReference reference, RegistryCredential? credential, bool allowHttp, IEngineReporter reporter, TimeSpan responseTimeout)
        {
            this.reference = reference;
            this.responseTimeout = responseTimeout;
            this.credential = credential;
            this.reporter = reporter;
            string host = reference.IsDockerHub ? "registry-1.docker.io" : reference.Registry;
            bool plain = allowHttp || IsLoopback(reference.Registry);
            baseUri = new Uri((plain ? "http://" : "https://") + host + "/v2/");
            TransportSecurity.EnsureTls12();
            http = new HttpClient(HttpHandlers.Create(handler => handler.AllowAutoRedirect = true)) { Timeout = Timeout.InfiniteTimeSpan };
            http.DefaultRequestHeaders.UserAgent.ParseAdd("GolemImage/0.1");
        }

        /// <summary>
        /// Finds <paramref name="image"/> in its registry and returns its config and streamable layers. The returned
        /// image owns the HTTP client; dispose it when the layers have been read.
        /// </summary>
        public static Task<ResolvedImage> OpenAsync(string image, ImagePlatform platform, bool force, RegistryCredential? credential, bool allowHttp, IEngineReporter reporter, CancellationToken cancellationToken) =>
            OpenAsync(image, platform, force, credential, allowHttp, reporter, DefaultResponseTimeout, cancellationToken);

        /// <summary>How long a request may wait for the registry's answer (and a blob read for its next byte).</summary>
        public static readonly TimeSpan DefaultResponseTimeout = TimeSpan.FromSeconds(60);

        internal static async Task<ResolvedImage> OpenAsync(string image, ImagePlatform platform, bool force, RegistryCredential? credential, bool allowHttp, IEngineReporter reporter, TimeSpan responseTimeout, CancellationToken cancellationToken)
        {
            ImageReference reference = ImageReference.Parse(image);
            credential ??= DockerConfigCredentials.Find(reference.Registry, reporter: reporter);

            var source = new OciRegistrySource(reference, credential, allowHttp, reporter, responseTimeout);
            try
            {
                ResolvedImage resolved = await source.ResolveAsync(platform, force, cancellationToken).ConfigureAwait(false);
                resolved.OnDispose(source.Dispose);
                return resolved;
            }
            catch
            {
                source.Dispose();
                throw;
            }
        }

        public void Dispose()
        {
            http.Dispose();
            authLock.Dispose();
        }

        internal static bool IsLoopback(string registry)
        {
            string host = registry;
            if (host.StartsWith("[", StringComparison.Ordinal))
            {
                int end = host.IndexOf(']');
                host = end > 0 ? host.Substring(1, end - 1) : host;
            }
            else
            {
                int colon = host.LastIndexOf(':');
                if (colon > 0)
                {
                    host = host.Substring(0, colon);
                }
            }

            if (string.Equals(host, "localhost", StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }

            return IPAddress.TryParse(host, out IPAddress? address) && IPAddress.IsLoopback(address);
        }

        private string Context => $"{reference} on {reference.Registry}";

        private async Task<ResolvedImage> ResolveAsync(ImagePlatform platform, bool force, CancellationToken cancellationToken)
        {
            reporter.Verbose($"Fetching the manifest of {reference} from {baseUri}.");
            (byte[] body, string? mediaType) = await GetManifestAsync(reference.ManifestReference, cancellationToken).ConfigureAwait(false);
            OciManifestDocument document = OciManifestDocument.Parse(body, mediaType, $"the manifest of {Context}", ErrorIds.RegistryError);
            for (int depth = 0; document.IsIndex; depth++)
            {
                if (depth > 4)
                {
                    throw Error(ErrorIds.RegistryError, GolemErrorCategory.InvalidData, $"the image indexes of {Context} nest too deeply.");
                }

                OciDescriptor chosen = PlatformSelector.Select(document.Manifests, platform, force, Context, reporter);
                reporter.Verbose($"{Context} is a multi-platform image; using the {chosen.Platform?.ToString() ?? "only"} manifest {chosen.Digest}.");
                (body, mediaType) = await GetManifestAsync(chosen.Digest, cancellationToken).ConfigureAwait(false);
                document = OciManifestDocument.Parse(body, mediaType ?? chosen.MediaType, $"manifest {chosen.Digest} of {Context}", ErrorIds.RegistryError);
            }

            if (document.Config == null)
            {
                throw Error(ErrorIds.RegistryError, GolemErrorCategory.InvalidData, $"the manifest of {Context} has no config.");
            }

            byte[] configBytes = await GetSmallBlobAsync(document.Config.Digest, document.Config.Size, cancellationToken).ConfigureAwait(false);
            ImageConfig config = ImageConfig.Parse(configBytes, $"the configuration of {Context}");
            PlatformSelector.CheckConfig(config, platform, force, Context, reporter);
            if (config.DiffIds.Count != document.Layers.Count)
            {
                throw Error(ErrorIds.RegistryError, GolemErrorCategory.InvalidData, $"the manifest of {Context} lists {document.Layers.Count} layers but its configuration has {config.DiffIds.Count} diff ids.");
            }

            var layers = new List<ImageLayer>();
            for (int i = 0; i < document.Layers.Count; i++)
            {
                OciDescriptor layer = document.Layers[i];
                layers.Add(new ImageLayer(
                    i,
                    $"layer {i + 1}/{document.Layers.Count} ({layer.Digest}) of {Context}",
                    layer.Digest,
                    config.DiffIds[i],
                    layer.Size,
                    (layerReporter, ct) => OpenBlobAsync(layer.Digest, layer.Size, layerReporter, ct),
                    ErrorIds.RegistryError));
            }

            reporter.Verbose($"Found {Context}: {config.Platform}, {layers.Count} layers, image id {config.ImageId}.");
            string name = reference.Digest != null && reference.Tag == null ? reference.FamiliarRepository + "@" + reference.Digest : reference.FamiliarRepository + ":" + (reference.Tag ?? "latest");
            return new ResolvedImage(config, layers, name, "Registry", $"registry {baseUri.GetLeftPart(UriPartial.Authority)}");
        }

        private async Task<(byte[] Body, string? MediaType)> GetManifestAsync(string manifestReference, CancellationToken cancellationToken)
        {
            var uri = new Uri(baseUri, reference.Repository + "/manifests/" + manifestReference);
            using (HttpResponseMessage response = await SendAsync(() =>
            {
                var request = new HttpRequestMessage(HttpMethod.Get, uri);
                request.Headers.Accept.ParseAdd(OciMediaTypes.AcceptManifests);
                return request;
            }, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false))
            {
                if (response.StatusCode == HttpStatusCode.NotFound)
                {
                    throw Error(ErrorIds.ImageNotFound, GolemErrorCategory.ObjectNotFound, $"the registry has no manifest '{manifestReference}' for {reference.Repository}.");
                }

                await EnsureSuccessAsync(response, $"the manifest of {Context}").ConfigureAwait(false);
                byte[] body = await ReadAnswerAsync(response, uri, BoundedAnswer.ManifestLimit, "a manifest", cancellationToken).ConfigureAwait(false);
                if (ImageReference.IsDigest(manifestReference))
                {
                    VerifyDigest(body, manifestReference, $"manifest {manifestReference}");
                }

                return (body, response.Content.Headers.ContentType?.MediaType);
            }
        }

        private async Task<byte[]> GetSmallBlobAsync(string digest, long size, CancellationToken cancellationToken)
        {
            if (size > BoundedAnswer.ConfigLimit)
            {
                throw Error(ErrorIds.RegistryError, GolemErrorCategory.InvalidData, $"the manifest gives blob {digest} a size of {size} bytes, more than the {BoundedAnswer.ConfigLimit >> 20} MiB an image config may hold.");
            }

            using (Stream stream = await OpenBlobAsync(digest, size, reporter, cancellationToken).ConfigureAwait(false))
            using (var buffer = new MemoryStream())
            {
                await stream.CopyToAsync(buffer, 81920, cancellationToken).ConfigureAwait(false);
                byte[] bytes = buffer.ToArray();
                VerifyDigest(bytes, digest, $"blob {digest}");
                return bytes;
            }
        }

        private async Task<Stream> OpenBlobAsync(string digest, long size, IEngineReporter blobReporter, CancellationToken cancellationToken)
        {
            Stream first = await OpenBlobBodyAsync(digest, 0, cancellationToken).ConfigureAwait(false);
            return new ResumableBlobStream(
                first,
                (offset, ct) => OpenBlobBodyAsync(digest, offset, ct),
                size,
                $"blob {digest}",
                blobReporter,
                (message, inner) => Error(ErrorIds.RegistryUnavailable, GolemErrorCategory.ConnectionError, message, inner),
                TimeSpan.FromMilliseconds(250),
                responseTimeout);
        }

        /// <summary>The blob's body from byte <paramref name="offset"/> on (a range request when it is not 0).</summary>
        private async Task<Stream> OpenBlobBodyAsync(string digest, long offset, CancellationToken cancellationToken)
        {
            var uri = new Uri(baseUri, reference.Repository + "/blobs/" + digest);
            HttpResponseMessage response = await SendAsync(() =>
            {
                var request = new HttpRequestMessage(HttpMethod.Get, uri);
                if (offset > 0)
                {
                    request.Headers.Range = new RangeHeaderValue(offset, null);
                }

                return request;
            }, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
            try
            {
                if (response.StatusCode == HttpStatusCode.NotFound)
                {
                    throw Error(ErrorIds.RegistryError, GolemErrorCategory.ObjectNotFound, $"the registry has no blob {digest} for {reference.Repository}.");
                }

                await EnsureSuccessAsync(response, $"blob {digest} of {Context}").ConfigureAwait(false);
                Stream content = await response.Content.ReadAsStreamAsync().ConfigureAwait(false);
                var body = new ResponseStream(content, response);
                if (offset > 0 && response.StatusCode != HttpStatusCode.PartialContent)
                {
                    // A server (or proxy) that ignores ranges sends the whole blob again: skip what we have.
                    await SkipAsync(body, offset, digest, cancellationToken).ConfigureAwait(false);
                }
                else if (offset > 0 && response.Content.Headers.ContentRange?.From != offset)
                {
                    body.Dispose();
                    throw Error(ErrorIds.RegistryError, GolemErrorCategory.ProtocolError, $"the registry answered a request for blob {digest} from byte {offset} with the range '{response.Content.Headers.ContentRange}'.");
                }

                return body;
            }
            catch
            {
                response.Dispose();
                throw;
            }
        }

        private async Task SkipAsync(Stream body, long offset, string digest, CancellationToken cancellationToken)
        {
            byte[] scratch = new byte[81920];
            for (long left = offset; left > 0;)
            {
                int read = await body.ReadAsync(scratch, 0, (int)Math.Min(scratch.Length, left), cancellationToken).ConfigureAwait(false);
                if (read == 0)
                {
                    body.Dispose();
                    throw Error(ErrorIds.RegistryUnavailable, GolemErrorCategory.ConnectionError, $"blob {digest} ended before byte {offset} when it was sent again.");
                }

                left -= read;
            }
        }

        /// <summary>
        /// One HTTP exchange, up to the response headers (or the whole body with ResponseContentRead), within the
        /// response timeout: HttpClient.Timeout is infinite because a layer's body takes as long as it takes, so without
        /// this a server that accepts the connection and never answers would hold the conversion forever.
        /// </summary>
        private async Task<HttpResponseMessage> ExchangeAsync(HttpRequestMessage request, HttpCompletionOption completion, CancellationToken cancellationToken)
        {
            string server = request.RequestUri!.GetLeftPart(UriPartial.Authority);
            using (var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
            {
                timeout.CancelAfter(responseTimeout);
                try
                {
                    return await http.SendAsync(request, completion, timeout.Token).ConfigureAwait(false);
                }
                catch (HttpRequestException ex)
                {
                    throw Error(ErrorIds.RegistryUnavailable, GolemErrorCategory.ConnectionError, $"cannot reach {server}: {ex.InnerException?.Message ?? ex.Message}", ex);
                }
                catch (OperationCanceledException ex) when (!cancellationToken.IsCancellationRequested)
                {
                    throw Error(ErrorIds.RegistryUnavailable, GolemErrorCategory.ConnectionError, FormattableString.Invariant($"{server} did not answer within {responseTimeout.TotalSeconds:0.#} s."), ex);
                }
            }
        }

        /// <summary>
        /// A small answer's body (a manifest, a token answer), whole, within the response timeout and
        /// <paramref name="limit"/>: its size is the server's word, and nothing this module reads that way is large.
        /// </summary>
        private async Task<byte[]> ReadAnswerAsync(HttpResponseMessage response, Uri uri, int limit, string what, CancellationToken cancellationToken)
        {
            using (var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
            {
                timeout.CancelAfter(responseTimeout);
                try
                {
                    return await BoundedAnswer.ReadAsync(
                        response.Content,
                        limit,
                        size => Error(ErrorIds.RegistryError, GolemErrorCategory.InvalidData, $"{uri} answered with {what} of {size}."),
                        timeout.Token).ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is HttpRequestException || ex is IOException)
                {
                    throw Error(ErrorIds.RegistryUnavailable, GolemErrorCategory.ConnectionError, $"reading {what} from {uri} failed: {ex.InnerException?.Message ?? ex.Message}", ex);
                }
                catch (OperationCanceledException ex) when (!cancellationToken.IsCancellationRequested)
                {
                    throw Error(ErrorIds.RegistryUnavailable, GolemErrorCategory.ConnectionError, FormattableString.Invariant($"{uri.GetLeftPart(UriPartial.Authority)} did not send {what} within {responseTimeout.TotalSeconds:0.#} s."), ex);
                }
            }
        }

        private async Task<HttpResponseMessage> SendAsync(Func<HttpRequestMessage> createRequest, HttpCompletionOption completion, CancellationToken cancellationToken)
        {
            for (int attempt = 0; ; attempt++)
            {
                HttpRequestMessage request = createRequest();
                AuthenticationHeaderValue? current = authorization;
                if (current != null)
                {
                    request.Headers.Authorization = current;
                }

                HttpResponseMessage response = await ExchangeAsync(request, completion, cancellationToken).ConfigureAwait(false);

                if (response.StatusCode != HttpStatusCode.Unauthorized || attempt > 0)
                {
                    if (response.StatusCode == HttpStatusCode.Unauthorized || (response.StatusCode == HttpStatusCode.Forbidden && authorization != null))
                    {
                        response.Dispose();
                        throw Error(
                            ErrorIds.AuthenticationFailed,
                            GolemErrorCategory.AuthenticationError,
                            credential == null
                                ? $"the registry requires credentials for {reference.Repository}; pass -Credential or log in with 'docker login {reference.Registry}'."
                                : $"the registry refused the credentials of '{credential.UserName}' for {reference.Repository}.");
                    }

                    return response;
                }

                AuthenticationHeaderValue? challenge = response.Headers.WwwAuthenticate.FirstOrDefault();
                response.Dispose();
                await AuthenticateAsync(challenge, current, cancellationToken).ConfigureAwait(false);
            }
        }

        private async Task AuthenticateAsync(AuthenticationHeaderValue? challenge, AuthenticationHeaderValue? failed, CancellationToken cancellationToken)
        {
            await authLock.WaitAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                if (authorization != failed)
                {
                    return;
                }

                if (challenge == null)
                {
                    throw Error(ErrorIds.AuthenticationFailed, GolemErrorCategory.AuthenticationError, "the registry answered 401 without a WWW-Authenticate challenge.");
                }

                if (string.Equals(challenge.Scheme, "Basic", StringComparison.OrdinalIgnoreCase))
                {
                    if (credential == null)
                    {
                        throw Error(ErrorIds.AuthenticationFailed, GolemErrorCategory.AuthenticationError, $"the registry requires a user name and password; pass -Credential or log in with 'docker login {reference.Registry}'.");
                    }

                    authorization = BasicHeader(credential);
                    return;
                }

                if (!string.Equals(challenge.Scheme, "Bearer", StringComparison.OrdinalIgnoreCase))
                {
                    throw Error(ErrorIds.AuthenticationFailed, GolemErrorCategory.AuthenticationError, $"the registry asks for the unsupported authentication scheme '{challenge.Scheme}'.");
                }

                Dictionary<string, string> parameters = ParseChallenge(challenge.Parameter ?? string.Empty);
                if (!parameters.TryGetValue("realm", out string? realm) || !Uri.TryCreate(realm, UriKind.Absolute, out Uri? realmUri))
                {
                    throw Error(ErrorIds.AuthenticationFailed, GolemErrorCategory.AuthenticationError, "the registry's bearer challenge names no token realm.");
                }

                var query = new StringBuilder();
                if (parameters.TryGetValue("service", out string? service))
                {
                    query.Append("service=").Append(Uri.EscapeDataString(service));
                }

                string scope = parameters.TryGetValue("scope", out string? s) ? s : $"repository:{reference.Repository}:pull";
                query.Append(query.Length > 0 ? "&" : string.Empty).Append("scope=").Append(Uri.EscapeDataString(scope));
                var tokenUri = new UriBuilder(realmUri) { Query = query.ToString() }.Uri;
                reporter.Verbose($"Requesting a pull token from {realmUri.GetLeftPart(UriPartial.Path)} for {scope}{(credential != null ? " as " + credential.UserName : " anonymously")}.");
                using (var request = new HttpRequestMessage(HttpMethod.Get, tokenUri))
                {
                    if (credential != null)
                    {
                        request.Headers.Authorization = BasicHeader(credential);
                    }

                    using (HttpResponseMessage response = await ExchangeAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false))
                    {
                        if (response.StatusCode == HttpStatusCode.Unauthorized || response.StatusCode == HttpStatusCode.Forbidden)
                        {
                            throw Error(ErrorIds.AuthenticationFailed, GolemErrorCategory.AuthenticationError, credential == null ? "the token service refused anonymous access; pass -Credential." : $"the token service refused the credentials of '{credential.UserName}'.");
                        }

                        await EnsureSuccessAsync(response, "the token request").ConfigureAwait(false);
                        byte[] body = await ReadAnswerAsync(response, tokenUri, BoundedAnswer.JsonLimit, "a token answer", cancellationToken).ConfigureAwait(false);
                        try
                        {
                            using (JsonDocument document = JsonDocument.Parse(body))
                            {
                                string? token = null;
                                if (document.RootElement.TryGetProperty("token", out JsonElement t) && t.ValueKind == JsonValueKind.String)
                                {
                                    token = t.GetString();
                                }
                                else if (document.RootElement.TryGetProperty("access_token", out JsonElement a) && a.ValueKind == JsonValueKind.String)
                                {
                                    token = a.GetString();
                                }

                                if (string.IsNullOrEmpty(token))
                                {
                                    throw new JsonException("no token in the response");
                                }

                                authorization = new AuthenticationHeaderValue("Bearer", token);
                            }
                        }
                        catch (Exception ex) when (ex is JsonException || ex is InvalidOperationException)
                        {
                            throw Error(ErrorIds.AuthenticationFailed, GolemErrorCategory.AuthenticationError, $"the token service's answer is not understood: {ex.Message}", ex);
                        }
                    }
                }
            }
            finally
            {
                authLock.Release();
            }
        }

        internal static Dictionary<string, string> ParseChallenge(string parameter)
        {
            var result = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
            int i = 0;
            while (i < parameter.Length)
            {
                while (i < parameter.Length && (parameter[i] == ' ' || parameter[i] == ','))
                {
                    i++;
                }

                int equals = parameter.IndexOf('=', i);
                if (equals < 0)
                {
                    break;
                }

                string key = parameter.Substring(i, equals - i).Trim();
                i = equals + 1;
                string value;
                if (i < parameter.Length && parameter[i] == '"')
                {
                    var builder = new StringBuilder();
                    i++;
                    while (i < parameter.Length && parameter[i] != '"')
                    {
                        if (parameter[i] == '\\' && i + 1 < parameter.Length)
                        {
                            i++;
                        }

                        builder.Append(parameter[i]);
                        i++;
                    }

                    i++;
                    value = builder.ToString();
                }
                else
                {
                    int comma = parameter.IndexOf(',', i);
                    value = (comma < 0 ? parameter.Substring(i) : parameter.Substring(i, comma - i)).Trim();
                    i = comma < 0 ? parameter.Length : comma;
                }

                result[key] = value;
            }

            return result;
        }

        private static AuthenticationHeaderValue BasicHeader(RegistryCredential credential) =>
            new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes(credential.UserName + ":" + credential.Password)));

        private async Task EnsureSuccessAsync(HttpResponseMessage response, string what)
        {
            if (response.IsSuccessStatusCode)
            {
                return;
            }

            string detail = string.Empty;
            try
            {
                using (var timeout = new CancellationTokenSource(responseTimeout))
                {
                    detail = Encoding.UTF8.GetString(await BoundedAnswer.ReadPrefixAsync(response.Content, BoundedAnswer.DetailLimit, timeout.Token).ConfigureAwait(false));
                }

                if (detail.Length > 300)
                {
                    detail = detail.Substring(0, 300) + "...";
                }
            }
            catch (Exception ex) when (ex is HttpRequestException || ex is IOException || ex is OperationCanceledException)
            {
            }

            throw Error(ErrorIds.RegistryError, GolemErrorCategory.ProtocolError, $"fetching {what} failed with HTTP {(int)response.StatusCode} {response.ReasonPhrase}. {detail}".TrimEnd());
        }

        private void VerifyDigest(byte[] body, string digest, string what)
        {
            using (var sha = SHA256.Create())
            {
                string actual = "sha256:" + ImageConfig.ToHex(sha.ComputeHash(body));
                if (actual != digest)
                {
                    throw Error(ErrorIds.RegistryError, GolemErrorCategory.InvalidData, $"{what} has digest {actual}, not {digest}; the registry sent corrupt data.");
                }
            }
        }

        private GolemImageException Error(string errorId, GolemErrorCategory category, string message, Exception? inner = null) =>
            new GolemImageException(errorId, category, $"Registry {reference.Registry}, image {reference}: {message}", reference.Original, inner);

        /// <summary>A response body that disposes its response with it.</summary>
        private sealed class ResponseStream : ForwardOnlyReadStream
        {
            private readonly Stream inner;
            private readonly HttpResponseMessage response;

            public ResponseStream(Stream inner, HttpResponseMessage response)
            {
                this.inner = inner;
                this.response = response;
            }

            public override int Read(byte[] buffer, int offset, int count) => inner.Read(buffer, offset, count);

            public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
                inner.ReadAsync(buffer, offset, count, cancellationToken);

            protected override void Dispose(bool disposing)
            {
                if (disposing)
                {
                    inner.Dispose();
                    response.Dispose();
                }

                base.Dispose(disposing);
            }
        }
    }
}
