// A Golem registry test server: every endpoint gvmkit-build, yapapi and golem-js use (golem-gvmi-and-registry.md
// §2.1, §2.5), with the checks a real registry must make and switches for the faults a client must survive.
//
//   dotnet RegistryServer.dll --urls http://127.0.0.1:PORT --storage DIR [--user U --token T]
//       [--repositories u/a,u/b] [--delay-ms N] [--fault fail500:3] [--fault drop:*] ...
//
// Control (tests only): GET /_test/stats, POST /_test/reset (clears the counters), POST /_test/faults (body: one
// fault per line, see FaultInjector), DELETE /_test/faults, POST /_test/delay?ms=N, POST /_test/redirects?hops=N.
using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Security.Cryptography;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;
using GolemImage.RegistryServer;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.Logging;
using Microsoft.Net.Http.Headers;

ServerOptions options = ServerOptions.Parse(args);
var store = new RegistryStore(options.Storage);
var faults = new FaultInjector();
foreach (string fault in options.Faults)
{
    faults.Add(fault);
}

var stats = new ServerStats();
int delayMilliseconds = options.DelayMilliseconds;
int redirectHops = 0;

WebApplicationBuilder builder = WebApplication.CreateBuilder(args);
builder.Logging.ClearProviders();
builder.Logging.AddSimpleConsole().SetMinimumLevel(LogLevel.Warning);
builder.WebHost.ConfigureKestrel(kestrel => kestrel.Limits.MaxRequestBodySize = null);
WebApplication app = builder.Build();

app.Use(async (context, next) =>
{
    if (!context.Request.Path.StartsWithSegments("/_test"))
    {
        stats.Request(context.Request.Method + " " + EndpointName(context.Request.Path));
        int delay = Volatile.Read(ref delayMilliseconds);
        if (delay > 0)
        {
            await Task.Delay(delay);
        }
    }

    await next(context);
});

app.MapPost("/auth/pat/login", async (HttpContext context) =>
{
    try
    {
        using JsonDocument body = await JsonDocument.ParseAsync(context.Request.Body);
        string? user = body.RootElement.GetProperty("username").GetString();
        string? token = body.RootElement.GetProperty("password").GetString();
        return user == options.User && token == options.Token
            ? Results.Text("OK")
            : Results.Text("Invalid username or personal access token", statusCode: 401);
    }
    catch (Exception ex) when (ex is JsonException || ex is KeyNotFoundException || ex is InvalidOperationException)
    {
        return Results.Text("Expected JSON {\"username\", \"password\"}", statusCode: 400);
    }
});

app.MapGet("/v1/image/descr/{id}", (string id) =>
{
    Descriptor? descriptor = store.Load(id);
    if (descriptor == null)
    {
        return Results.Json(new { descriptor = "not found" }, statusCode: 404);
    }

    bool[] flags = store.ChunkFlags(id, descriptor);
    string status = store.IsFull(id) ? "full" : store.CorruptReason(id) != null ? "corrupt" : flags.Any(f => f) ? "partial" : "empty";
    return Results.Json(new { descriptor = "ok", version = RegistryStore.DescriptorVersion, status, chunks = flags.Select(f => f ? 1 : 0).ToArray() });
});

app.MapPost("/v1/image/push/descr", async (HttpContext context) =>
{
    (Dictionary<string, string> fields, byte[]? file, IResult? error) = await ReadFormAsync(context, null);
    if (error != null)
    {
        return error;
    }

    if (file == null)
    {
        return Results.Text("multipart part 'file' (the descriptor) is missing", statusCode: 400);
    }

    string? problem = RegistryStore.Validate(file, out Descriptor? descriptor);
    if (problem != null)
    {
        return Results.Text("Invalid descriptor: " + problem, statusCode: 400);
    }

    string id = store.Store(file);
    store.AssembleWhenComplete(id, descriptor!);
    return Results.Text(id);
});

app.MapPost("/v1/image/push/chunk", async (HttpContext context) =>
{
    (Dictionary<string, string> fields, byte[]? file, IResult? error) = await ReadFormAsync(context, number => faults.Take(number));
    if (error != null)
    {
        return error;
    }

    string[] required = { "descr-sha256", "chunk-no", "chunk-sha256", "chunk-pos", "chunk-len" };
    string? absent = required.FirstOrDefault(name => !fields.ContainsKey(name));
    if (absent != null || file == null)
    {
        return Results.Text($"multipart field '{absent ?? "file"}' is missing", statusCode: 400);
    }

    string id = fields["descr-sha256"];
    Descriptor? descriptor = store.Load(id);
    if (descriptor == null)
    {
        return Results.Text($"unknown descriptor {id}", statusCode: 404);
    }

    if (!int.TryParse(fields["chunk-no"], out int number) || number < 0 || number >= descriptor.Chunks.Length)
    {
        return Results.Text($"chunk-no '{fields["chunk-no"]}' is not a chunk of this descriptor ({descriptor.Chunks.Length} chunks)", statusCode: 400);
    }

    if (fields["chunk-pos"] != descriptor.ChunkPosition(number).ToString() || fields["chunk-len"] != descriptor.ChunkLength(number).ToString())
    {
        return Results.Text($"chunk {number} is at {descriptor.ChunkPosition(number)} with {descriptor.ChunkLength(number)} bytes, not at {fields["chunk-pos"]} with {fields["chunk-len"]}", statusCode: 400);
    }

    if (file.Length != descriptor.ChunkLength(number))
    {
        return Results.Text($"chunk {number} has {file.Length} bytes, the descriptor says {descriptor.ChunkLength(number)}", statusCode: 400);
    }

    string actual = RegistryStore.Hex(SHA256.HashData(file));
    string expected = RegistryStore.Hex(descriptor.Chunks[number]);
    if (fields["chunk-sha256"] != expected || actual != expected)
    {
        return Results.Text($"chunk {number} has sha256 {actual} (declared {fields["chunk-sha256"]}), the descriptor says {expected}", statusCode: 400);
    }

    if (!store.IsFull(id))
    {
        store.StoreChunk(id, number, file);
        stats.ChunkStored(file.Length);
        store.AssembleWhenComplete(id, descriptor);
    }

    return Results.Text("ok");
});

app.MapPost("/v1/image/descr/attach/{id}", async (HttpContext context, string id) =>
{
    (Dictionary<string, string> fields, byte[]? _, IResult? error) = await ReadFormAsync(context, null);
    if (error != null)
    {
        return error;
    }

    string Field(string name) => fields.TryGetValue(name, out string? value) ? value : string.Empty;
    if (Field("login") != options.User || Field("token") != options.Token)
    {
        return Results.Text("Invalid login or personal access token", statusCode: 401);
    }

    if (!TagSyntax.User.IsMatch(Field("username")) || !TagSyntax.Repository.IsMatch(Field("repository")) || !TagSyntax.Tag.IsMatch(Field("tag")))
    {
        return Results.Text($"Invalid tag '{Field("username")}/{Field("repository")}:{Field("tag")}'", statusCode: 400);
    }

    if (Field("username") != Field("login"))
    {
        return Results.Text($"User '{Field("login")}' cannot push to the namespace of '{Field("username")}'", statusCode: 403);
    }

    if (options.Repositories != null && !options.Repositories.Contains(Field("username") + "/" + Field("repository")))
    {
        return Results.Text($"Repository '{Field("username")}/{Field("repository")}' not found", statusCode: 404);
    }

    if (store.Load(id) == null)
    {
        return Results.Text($"Descriptor {id} not found", statusCode: 404);
    }

    if (Field("check") == "true")
    {
        return Results.Text("Image can be attached");
    }

    if (!store.IsFull(id))
    {
        return Results.Text($"Image {id} is not fully uploaded", statusCode: 409);
    }

    store.SetTag(Field("username"), Field("repository"), Field("tag"), id);
    return Results.Text($"Attached {Field("username")}/{Field("repository")}:{Field("tag")}");
});

app.MapGet("/v1/image/info", (HttpContext context) =>
{
    if (!TryQueryImage(context, out string? sha3))
    {
        return Results.Text("exactly one of tag= or hash= is required", statusCode: 400);
    }

    string? path = sha3 == null ? null : store.ImagePathBySha3(sha3);
    if (path == null)
    {
        return Results.Text("image not found", statusCode: 404);
    }

    if (context.Request.Query["dev"] != "true" && context.Request.Query["count"] != "false")
    {
        stats.Request("count " + sha3);
    }

    string hostPath = context.Request.Host + context.Request.PathBase + "/download/" + sha3;
    return Results.Json(new { http = "http://" + hostPath, https = "https://" + hostPath, sha3, size = new FileInfo(path).Length });
});

// Downloads as a provider makes them: HEAD, then GET (Range to resume), following redirects. With /_test/redirects
// set, /download/ sends the client through that many hops of /cdn/ (a CDN in front of the store) before the bytes.
app.MapMethods("/download/{id}", new[] { "GET", "HEAD" }, (HttpContext context, string id) =>
{
    string? sha3 = RegistryStore.IsHex(id, 64) ? store.Sha3OfFull(id) : id;
    string? path = sha3 == null ? null : store.ImagePathBySha3(sha3);
    if (path == null)
    {
        return Results.Text("image not found", statusCode: 404);
    }

    int hops = Volatile.Read(ref redirectHops);
    return hops > 0 ? Results.Redirect($"/cdn/{hops - 1}/{sha3}") : ServeImage(context, path, sha3!);
});

app.MapMethods("/cdn/{hop:int}/{sha3}", new[] { "GET", "HEAD" }, (HttpContext context, int hop, string sha3) =>
{
    string? path = store.ImagePathBySha3(sha3);
    if (path == null)
    {
        return Results.Text("image not found", statusCode: 404);
    }

    return hop > 0 ? Results.Redirect($"/cdn/{hop - 1}/{sha3}") : ServeImage(context, path, sha3);
});

// golem-sdk-cli's manifest links: the image by hash or tag, through a redirect to its download link.
app.MapMethods("/v1/image/download", new[] { "GET", "HEAD" }, (HttpContext context) =>
{
    if (!TryQueryImage(context, out string? sha3))
    {
        return Results.Text("exactly one of tag= or hash= is required", statusCode: 400);
    }

    if (sha3 == null || store.ImagePathBySha3(sha3) == null)
    {
        return Results.Text("image not found", statusCode: 404);
    }

    string scheme = context.Request.Query["https"] == "true" ? "https" : "http";
    return Results.Redirect($"{scheme}://{context.Request.Host}{context.Request.PathBase}/download/{sha3}");
});

app.MapGet("/_test/stats", () => Results.Json(stats.Snapshot()));
app.MapPost("/_test/reset", () =>
{
    stats.Reset();
    return Results.Text("ok");
});
app.MapPost("/_test/faults", async (HttpContext context) =>
{
    using var reader = new StreamReader(context.Request.Body);
    foreach (string line in (await reader.ReadToEndAsync()).Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
    {
        faults.Add(line);
    }

    return Results.Text(faults.Pending.ToString());
});
app.MapDelete("/_test/faults", () =>
{
    faults.Clear();
    return Results.Text("ok");
});
app.MapGet("/_test/faults", () => Results.Text(faults.Pending.ToString()));
app.MapPost("/_test/redirects", (int hops) =>
{
    Volatile.Write(ref redirectHops, hops);
    return Results.Text("ok");
});
app.MapPost("/_test/delay", (int ms) =>
{
    Volatile.Write(ref delayMilliseconds, ms);
    return Results.Text("ok");
});

app.Run();

static string EndpointName(PathString path)
{
    string text = path.Value ?? string.Empty;
    foreach (string prefix in new[] { "/v1/image/descr/attach/", "/v1/image/descr/", "/download/", "/cdn/" })
    {
        if (text.StartsWith(prefix, StringComparison.Ordinal))
        {
            return prefix + "{id}";
        }
    }

    return text;
}

// The image bytes, Range requests answered as a file server does (206, Content-Range, 416), with the download faults
// armed for this GET applied. Every Range asked for is counted ("range bytes=N-"), so tests see how a client resumed.
// The image a tag= or hash= query names (null when unknown); false when the query names neither or both.
bool TryQueryImage(HttpContext context, out string? sha3)
{
    string? tag = context.Request.Query["tag"];
    string? hash = context.Request.Query["hash"];
    sha3 = hash?.ToLowerInvariant();
    if ((tag == null) == (hash == null))
    {
        return false;
    }

    if (tag != null)
    {
        System.Text.RegularExpressions.Match match = TagSyntax.FullTag.Match(tag);
        string? id = match.Success ? store.GetTag(match.Groups["user"].Value, match.Groups["repository"].Value, match.Groups["tag"].Value) : null;
        sha3 = id == null ? null : store.Sha3OfFull(id);
    }

    return true;
}

IResult ServeImage(HttpContext context, string path, string sha3)
{
    string range = context.Request.Headers.Range.ToString();
    if (range.Length > 0)
    {
        stats.Request("range " + range);
    }

    long flip = -1;
    long cut = -1;
    if (HttpMethods.IsGet(context.Request.Method))
    {
        foreach ((string kind, long argument) in faults.TakeDownload())
        {
            if (kind == "flip")
            {
                flip = argument;
            }
            else
            {
                cut = argument;
            }
        }
    }

    if (flip < 0 && cut < 0)
    {
        return Results.File(path, "application/octet-stream", sha3 + ".gvmi", enableRangeProcessing: true);
    }

    return Results.Stream(new FaultyFileStream(path, flip, cut), "application/octet-stream", sha3 + ".gvmi", enableRangeProcessing: true);
}

// Reads multipart/form-data as a stream, text fields first: a chunk's number is known before its bytes arrive,
// which is what lets a fault cut the connection halfway through the body.
static async Task<(Dictionary<string, string> Fields, byte[]? File, IResult? Error)> ReadFormAsync(HttpContext context, Func<int, (string Kind, int DelayMilliseconds)?>? chunkFault)
{
    var fields = new Dictionary<string, string>(StringComparer.Ordinal);
    if (!MediaTypeHeaderValue.TryParse(context.Request.ContentType, out MediaTypeHeaderValue? contentType) || contentType.Boundary.Length == 0)
    {
        return (fields, null, Results.Text("expected multipart/form-data", statusCode: 400));
    }

    string boundary = HeaderUtilities.RemoveQuotes(contentType.Boundary).Value ?? string.Empty;
    var reader = new MultipartReader(boundary, context.Request.Body) { BodyLengthLimit = null };
    byte[]? file = null;
    MultipartSection? section;
    while ((section = await reader.ReadNextSectionAsync()) != null)
    {
        if (!ContentDispositionHeaderValue.TryParse(section.ContentDisposition, out ContentDispositionHeaderValue? disposition))
        {
            return (fields, null, Results.Text("multipart section without Content-Disposition", statusCode: 400));
        }

        string name = HeaderUtilities.RemoveQuotes(disposition.Name).Value ?? string.Empty;
        if (name != "file")
        {
            using var text = new StreamReader(section.Body);
            fields[name] = await text.ReadToEndAsync();
            continue;
        }

        (string Kind, int DelayMilliseconds)? fault = null;
        if (chunkFault != null && fields.TryGetValue("chunk-no", out string? chunkText) && int.TryParse(chunkText, out int chunkNumber))
        {
            fault = chunkFault(chunkNumber);
        }

        var buffer = new MemoryStream();
        if (fault?.Kind == "drop")
        {
            long half = (fields.TryGetValue("chunk-len", out string? length) && long.TryParse(length, out long n) ? n : 2) / 2;
            var piece = new byte[Math.Max(1, half)];
            int got = 0;
            while (got < piece.Length)
            {
                int read = await section.Body.ReadAsync(piece.AsMemory(got));
                if (read == 0)
                {
                    break;
                }

                got += read;
            }

            context.Abort();
            return (fields, null, Results.Empty);
        }

        await section.Body.CopyToAsync(buffer);
        file = buffer.ToArray();
        switch (fault?.Kind)
        {
            case "fail500":
                return (fields, null, Results.Text("injected failure", statusCode: 500));
            case "throttle429":
                context.Response.Headers.RetryAfter = "1";
                return (fields, null, Results.Text("slow down", statusCode: 429));
            case "delay":
                await Task.Delay(fault.Value.DelayMilliseconds);
                break;
        }
    }

    return (fields, file, null);
}
