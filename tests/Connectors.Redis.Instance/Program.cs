// One server instance on a shared Redis. Arguments: --redis <configuration> --prefix <key prefix> --hash-key <base64>
// [--wecom <base address>] [--lease-ms <n>]. Prints "ready", then reads commands, one per line:
//   send <n> <recipient> <client>   n concurrent code sends ("{i}" in either is the call's number, "{p}" this process's
//                                   id); the codes mailed
//                                   and the outcomes by kind
//   guess <n> <recipient> <code>    n concurrent verifications with <code>; the results by kind
//   verify <recipient> <code>       one verification
//   signin <n> <corp> <code>        n concurrent WeCom sign-ins of the app of corp id <corp>, authorization code <code>
// Codes: 5 attempts, a cooldown of 60 s, at most 20 sends per client address (and 1,000 per recipient) an hour.
// A command of n concurrent calls prints "@armed" once its calls wait at a gate, and runs them on the line "go" (so
// the instances' calls start together). Every answer is one line "@{json}".
using System.Collections.Concurrent;
using System.Text.Json;
using Connectors.Abstractions;
using Connectors.WeCom;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

var options = new Dictionary<string, string>(StringComparer.Ordinal);
for (var i = 0; i + 1 < args.Length; i += 2)
{
    options[args[i]] = args[i + 1];
}

var services = new ServiceCollection();
services.AddLogging();
var connectors = services.AddConnectors()
    .UseRedis(options["--redis"], o => o.KeyPrefix = options["--prefix"])
    .AddVerificationCodes(o =>
    {
        o.HashKey = Convert.FromBase64String(options["--hash-key"]);
        o.MaxAttempts = 5;
        o.MaxSendsPerClient = 20;
        o.MaxSendsPerRecipient = 1000;
        o.ResendCooldown = TimeSpan.FromSeconds(60);
    });
if (options.TryGetValue("--wecom", out var wecom))
{
    connectors.AddWeCom(o =>
    {
        o.ApiBaseAddress = new Uri(wecom);
        o.Http.RetryBaseDelay = TimeSpan.Zero;
        if (options.TryGetValue("--lease-ms", out var lease))
        {
            o.TokenCache.SharedRefreshLease = TimeSpan.FromMilliseconds(int.Parse(lease, System.Globalization.CultureInfo.InvariantCulture));
        }
    });
}

await using var provider = services.BuildServiceProvider();
_ = provider.GetRequiredService<IOptions<VerificationCodeOptions>>().Value; // validated as at a host's start
var codes = provider.GetRequiredService<VerificationCodeService>();
var mail = new RecordingEmailConnector();
ISocialConnector SignIn(string corp) => (ISocialConnector)provider.GetRequiredService<IConnectorRegistry>().Create(
    WeComConnectorFactory.ConnectorId,
    JsonDocument.Parse($$"""{ "corpId": "{{corp}}", "agentId": "1000002", "secret": "wecom-secret-S3CR3T" }""").RootElement);
Console.WriteLine("ready");

while (Console.ReadLine() is { } line)
{
    var words = line.Split(' ');
    object answer;
    switch (words[0])
    {
        case "send":
            var sent = await TogetherAsync(int.Parse(words[1]), async i =>
            {
                await codes.SendAsync(mail, Fill(words[2], i), UsageType.SignIn, Fill(words[3], i));
                return "sent";
            });
            answer = new { sent = mail.TakeSent(), outcomes = sent };
            break;
        case "guess":
            answer = await TogetherAsync(int.Parse(words[1]), async _ => (await codes.VerifyAsync(words[2], UsageType.SignIn, words[3])).Result.ToString());
            break;
        case "verify":
            try
            {
                answer = (await codes.VerifyAsync(words[1], UsageType.SignIn, words[2])).Result.ToString();
            }
            catch (ConnectorException exception)
            {
                answer = exception.WireCode;
            }

            break;
        case "signin":
            var connector = SignIn(words[2]);
            answer = await TogetherAsync(int.Parse(words[1]), async _ => (await connector.GetUserInfoAsync(SocialCallback.FromQueryString($"code={words[3]}&state=s"))).Id);
            break;
        default:
            answer = "unknown command";
            break;
    }

    Console.WriteLine("@" + JsonSerializer.Serialize(answer));
}

static string Fill(string pattern, string call) =>
    pattern.Replace("{i}", call, StringComparison.Ordinal).Replace("{p}", Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal);

// Runs n calls at once, released together by the line "go"; counts their outcomes (a value, or an error code).
static async Task<Dictionary<string, int>> TogetherAsync<T>(int count, Func<string, Task<T>> call)
{
    var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
    var calls = Enumerable.Range(0, count).Select(async i =>
    {
        await gate.Task;
        try
        {
            return (await call(i.ToString(System.Globalization.CultureInfo.InvariantCulture)))?.ToString() ?? "null";
        }
        catch (ConnectorException exception)
        {
            return exception.WireCode;
        }
        catch (Exception exception)
        {
            return exception.GetType().Name;
        }
    }).ToList();
    Console.WriteLine("@armed");
    while (Console.ReadLine() is { } go && go != "go")
    {
    }

    gate.SetResult();
    return (await Task.WhenAll(calls)).GroupBy(o => o).ToDictionary(g => g.Key, g => g.Count());
}

/// <summary>Sends nothing: counts the mails and keeps their codes, for the test to verify with.</summary>
internal sealed class RecordingEmailConnector : IEmailConnector
{
    private readonly ConcurrentQueue<string> _codes = new();

    public ConnectorMetadata Metadata { get; } = new("recording-email", "recording", ConnectorType.Email, "Recording", "Counts mails.", []);

    public Task<EmailSendResult> SendAsync(EmailMessage message, CancellationToken cancellationToken = default)
    {
        _codes.Enqueue(message.Payload.Code!);
        return Task.FromResult(new EmailSendResult(null));
    }

    public List<string> TakeSent()
    {
        var sent = new List<string>();
        while (_codes.TryDequeue(out var code))
        {
            sent.Add(code);
        }

        return sent;
    }
}
