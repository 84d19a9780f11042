using System.Diagnostics;
using System.Globalization;
using Connectors.Abstractions;
using Connectors.HuggingFace;
using Connectors.Mailgun;
using Connectors.Testing;
using Connectors.WeCom;
using Microsoft.Extensions.DependencyInjection;

// Load run: real WireMock with the contract mappings, driven by the connectors over loopback.
// dotnet run -c Release --project benchmarks/Connectors.LoadRun [-- --operations 10000 --concurrency 64]
// Memory bounds (no WireMock): dotnet run -c Release --project benchmarks/Connectors.LoadRun -- --bounds
CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;
if (args.Contains("--bounds"))
{
    await Bounds.RunAsync();
    return 0;
}

var operations = Argument("--operations", 10_000);
var concurrency = Argument("--concurrency", 64);

await using var wireMock = await WireMockServer.StartAsync(containerThreads: 2 * concurrency, maxJournalEntries: 4 * operations + 100, heap: "1g");
Console.WriteLine($"WireMock at {wireMock.BaseUri}; {operations} operations per scenario at concurrency {concurrency}; {Environment.ProcessorCount} cores");

using var services = BuildServices(wireMock.BaseUri);
var totalErrors = 0;
var gettokenCalls = 0;

// WeCom: cold token cache, member sign-ins (getuserinfo + user/get); gettoken must be called exactly once.
await wireMock.ResetAsync();
foreach (var file in new[] { "wecom/gettoken.json", "wecom/getuserinfo.json", "wecom/user-get.json" })
{
    await wireMock.LoadContractAsync(file);
}

var weCom = Create<ISocialConnector>(services, WeComConnectorFactory.ConnectorId, """{ "corpId": "ww-corp-1", "agentId": "1000002", "secret": "wecom-secret-S3CR3T" }""");
var weComCallback = SocialCallback.FromQueryString("code=code-member&state=s");
var weComResult = await RunAsync("WeCom sign-in", () => weCom.GetUserInfoAsync(weComCallback));
gettokenCalls = await wireMock.CountAsync("GET", "/cgi-bin/gettoken");
await ReportAsync(weComResult, ("gettoken", "GET", "/cgi-bin/gettoken"), ("getuserinfo", "GET", "/cgi-bin/auth/getuserinfo"), ("user/get", "GET", "/cgi-bin/user/get"));

// Hugging Face: authorization URL (PKCE) + code exchange + userinfo.
await wireMock.ResetAsync();
await wireMock.LoadContractAsync("huggingface/token.json");
await wireMock.LoadContractAsync("huggingface/userinfo.json");
var huggingFace = Create<ISocialConnector>(services, HuggingFaceConnectorFactory.ConnectorId, """{ "clientId": "hf-client-1", "clientSecret": "hf-secret-S3CR3T", "scope": "profile email" }""");
var hfResult = await RunAsync("Hugging Face sign-in", async () =>
{
    var redirect = await huggingFace.GetAuthorizationUriAsync(new AuthorizationRequest("state1", new Uri("https://id.example.com/cb")));
    return await huggingFace.GetUserInfoAsync(SocialCallback.FromQueryString("code=hf-code-GOOD&state=state1", redirect.Session));
});
await ReportAsync(hfResult, ("token", "POST", "/oauth/token"), ("userinfo", "GET", "/oauth/userinfo"));

// Mailgun: html delivery with {{code}}.
await wireMock.ResetAsync();
await wireMock.LoadContractAsync("mailgun/messages.json");
var mailgun = Create<IEmailConnector>(services, MailgunConnectorFactory.ConnectorId, $$$"""
    { "endpoint": "{{{wireMock.BaseUri.AbsoluteUri}}}", "domain": "example.com", "apiKey": "mailgun-key-S3CR3T", "from": "Example <noreply@example.com>",
      "deliveries": { "SignIn": { "subject": "Your code is {{code}}", "html": "<p>Your sign-in code is <b>{{code}}</b>.</p>" } } }
    """);
var mailResult = await RunAsync("Mailgun send", () => mailgun.SendAsync(new EmailMessage("ada@example.com", UsageType.SignIn, new EmailPayload { Code = "483920" })));
await ReportAsync(mailResult, ("messages", "POST", "/v3/example.com/messages"));

Console.WriteLine($"TOTAL: {3 * operations} operations, {totalErrors} errors, WeCom gettoken calls {gettokenCalls} (expected 1)");
return totalErrors == 0 && gettokenCalls == 1 ? 0 : 1;

async Task<Result> RunAsync<T>(string name, Func<Task<T>> operation)
{
    var latencies = new double[operations];
    var errors = 0;
    var firstError = (string?)null;
    var total = Stopwatch.StartNew();
    await Parallel.ForEachAsync(Enumerable.Range(0, operations), new ParallelOptions { MaxDegreeOfParallelism = concurrency }, async (i, _) =>
    {
        var started = Stopwatch.GetTimestamp();
        try
        {
            await operation();
        }
        catch (ConnectorException exception)
        {
            Interlocked.Increment(ref errors);
            firstError ??= $"{exception.WireCode}: {exception.Message}";
        }

        latencies[i] = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
    });
    total.Stop();
    Array.Sort(latencies);
    totalErrors += errors;
    return new Result(name, total.Elapsed, latencies[operations / 2], latencies[(int)(operations * 0.99) - 1], errors, firstError);
}

async Task ReportAsync(Result result, params (string Name, string Method, string Path)[] calls)
{
    var perOperation = new List<string>();
    foreach (var (name, method, path) in calls)
    {
        perOperation.Add($"{name} {(double)await wireMock.CountAsync(method, path) / operations:0.####}");
    }

    Console.WriteLine($"{result.Name,-22} {operations / result.Elapsed.TotalSeconds,8:0} ops/s  p50 {result.P50,7:0.00} ms  p99 {result.P99,7:0.00} ms  errors {result.Errors}  requests/op: {string.Join(", ", perOperation)}");
    if (result.FirstError is not null)
    {
        Console.WriteLine($"  first error: {result.FirstError}");
    }
}

static ServiceProvider BuildServices(Uri wireMock)
{
    var services = new ServiceCollection();
    services.AddConnectors()
        .AddWeCom(o => o.ApiBaseAddress = wireMock)
        .AddHuggingFace(o => o.BaseAddress = wireMock)
        .AddMailgun(o => o.AllowedEndpoints.Add(wireMock));
    return services.BuildServiceProvider();
}

static T Create<T>(IServiceProvider services, string id, string json)
    where T : IConnector
{
    using var document = System.Text.Json.JsonDocument.Parse(json);
    return (T)services.GetRequiredService<IConnectorRegistry>().Create(id, document.RootElement);
}

int Argument(string name, int fallback)
{
    var index = Array.IndexOf(args, name);
    return index >= 0 && index + 1 < args.Length ? int.Parse(args[index + 1], CultureInfo.InvariantCulture) : fallback;
}

internal sealed record Result(string Name, TimeSpan Elapsed, double P50, double P99, int Errors, string? FirstError);
