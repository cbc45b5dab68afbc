using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Net.Http;
using System.Threading;
using System.Threading.Tasks;
using GolemImage.Hashing;
using GolemImage.Reporting;
using GolemImage.Squashfs.Reading;

namespace GolemImage.Registry
{
    /// <summary>
    /// Checks that a URL serves an image the way a provider will fetch it for a self-hosted task package
    /// (hash:sha3:&lt;hex&gt;:&lt;url&gt;): yagna sends HEAD first (success, Content-Length, Accept-Ranges for resuming),
    /// follows up to 10 redirects, downloads with GET and compares the SHA3-224 with the one the task package names.
    /// </summary>
    public static class HostedImageCheck
    {
        internal const int HashActivityId = 91;
        private const int MaximumRedirects = 10;

        /// <summary>How long the server may keep silent: for an answer, and between two reads of the download (HttpClient's default timeout).</summary>
        private static readonly TimeSpan QuietLimit = TimeSpan.FromSeconds(100);

        /// <summary>Findings Url.Head, Url.Size, Url.Ranges and Url.Content for <paramref name="url"/> against the local image at <paramref name="path"/>.</summary>
        public static Task<IReadOnlyList<ValidationFinding>> CheckAsync(string path, Uri url, IEngineReporter reporter, CancellationToken cancellationToken)
        {
            return CheckAsync(path, url, reporter, QuietLimit, cancellationToken);
        }

        /// <param name="downloadQuietLimit">How long the download may stall (tests shorten it; answers always get <see cref="QuietLimit"/>).</param>
        internal static async Task<IReadOnlyList<ValidationFinding>> CheckAsync(string path, Uri url, IEngineReporter reporter, TimeSpan downloadQuietLimit, CancellationToken cancellationToken)
        {
            if (!url.IsAbsoluteUri || (url.Scheme != Uri.UriSchemeHttp && url.Scheme != Uri.UriSchemeHttps))
            {
                throw new GolemImageException(ErrorIds.InvalidUrl, GolemErrorCategory.InvalidArgument, $"'{url}' is not an http or https URL; providers download task packages over HTTP.", url);
            }

            var findings = new List<ValidationFinding>();
            long length = new FileInfo(path).Length;
            TransportSecurity.EnsureTls12();
            using (var http = new HttpClient(HttpHandlers.Create(handler =>
            {
                handler.AllowAutoRedirect = true;
                handler.MaxAutomaticRedirections = MaximumRedirects;
            })) { Timeout = Timeout.InfiniteTimeSpan })
            {
                http.DefaultRequestHeaders.UserAgent.ParseAdd("GolemImage/0.1");
                HttpResponseMessage head;
                using (var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
                {
                    deadline.CancelAfter(QuietLimit);
                    try
                    {
                        head = await http.SendAsync(new HttpRequestMessage(HttpMethod.Head, url), HttpCompletionOption.ResponseHeadersRead, deadline.Token).ConfigureAwait(false);
                    }
                    catch (Exception ex) when (ex is HttpRequestException || (ex is OperationCanceledException && !cancellationToken.IsCancellationRequested))
                    {
                        string why = ex is OperationCanceledException ? $"no answer within {Seconds(QuietLimit)}" : Describe(ex);
                        findings.Add(new ValidationFinding("Url.Head", ValidationResult.Failed, $"HEAD {url} failed: {why}."));
                        SkipAfterHead(findings);
                        return findings;
                    }
                }

                using (head)
                {
                    string answered = $"HEAD {url} answered {(int)head.StatusCode} {head.ReasonPhrase}" + Redirected(url, head);
                    if (!head.IsSuccessStatusCode)
                    {
                        findings.Add(new ValidationFinding("Url.Head", ValidationResult.Failed, answered + "; providers ask with HEAD before they download and give up on anything but success."));
                        SkipAfterHead(findings);
                        return findings;
                    }

                    findings.Add(new ValidationFinding("Url.Head", ValidationResult.Passed, answered + "."));
                    long? served = head.Content.Headers.ContentLength;
                    findings.Add(served == null
                        ? new ValidationFinding("Url.Size", ValidationResult.Warning, "The answer has no Content-Length, which providers read to size the download.")
                        : served == length
                            ? new ValidationFinding("Url.Size", ValidationResult.Passed, $"Content-Length {served} is the image's size.")
                            : new ValidationFinding("Url.Size", ValidationResult.Failed, $"The URL serves {served} bytes, the image has {length}: it is another file, or an older or partial copy."));
                    findings.Add(head.Headers.AcceptRanges.Contains("bytes", StringComparer.OrdinalIgnoreCase)
                        ? new ValidationFinding("Url.Ranges", ValidationResult.Passed, "The server accepts byte ranges, so a provider whose download breaks off resumes it.")
                        : new ValidationFinding("Url.Ranges", ValidationResult.Warning, "The answer has no 'Accept-Ranges: bytes': a provider whose download breaks off has to start it over."));
                }

                if (findings.Exists(f => f.Check == "Url.Size" && f.Result == ValidationResult.Failed))
                {
                    findings.Add(new ValidationFinding("Url.Content", ValidationResult.Skipped, "Not downloaded: the size already differs."));
                    return findings;
                }

                byte[] expected = await FileHasher.HashFileAsync(path, reporter, HashActivityId, cancellationToken).ConfigureAwait(false);
                byte[] actual;
                QuietLimitStream? body = null;
                using (var answer = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
                {
                    answer.CancelAfter(QuietLimit);
                    try
                    {
                        using (HttpResponseMessage get = await http.GetAsync(url, HttpCompletionOption.ResponseHeadersRead, answer.Token).ConfigureAwait(false))
                        {
                            answer.CancelAfter(Timeout.InfiniteTimeSpan);
                            if (!get.IsSuccessStatusCode)
                            {
                                findings.Add(new ValidationFinding("Url.Content", ValidationResult.Failed, $"GET {url} answered {(int)get.StatusCode} {get.ReasonPhrase}{Redirected(url, get)}, although HEAD succeeded."));
                                return findings;
                            }

                            using (body = new QuietLimitStream(await get.Content.ReadAsStreamAsync().ConfigureAwait(false), downloadQuietLimit, cancellationToken))
                            {
                                actual = await FileHasher.HashStreamAsync(body, url.ToString(), reporter, HashActivityId, body.Token).ConfigureAwait(false);
                            }
                        }
                    }
                    catch (Exception ex) when (!cancellationToken.IsCancellationRequested && (ex is HttpRequestException || ex is IOException || ex is ObjectDisposedException || ex is OperationCanceledException))
                    {
                        string why = answer.IsCancellationRequested
                            ? $"no answer to GET within {Seconds(QuietLimit)}"
                            : body != null && body.WentQuiet ? $"the server sent nothing for {Seconds(downloadQuietLimit)}" : Describe(ex);
                        findings.Add(new ValidationFinding("Url.Content", ValidationResult.Failed, $"The download from {url} broke off: {why}."));
                        return findings;
                    }
                    catch (Exception) when (cancellationToken.IsCancellationRequested)
                    {
                        // Cancelling closes the download, which surfaces as whatever the read was doing.
                        throw new OperationCanceledException(cancellationToken);
                    }
                }

                string expectedHex = HexString.Lower(expected);
                string actualHex = HexString.Lower(actual);
                findings.Add(actualHex == expectedHex
                    ? new ValidationFinding("Url.Content", ValidationResult.Passed, $"The file at the URL has the image's SHA3-224, so providers accept {TaskPackage.Format(expectedHex, url)}")
                    : new ValidationFinding("Url.Content", ValidationResult.Failed, $"The file at the URL has SHA3-224 {actualHex}, the image {expectedHex}: providers would reject the download."));
            }

            return findings;
        }

        private static void SkipAfterHead(List<ValidationFinding> findings)
        {
            foreach (string check in new[] { "Url.Size", "Url.Ranges", "Url.Content" })
            {
                findings.Add(new ValidationFinding(check, ValidationResult.Skipped, "Not checked: HEAD failed."));
            }
        }

        private static string Redirected(Uri asked, HttpResponseMessage response)
        {
            Uri? final = response.RequestMessage?.RequestUri;
            return final != null && final != asked ? $" (redirected to {final})" : string.Empty;
        }

        private static string Seconds(TimeSpan span) => FormattableString.Invariant($"{span.TotalSeconds:0.#} s");

        private static string Describe(Exception ex)
        {
            string? inner = ex.InnerException?.Message;
            return inner != null && !ex.Message.Contains(inner) ? $"{ex.Message} ({inner})" : ex.Message;
        }
    }
}
