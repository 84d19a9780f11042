using System.Collections.Concurrent;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace Connectors.Redis.Tests;

/// <summary>The verification-code store on a real Redis, in this process (the multi-process runs are in
/// <see cref="MultiInstanceTests"/>).</summary>
[Collection(RedisCollection.Name)]
public sealed class RedisVerificationCodeStoreTests(RedisFixture redis) : IDisposable
{
    private const string Address = "ada@example.com";
    private readonly string _prefix = "t" + Guid.NewGuid().ToString("N")[..8] + ":";
    private readonly FakeLoggerProvider _logs = new();
    private readonly RecordingEmail _email = new();
    private readonly List<ServiceProvider> _providers = [];

    public void Dispose() => _providers.ForEach(p => p.Dispose());

    private ServiceProvider Services(string? configuration = null, Action<VerificationCodeOptions>? configure = null)
    {
        var provider = ConnectorHost.Build(_logs, b => b
            .UseRedis(configuration ?? redis.Server.Configuration, o => o.KeyPrefix = _prefix)
            .AddVerificationCodes(o =>
            {
                o.HashKey = new byte[32];
                configure?.Invoke(o);
            }));
        _providers.Add(provider);
        return provider;
    }

    private VerificationCodeService Codes(string? configuration = null, Action<VerificationCodeOptions>? configure = null) =>
        Services(configuration, configure).GetRequiredService<VerificationCodeService>();

    [Fact]
    public async Task A_code_sent_by_one_instance_verifies_once_on_another_and_redis_holds_neither_address_nor_code()
    {
        var one = Codes();
        var other = Codes();

        await one.SendAsync(_email, Address, UsageType.SignIn, "203.0.113.7");
        var code = _email.Codes.Single();

        (await other.VerifyAsync(Address, UsageType.SignIn, code)).Result.Should().Be(VerificationResult.Verified);
        (await one.VerifyAsync(Address, UsageType.SignIn, code)).Result.Should().Be(VerificationResult.NonePending);
        var keys = await redis.KeysAsync(_prefix);
        keys.Should().HaveCount(2).And.OnlyContain(k => k.StartsWith(_prefix + "connectors:", StringComparison.Ordinal));
        var texts = new List<string>(keys);
        foreach (var key in keys)
        {
            texts.Add((string)(await redis.Database.StringGetAsync(key))!);
            (await redis.Database.KeyTimeToLiveAsync(key)).Should().BePositive("records expire on the server");
        }

        texts.ShouldNotContainAny(Address, code, "203.0.113.7");
    }

    [Fact]
    public async Task Concurrent_wrong_guesses_through_two_service_providers_compare_exactly_max_attempts()
    {
        var one = Codes();
        var other = Codes();
        await one.SendAsync(_email, Address, UsageType.SignIn);
        var code = _email.Codes.Single();
        var wrong = code == "000000" ? "000001" : "000000";

        var results = await Task.WhenAll(Enumerable.Range(0, 100).Select(i => (i % 2 == 0 ? one : other).VerifyAsync(Address, UsageType.SignIn, wrong)));

        results.Count(r => r.Result == VerificationResult.Wrong).Should().Be(4);
        results.Count(r => r.Result == VerificationResult.Locked).Should().Be(96);
        (await other.VerifyAsync(Address, UsageType.SignIn, code)).Result.Should().Be(VerificationResult.Locked, "the lock holds against the right code");
    }

    [Fact]
    public async Task The_key_prefix_namespaces_every_key()
    {
        var codes = Codes();

        await codes.SendAsync(_email, Address, UsageType.Register);

        (await redis.KeysAsync(_prefix)).Should().ContainSingle();
        (await redis.KeysAsync("connectors:")).Should().BeEmpty("every key is under the prefix");
    }

    [Fact]
    public async Task With_redis_down_a_send_and_a_verify_fail_closed_with_a_typed_error_and_work_again_when_it_is_back()
    {
        await using var own = await RedisServer.StartAsync();
        var codes = Codes(own.Configuration + ",connectTimeout=2000,asyncTimeout=2000");
        await codes.SendAsync(_email, Address, UsageType.SignIn);
        var code = _email.Codes.Single();

        await own.StopAsync();
        var send = await FluentActions.Awaiting(() => codes.SendAsync(_email, "bob@example.com", UsageType.SignIn)).Should().ThrowAsync<ConnectorException>();
        var verify = await FluentActions.Awaiting(() => codes.VerifyAsync(Address, UsageType.SignIn, code)).Should().ThrowAsync<ConnectorException>();

        foreach (var error in new[] { send.Which, verify.Which })
        {
            error.Code.Should().Be(ConnectorErrorCode.General);
            error.Provider.Should().Be("Redis");
            error.Message.Should().Contain("Redis could not be reached");
            SecretAssertions.Texts(error).ShouldNotContainAny(code, Address, "bob@example.com");
        }

        _email.Codes.Should().ContainSingle("no mail goes out while the store cannot count it");
        await own.StartAgainAsync();
        await WaitUntilAsync(async () =>
        {
            try
            {
                await codes.SendAsync(_email, "bob@example.com", UsageType.SignIn);
                return true;
            }
            catch (ConnectorException)
            {
                return false;
            }
        });
        (await codes.VerifyAsync("bob@example.com", UsageType.SignIn, _email.Codes.Last())).Result.Should().Be(VerificationResult.Verified);
    }

    [Theory]
    [InlineData(null, "VerificationCodeOptions.HashKey must be set with UseRedis")]
    [InlineData("host=", "RedisConnectorOptions.Configuration is not a valid StackExchange.Redis configuration string")]
    [InlineData(",", "RedisConnectorOptions.Configuration names no Redis endpoint")]
    public void Options_are_checked_at_start_with_messages_that_say_what_to_set(string? configuration, string message)
    {
        var provider = ConnectorHost.Build(_logs, b => b
            .UseRedis(o => o.Configuration = configuration ?? redis.Server.Configuration)
            .AddVerificationCodes(o => o.HashKey = configuration is null ? null : new byte[32]));
        _providers.Add(provider);

        var act = () =>
        {
            _ = provider.GetRequiredService<IOptions<RedisConnectorOptions>>().Value;
            _ = provider.GetRequiredService<IOptions<VerificationCodeOptions>>().Value;
        };

        act.Should().Throw<OptionsValidationException>().Which.Message.Should().Contain(message);
    }

    [Fact]
    public void Without_a_configuration_the_hosts_multiplexer_is_required()
    {
        var provider = ConnectorHost.Build(_logs, b => b.UseRedis(_ => { }));
        _providers.Add(provider);

        var act = () => provider.GetRequiredService<IOptions<RedisConnectorOptions>>().Value;

        act.Should().Throw<OptionsValidationException>().Which.Message.Should().Contain("or an IConnectionMultiplexer registered");
    }

    [Fact]
    public async Task The_hosts_registered_multiplexer_is_used_when_no_configuration_is_given()
    {
        var provider = ConnectorHost.Build(_logs, b =>
        {
            b.Services.AddSingleton<IConnectionMultiplexer>(_ => ConnectionMultiplexer.Connect(redis.Server.Configuration));
            b.UseRedis(o => o.KeyPrefix = _prefix).AddVerificationCodes(o => o.HashKey = new byte[32]);
        });
        _providers.Add(provider);

        await provider.GetRequiredService<VerificationCodeService>().SendAsync(_email, Address, UsageType.SignIn);

        (await redis.KeysAsync(_prefix)).Should().ContainSingle();
    }

    internal static async Task WaitUntilAsync(Func<Task<bool>> condition)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        while (!await condition())
        {
            await Task.Delay(100, timeout.Token);
        }
    }

    private sealed class RecordingEmail : IEmailConnector
    {
        private readonly ConcurrentQueue<string> _codes = new();

        public IReadOnlyList<string> Codes => [.. _codes];

        public ConnectorMetadata Metadata { get; } = new("recording-email", "recording", ConnectorType.Email, "Recording", "Counts mails.", []);

        public Task<EmailSendResult> SendAsync(EmailMessage message, CancellationToken cancellationToken = default)
        {
            _codes.Enqueue(message.Payload.Code!);
            return Task.FromResult(new EmailSendResult(null));
        }
    }
}
