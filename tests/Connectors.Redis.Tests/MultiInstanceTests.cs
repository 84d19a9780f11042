using System.Diagnostics;
using System.Reflection;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace Connectors.Redis.Tests;

/// <summary>
/// Several identity-server instances, each its own process (tests/Connectors.Redis.Instance), on one real Redis:
/// the limits hold exactly across them, one instance calls WeCom's gettoken for all, and a Redis outage fails code
/// operations closed while sign-ins go on. Trials per run: <c>CONNECTORS_TRIALS</c> (default 10; the closing note of
/// issue 18 reports 40).
/// </summary>
[Collection(RedisCollection.Name)]
public sealed partial class MultiInstanceTests(RedisFixture redis, WireMockFixture wireMock) : IClassFixture<WireMockFixture>, IAsyncLifetime
{
    private static readonly int Trials = int.TryParse(Environment.GetEnvironmentVariable("CONNECTORS_TRIALS"), out var trials) ? trials : 10;
    private static readonly TimeSpan Answer = TimeSpan.FromSeconds(120); // generous: a busy 2-core machine
    private readonly string _prefix = "m" + Guid.NewGuid().ToString("N")[..8] + ":";
    private readonly string _hashKey = Convert.ToBase64String(new byte[32]);
    private readonly List<Instance> _instances = [];

    private WireMockServer WireMock => wireMock.Server;

    public Task InitializeAsync() => WireMock.ResetAsync();

    public async Task DisposeAsync()
    {
        foreach (var instance in _instances)
        {
            await instance.DisposeAsync();
        }
    }

    [Fact]
    public async Task Two_instances_x_100_concurrent_wrong_guesses_compare_exactly_5_and_never_lose_the_lock()
    {
        var (one, other) = (await StartAsync(), await StartAsync());
        for (var trial = 0; trial < Trials; trial++)
        {
            var address = $"guess{trial}@example.com";
            var code = (await one.RunAsync($"send 1 {address} 198.51.100.{trial}")).GetProperty("sent")[0].GetString()!;
            var wrong = code == "000000" ? "000001" : "000000";

            var results = await TogetherAsync([one, other], $"guess 100 {address} {wrong}");

            Count(results, "Wrong").Should().Be(4, $"trial {trial}: 4 wrong answers, then the fifth compared locks");
            Count(results, "Locked").Should().Be(196, $"trial {trial}");
            (await one.RunAsync($"verify {address} {code}")).GetString().Should().Be("Locked", $"trial {trial}: the lock holds against the right code");
        }
    }

    [Fact]
    public async Task Two_instances_x_50_concurrent_sends_from_one_client_send_exactly_the_cap_of_20()
    {
        var (one, other) = (await StartAsync(), await StartAsync());
        for (var trial = 0; trial < Trials; trial++)
        {
            var results = await TogetherAsync([one, other], $"send 50 cap{trial}-{{p}}-{{i}}@example.com 192.0.2.{trial}");

            results.Sum(r => r.GetProperty("sent").GetArrayLength()).Should().Be(20, $"trial {trial}");
            results.Sum(r => Count(r.GetProperty("outcomes"), "sent")).Should().Be(20, $"trial {trial}");
            results.Sum(r => Count(r.GetProperty("outcomes"), "rate_limit_exceeded")).Should().Be(80, $"trial {trial}");
        }
    }

    [Fact]
    public async Task Two_instances_x_50_concurrent_sends_to_one_address_send_one_mail_in_the_cooldown()
    {
        var (one, other) = (await StartAsync(), await StartAsync());
        for (var trial = 0; trial < Trials; trial++)
        {
            var results = await TogetherAsync([one, other], $"send 50 cool{trial}@example.com client-{trial}-{{p}}-{{i}}");

            results.Sum(r => r.GetProperty("sent").GetArrayLength()).Should().Be(1, $"trial {trial}");
            results.Sum(r => Count(r.GetProperty("outcomes"), "rate_limit_exceeded")).Should().Be(99, $"trial {trial}");
        }
    }

    [Fact]
    public async Task Three_cold_instances_x_50_sign_ins_at_once_call_gettoken_once()
    {
        await StubWeComAsync();
        var instances = new[] { await StartAsync(wecom: true), await StartAsync(wecom: true), await StartAsync(wecom: true) };
        for (var trial = 0; trial < Trials; trial++)
        {
            var corp = $"ww-cold-{trial}";

            var results = await TogetherAsync(instances, $"signin 50 {corp} code-member");

            results.Sum(r => Count(r, "lisi")).Should().Be(150, $"trial {trial}: every sign-in succeeds");
            (await GetTokensAsync(corp)).Should().Be(1, $"trial {trial}: one instance refreshes for all");
        }
    }

    [Fact]
    public async Task When_the_lease_holder_dies_mid_refresh_the_others_sign_in_with_one_more_gettoken()
    {
        await StubWeComAsync();
        // Three processes a trial: one trial unless CONNECTORS_TRIALS asks for more.
        for (var trial = 0; trial < (Environment.GetEnvironmentVariable("CONNECTORS_TRIALS") is null ? 1 : Trials); trial++)
        {
            var corp = $"ww-dies-{trial}";
            // The first gettoken of this app never answers in time: its caller is killed while waiting for it.
            await WireMock.StubAsync($$"""
                { "priority": 1, "scenarioName": "holder-dies-{{trial}}", "requiredScenarioState": "Started", "newScenarioState": "answered",
                  "request": { "method": "GET", "urlPath": "/cgi-bin/gettoken", "queryParameters": { "corpid": { "equalTo": "{{corp}}" } } },
                  "response": { "status": 200, "fixedDelayMilliseconds": 120000, "jsonBody": { "errcode": 0, "errmsg": "ok", "access_token": "wecom-token-ACCESS1", "expires_in": 7200 } } }
                """);
            var holder = await StartAsync(wecom: true, leaseMilliseconds: 3000);
            var others = new[] { await StartAsync(wecom: true, leaseMilliseconds: 3000), await StartAsync(wecom: true, leaseMilliseconds: 3000) };
            await holder.ArmAsync($"signin 1 {corp} code-member");
            await holder.GoAsync();
            await UntilAsync(async () => await GetTokensAsync(corp) == 1);
            await holder.DisposeAsync(); // killed while it holds the lease

            var results = await TogetherAsync(others, $"signin 50 {corp} code-member");

            results.Sum(r => Count(r, "lisi")).Should().Be(100, $"trial {trial}: the others wait out the dead holder's lease, then one refreshes");
            (await GetTokensAsync(corp)).Should().Be(2, $"trial {trial}: the dead holder's call and one more");
            foreach (var other in others)
            {
                await other.DisposeAsync();
            }
        }
    }

    [Fact]
    public async Task With_redis_stopped_sign_ins_go_on_code_operations_fail_closed_and_all_recovers_when_it_is_back()
    {
        await StubWeComAsync();
        await using var own = await RedisServer.StartAsync();
        var instances = new[] { await StartAsync(wecom: true, redisConfiguration: own.Configuration), await StartAsync(wecom: true, redisConfiguration: own.Configuration) };
        var code = (await instances[0].RunAsync("send 1 outage@example.com 198.51.100.1")).GetProperty("sent")[0].GetString()!;

        await own.StopAsync();
        var signIns = await TogetherAsync(instances, "signin 10 ww-outage code-member");
        var guesses = await TogetherAsync(instances, $"guess 10 outage@example.com {code}");
        var sends = await TogetherAsync(instances, "send 5 down{p}-{i}@example.com 198.51.100.2");

        signIns.Sum(r => Count(r, "lisi")).Should().Be(20, "a Redis outage is a token-cache miss, never a failed sign-in");
        guesses.Sum(r => Count(r, "general")).Should().Be(20, "no guess is judged without the store: never Verified, never an unbounded guess");
        sends.Sum(r => r.GetProperty("sent").GetArrayLength()).Should().Be(0, "no mail goes out that the store cannot count");
        sends.Sum(r => Count(r.GetProperty("outcomes"), "general")).Should().Be(10);

        await own.StartAgainAsync(); // empty: the pending code is gone with the old server's memory
        foreach (var (instance, n) in instances.Select((instance, n) => (instance, n)))
        {
            (await WaitForAsync(async () => (await instance.RunAsync($"send 1 back{n}@example.com 198.51.100.3")).GetProperty("sent").GetArrayLength() == 1))
                .Should().BeTrue("the instances reconnect by themselves");
        }

        var fresh = (await instances[1].RunAsync("send 1 back2@example.com 198.51.100.3")).GetProperty("sent")[0].GetString()!;
        (await instances[0].RunAsync($"verify back2@example.com {fresh}")).GetString().Should().Be("Verified", "a code sent by one instance verifies on the other again");
        (await instances[0].RunAsync("signin 1 ww-outage code-member")).GetProperty("lisi").GetInt32().Should().Be(1);
    }

    private async Task<Instance> StartAsync(bool wecom = false, int? leaseMilliseconds = null, string? redisConfiguration = null)
    {
        var dll = typeof(MultiInstanceTests).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == "InstanceAssembly").Value!;
        var start = new ProcessStartInfo("dotnet") { RedirectStandardInput = true };
        start.ArgumentList.Add(dll);
        foreach (var (name, value) in new[] { ("--redis", redisConfiguration ?? redis.Server.Configuration), ("--prefix", _prefix), ("--hash-key", _hashKey) })
        {
            start.ArgumentList.Add(name);
            start.ArgumentList.Add(value);
        }

        if (wecom)
        {
            start.ArgumentList.Add("--wecom");
            start.ArgumentList.Add(WireMock.BaseUri.AbsoluteUri);
        }

        if (leaseMilliseconds is { } lease)
        {
            start.ArgumentList.Add("--lease-ms");
            start.ArgumentList.Add(lease.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }

        var (process, _) = await TestProcess.StartAsync(start, ReadyLine(), "instance", Answer);
        var instance = new Instance(process);
        _instances.Add(instance);
        return instance;
    }

    /// <summary>Arms the command on every instance, releases them together, and collects their answers.</summary>
    private static async Task<List<JsonElement>> TogetherAsync(IReadOnlyList<Instance> instances, string command)
    {
        foreach (var instance in instances)
        {
            await instance.ArmAsync(command);
        }

        await Task.WhenAll(instances.Select(i => i.GoAsync()));
        return [.. await Task.WhenAll(instances.Select(i => i.AnswerAsync()))];
    }

    private static int Count(JsonElement counts, string outcome) => counts.TryGetProperty(outcome, out var n) ? n.GetInt32() : 0;

    private static int Count(List<JsonElement> results, string outcome) => results.Sum(r => Count(r, outcome));

    private async Task StubWeComAsync()
    {
        await WireMock.StubAsync("""
            { "request": { "method": "GET", "urlPath": "/cgi-bin/gettoken" },
              "response": { "status": 200, "jsonBody": { "errcode": 0, "errmsg": "ok", "access_token": "wecom-token-ACCESS1", "expires_in": 7200 } } }
            """);
        await WireMock.StubAsync("""
            { "request": { "method": "GET", "urlPath": "/cgi-bin/auth/getuserinfo", "queryParameters": { "access_token": { "equalTo": "wecom-token-ACCESS1" } } },
              "response": { "status": 200, "jsonBody": { "errcode": 0, "errmsg": "ok", "userid": "lisi" } } }
            """);
    }

    private async Task<int> GetTokensAsync(string corp) =>
        (await WireMock.GetRequestsAsync()).Count(r => r.Path == "/cgi-bin/gettoken" && r.Query.GetValueOrDefault("corpid") == corp);

    private static async Task UntilAsync(Func<Task<bool>> condition) => (await WaitForAsync(condition)).Should().BeTrue();

    private static async Task<bool> WaitForAsync(Func<Task<bool>> condition)
    {
        var deadline = DateTime.UtcNow + Answer;
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                return false;
            }

            await Task.Delay(200);
        }

        return true;
    }

    [GeneratedRegex("^ready$")]
    private static partial Regex ReadyLine();

    [GeneratedRegex("^@armed$")]
    private static partial Regex ArmedLine();

    [GeneratedRegex("^@(?!armed$)(.*)$")]
    private static partial Regex AnswerLine();

    private sealed class Instance(TestProcess process) : IAsyncDisposable
    {
        public string Output => process.Output;

        public async Task ArmAsync(string command)
        {
            await process.WriteLineAsync(command);
            await process.NextLineAsync(ArmedLine(), Answer);
        }

        public Task GoAsync() => process.WriteLineAsync("go");

        public async Task<JsonElement> AnswerAsync() => JsonDocument.Parse((await process.NextLineAsync(AnswerLine(), Answer)).Groups[1].Value).RootElement.Clone();

        /// <summary>A command that needs no gate (one call), or arms and goes at once.</summary>
        public async Task<JsonElement> RunAsync(string command)
        {
            await process.WriteLineAsync(command);
            var line = (await process.NextLineAsync(AnyAnswerLine(), Answer)).Groups[1].Value;
            if (line == "armed")
            {
                await GoAsync();
                return await AnswerAsync();
            }

            return JsonDocument.Parse(line).RootElement.Clone();
        }

        public ValueTask DisposeAsync() => process.DisposeAsync();
    }

    [GeneratedRegex("^@(.*)$")]
    private static partial Regex AnyAnswerLine();
}
