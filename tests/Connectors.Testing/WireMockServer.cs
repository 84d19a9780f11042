using System.Diagnostics;
using System.Net.Http.Json;
using System.Reflection;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Connectors.Testing;

/// <summary>
/// A real WireMock standalone process (the jar from the npm package <c>wiremock</c>) on a free loopback port,
/// driven through its admin API.
/// </summary>
public sealed partial class WireMockServer : IAsyncDisposable
{
    private static readonly HttpClient Admin = new() { Timeout = TimeSpan.FromSeconds(30) };
    private readonly TestProcess _process;

    private WireMockServer(TestProcess process, Uri baseUri)
    {
        _process = process;
        BaseUri = baseUri;
    }

    /// <summary>The server's base address, e.g. <c>http://127.0.0.1:41234</c> (no trailing slash).</summary>
    public Uri BaseUri { get; }

    /// <summary>Where the contract mapping files live (<c>tests/contracts</c>).</summary>
    public static string ContractsDirectory => Metadata("ContractsDirectory");

    /// <summary>
    /// Starts WireMock on a port the operating system picks (<c>--port 0</c>), reads the bound port from WireMock's
    /// own output, waits for <c>/__admin/health</c>, and checks that the server answering there is this process (it
    /// serves a mapping with an id only this start knows). No port is chosen in advance, so none can be lost to
    /// another process.
    /// </summary>
    /// <param name="containerThreads">Jetty request threads.</param>
    /// <param name="maxJournalEntries">How many requests the journal keeps (counts are taken from it).</param>
    /// <param name="heap">The JVM's maximum heap, e.g. <c>512m</c>.</param>
    /// <exception cref="InvalidOperationException">When Java or the jar is missing, or WireMock does not start.</exception>
    public static async Task<WireMockServer> StartAsync(int containerThreads = 64, int maxJournalEntries = 20000, string heap = "512m")
    {
        var jar = Metadata("WireMockJar");
        if (!File.Exists(jar))
        {
            throw new InvalidOperationException($"The WireMock jar is missing at {jar}. Build the tests (it runs 'npm ci' in tests/) or run 'npm ci' there.");
        }

        var java = FindJava() ?? throw new InvalidOperationException(
            "Java was not found (JAVA_HOME or 'java' on PATH). The contract tests run the real WireMock standalone server, which needs Java 17 or later: install e.g. 'openjdk-17-jre-headless'.");

        var root = Directory.CreateTempSubdirectory("wiremock-").FullName;
        var owner = Guid.NewGuid();
        var ownerFile = Path.Combine(Directory.CreateDirectory(Path.Combine(root, "mappings")).FullName, "owner.json");
        await File.WriteAllTextAsync(ownerFile, $$"""{ "id": "{{owner}}", "request": { "urlPath": "/__harness/owner" }, "response": { "status": 204 } }""");

        var start = new ProcessStartInfo(java);
        foreach (var arg in new[]
        {
            "-Xmx" + heap, "-jar", jar,
            "--port", "0",
            "--bind-address", "127.0.0.1",
            "--root-dir", root,
            "--disable-banner",
            "--container-threads", containerThreads.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "--async-response-enabled", "true",
            "--jetty-accept-queue-size", "1000",
            "--max-request-journal-entries", maxJournalEntries.ToString(System.Globalization.CultureInfo.InvariantCulture),
        })
        {
            start.ArgumentList.Add(arg);
        }

        // WireMock prints its settings once started, among them "port:   41234".
        var (process, ready) = await TestProcess.StartAsync(start, PortLine(), "WireMock", TimeSpan.FromSeconds(90));
        var port = int.Parse(ready.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);

        var server = new WireMockServer(process, new Uri($"http://127.0.0.1:{port}"));
        try
        {
            await server.WaitUntilHealthyAsync();
            using var probe = await Admin.GetAsync(server.Url($"/__admin/mappings/{owner}"));
            if (!probe.IsSuccessStatusCode)
            {
                throw new InvalidOperationException($"The server on {server.BaseUri} is not the WireMock this harness started (HTTP {(int)probe.StatusCode} for its own mapping).");
            }

            // The owner mapping was only the proof; reset must not restore it from disk.
            File.Delete(ownerFile);
            await server.ResetAsync();
            return server;
        }
        catch
        {
            process.Kill();
            throw;
        }
    }

    [System.Text.RegularExpressions.GeneratedRegex(@"^port:\s+(\d+)\s*$")]
    private static partial System.Text.RegularExpressions.Regex PortLine();

    private async Task WaitUntilHealthyAsync()
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (DateTime.UtcNow < deadline)
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"WireMock exited with code {_process.ExitCode}: {Output}");
            }

            try
            {
                using var health = await Admin.GetAsync(Url("/__admin/health"));
                if (health.IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
                // not answering yet
            }

            await Task.Delay(200);
        }

        throw new InvalidOperationException($"WireMock did not become healthy within 60 s: {Output}");
    }

    /// <summary>What the process printed so far.</summary>
    public string Output => _process.Output;

    /// <summary>Removes every stub, the request journal and scenario states.</summary>
    public async Task ResetAsync()
    {
        using var response = await Admin.PostAsync(Url("/__admin/reset"), null);
        response.EnsureSuccessStatusCode();
    }

    /// <summary>Loads a contract file from <c>tests/contracts/</c>, e.g. <c>wecom/gettoken-ok.json</c>.
    /// A file holds <c>{"mappings": [...]}</c> or a single mapping.</summary>
    public async Task LoadContractAsync(string relativePath)
    {
        var path = Path.Combine(ContractsDirectory, relativePath);
        var json = JsonNode.Parse(await File.ReadAllTextAsync(path))!;
        var mappings = json["mappings"] is JsonArray array ? array : new JsonArray(json.DeepClone());
        foreach (var mapping in mappings)
        {
            await StubAsync(mapping!.ToJsonString());
        }
    }

    /// <summary>Adds one stub mapping (WireMock JSON).</summary>
    public async Task StubAsync(string mappingJson)
    {
        using var content = new StringContent(mappingJson, Encoding.UTF8, "application/json");
        using var response = await Admin.PostAsync(Url("/__admin/mappings"), content);
        if (!response.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"WireMock rejected the mapping ({(int)response.StatusCode}): {await response.Content.ReadAsStringAsync()}");
        }
    }

    /// <summary>Every request WireMock received since the last reset, oldest first.</summary>
    public async Task<IReadOnlyList<ReceivedRequest>> GetRequestsAsync()
    {
        var journal = await Admin.GetFromJsonAsync<JsonElement>(Url("/__admin/requests"));
        var list = new List<(DateTimeOffset At, ReceivedRequest Request)>();
        foreach (var entry in journal.GetProperty("requests").EnumerateArray())
        {
            var request = entry.GetProperty("request");
            list.Add((DateTimeOffset.FromUnixTimeMilliseconds(request.GetProperty("loggedDate").GetInt64()), ReceivedRequest.From(request)));
        }

        // The journal lists the newest first; reversed before the stable sort, requests logged in the same
        // millisecond keep the order in which they arrived.
        list.Reverse();
        return list.OrderBy(r => r.At).Select(r => r.Request).ToList();
    }

    /// <summary>How many requests matched <paramref name="method"/> and <paramref name="urlPath"/>.</summary>
    /// <remarks>
    /// WireMock journals a request when it has read it, before it answers, delays or applies a fault. So once a
    /// client has seen the answer (or the fault) to every request it sent, this count is final. Where a client may
    /// have given up before WireMock read a request (a timeout), use <see cref="StableCountAsync"/> or
    /// <see cref="WaitForCountAsync"/> instead.
    /// </remarks>
    public async Task<int> CountAsync(string method, string urlPath)
    {
        using var response = await Admin.PostAsJsonAsync(Url("/__admin/requests/count"), new { method, urlPath });
        response.EnsureSuccessStatusCode();
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        return body.GetProperty("count").GetInt32();
    }

    /// <summary>Polls the journal until at least <paramref name="count"/> matching requests are in it; returns the
    /// count then seen. For a test that must know a request reached WireMock before it moves a manual clock.</summary>
    /// <exception cref="TimeoutException">When they are not there within <paramref name="within"/> (default 30 s).</exception>
    public async Task<int> WaitForCountAsync(string method, string urlPath, int count, TimeSpan? within = null)
    {
        var deadline = DateTime.UtcNow + (within ?? TimeSpan.FromSeconds(30));
        while (true)
        {
            var seen = await CountAsync(method, urlPath);
            if (seen >= count)
            {
                return seen;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"WireMock journaled {seen} {method} {urlPath} request(s), not {count}, within {(within ?? TimeSpan.FromSeconds(30)).TotalSeconds} s.");
            }

            await Task.Delay(20);
        }
    }

    /// <summary>Polls the journal until the matching count stops changing (the same value twice, 250 ms apart) and
    /// returns it: for requests a client abandoned (timed out) that WireMock may journal a little later.</summary>
    public async Task<int> StableCountAsync(string method, string urlPath)
    {
        var last = await CountAsync(method, urlPath);
        while (true)
        {
            await Task.Delay(250);
            var now = await CountAsync(method, urlPath);
            if (now == last)
            {
                return now;
            }

            last = now;
        }
    }

    /// <inheritdoc/>
    public ValueTask DisposeAsync() => _process.DisposeAsync();

    private Uri Url(string path) => new(BaseUri, path);

    private static string Metadata(string key) =>
        typeof(WireMockServer).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == key).Value!;

    private static string? FindJava()
    {
        var home = Environment.GetEnvironmentVariable("JAVA_HOME");
        if (!string.IsNullOrEmpty(home) && File.Exists(Path.Combine(home, "bin", "java")))
        {
            return Path.Combine(home, "bin", "java");
        }

        foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(Path.PathSeparator))
        {
            var candidate = Path.Combine(dir, "java");
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        return null;
    }

}

/// <summary>One request from WireMock's journal.</summary>
public sealed record ReceivedRequest(
    string Method,
    string Url,
    string Path,
    IReadOnlyDictionary<string, string> Query,
    IReadOnlyDictionary<string, string> Headers,
    string Body)
{
    /// <summary>The body read as <c>application/x-www-form-urlencoded</c> fields (first value per key).</summary>
    public IReadOnlyDictionary<string, string> Form => ParsePairs(Body);

    /// <summary>A header value, or null (case-insensitive name).</summary>
    public string? Header(string name) => Headers.TryGetValue(name, out var value) ? value : null;

    internal static ReceivedRequest From(JsonElement request)
    {
        var url = request.GetProperty("url").GetString()!;
        var q = url.IndexOf('?', StringComparison.Ordinal);
        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        if (request.TryGetProperty("headers", out var h))
        {
            foreach (var header in h.EnumerateObject())
            {
                headers[header.Name] = header.Value.ValueKind == JsonValueKind.Array
                    ? string.Join(",", header.Value.EnumerateArray().Select(v => v.GetString()))
                    : header.Value.GetString() ?? string.Empty;
            }
        }

        return new ReceivedRequest(
            request.GetProperty("method").GetString()!,
            url,
            q < 0 ? url : url[..q],
            q < 0 ? new Dictionary<string, string>() : ParsePairs(url[(q + 1)..]),
            headers,
            request.TryGetProperty("body", out var body) ? body.GetString() ?? string.Empty : string.Empty);
    }

    private static Dictionary<string, string> ParsePairs(string text)
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var pair in text.Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            var eq = pair.IndexOf('=', StringComparison.Ordinal);
            var key = Uri.UnescapeDataString((eq < 0 ? pair : pair[..eq]).Replace('+', ' '));
            var value = eq < 0 ? string.Empty : Uri.UnescapeDataString(pair[(eq + 1)..].Replace('+', ' '));
            result.TryAdd(key, value);
        }

        return result;
    }
}
