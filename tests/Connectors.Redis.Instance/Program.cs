// One server instance on a shared Redis. Arguments: --redis <configuration> --prefix <key prefix> --hash-key <base64>
// [--wecom <base address>] [--lease-ms <n>]. Prints "ready", then reads commands, one per line:
//   send <n> <recipient> <client>   n concurrent code sends; the mails sent, the codes, the refusals
//   guess <n> <recipient> <code>    n concurrent verifications with <code>; the results by kind
//   verify <recipient> <code>       one verification
//   signin <n> <code>               n concurrent WeCom sign-ins with the authorization code <code>
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
        o.ResendCooldown = TimeSpan.Zero;
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

if (options.TryGetValue("--cooldown-s", out var cooldown))
{
    services.Configure<VerificationCodeOptions>(o => o.ResendCooldown = TimeSpan.FromSeconds(int.Parse(cooldown, System.Globalization.CultureInfo.InvariantCulture)));
}

await using var provider = services.BuildServiceProvider();
_ = provider.GetRequiredService<IOptions<VerificationCodeOptions>>().Value; // validated as at a host's start
var codes = provider.GetRequiredService<VerificationCodeService>();
var mail = new RecordingEmailConnector();
var signIn = wecom is null ? null : (ISocialConnector)provider.GetRequiredService<IConnectorRegistry>().Create(
    WeComConnectorFactory.ConnectorId,
    JsonDocument.Parse("""{ "corpId": "ww-corp-1", "agentId": "1000002", "secret": "wecom-secret-S3CR3T" }""").RootElement);
Console.WriteLine("ready");

while (Console.ReadLine() is { } line)
{
    var words = line.Split(' ');
    object answer;
    switch (words[0])
    {
        case "send":
            var sent = await TogetherAsync(int.Parse(words[1]), () => codes.SendAsync(mail, words[2], UsageType.SignIn, words[3]));
            answer = new { sent = mail.TakeSent(), outcomes = sent };
            break;
        case "guess":
            answer = await TogetherAsync(int.Parse(words[1]), async () => (await codes.VerifyAsync(words[2], UsageType.SignIn, words[3])).Result.ToString());
            break;
        case "verify":
            answer = (await codes.VerifyAsync(words[1], UsageType.SignIn, words[2])).Result.ToString();
            break;
        case "signin":
            answer = await TogetherAsync(int.Parse(words[1]), async () => (await signIn!.GetUserInfoAsync(SocialCallback.FromQueryString($"code={words[2]}&state=s"))).Id);
            break;
        default:
            answer = "unknown command";
            break;
    }

    Console.WriteLine("@" + JsonSerializer.Serialize(answer));
}

// Runs n calls at once, released together by the line "go"; counts their outcomes (a value, or an error code).
static async Task<Dictionary<string, int>> TogetherAsync<T>(int count, Func<Task<T>> call)
{
    var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
    var calls = Enumerable.Range(0, count).Select(async _ =>
    {
        await gate.Task;
        try
        {
            return (await call())?.ToString() ?? "null";
        }
        catch (ConnectorException exception)
        {
            return exception.WireCode;
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
