using System.Collections.Concurrent;
using System.Text;
using Microsoft.Extensions.Caching.Distributed;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Options;

namespace Connectors.Abstractions.Tests.Codes;

public sealed class VerificationCodeServiceTests : IDisposable
{
    private const string Address = "ada@example.com";
    private readonly ManualTimeProvider _time = new();
    private readonly FakeLoggerProvider _logs = new();
    private readonly FakeEmail _email = new();
    private readonly List<ServiceProvider> _providers = [];

    public void Dispose() => _providers.ForEach(p => p.Dispose());

    private VerificationCodeService Service(Action<VerificationCodeOptions>? configure = null, Action<IServiceCollection>? services = null)
    {
        var provider = ConnectorHost.Build(_logs, b =>
        {
            services?.Invoke(b.Services);
            b.AddVerificationCodes(configure);
        }, _time);
        _providers.Add(provider);
        return provider.GetRequiredService<VerificationCodeService>();
    }

    private async Task<string> SendAsync(VerificationCodeService codes, string to = Address, string? client = null, UsageType? usage = null)
    {
        await codes.SendAsync(_email, to, usage ?? UsageType.SignIn, client);
        return _email.Sent.Last(m => m.To == to).Payload.Code!;
    }

    private static string Wrong(string code) => ((int.Parse(code, System.Globalization.CultureInfo.InvariantCulture) + 1) % 1_000_000).ToString("D6", System.Globalization.CultureInfo.InvariantCulture);

    [Fact]
    public async Task A_code_verifies_once_for_its_usage_type_only()
    {
        var codes = Service();
        var code = await SendAsync(codes);

        code.Should().MatchRegex("^[0-9]{6}$");
        (await codes.VerifyAsync(Address, UsageType.Register, code)).Result.Should().Be(VerificationResult.NonePending, "a sign-in code is not a registration code");
        (await codes.VerifyAsync(" ADA@example.com ", UsageType.SignIn, code)).Result.Should().Be(VerificationResult.Verified);
        (await codes.VerifyAsync(Address, UsageType.SignIn, code)).Result.Should().Be(VerificationResult.NonePending, "a code works once");
    }

    [Fact]
    public async Task A_code_expires_after_its_lifetime()
    {
        var codes = Service();
        var code = await SendAsync(codes);

        _time.Advance(TimeSpan.FromMinutes(10));

        (await codes.VerifyAsync(Address, UsageType.SignIn, code)).Result.Should().Be(VerificationResult.Expired);
    }

    [Fact]
    public async Task The_fifth_wrong_attempt_locks_and_a_resend_neither_unlocks_nor_buys_guesses()
    {
        var codes = Service();
        var code = await SendAsync(codes);
        for (var i = 1; i <= 3; i++)
        {
            (await codes.VerifyAsync(Address, UsageType.SignIn, Wrong(code))).Should().Be(new CodeVerification(VerificationResult.Wrong, 5 - i));
        }

        _time.Advance(TimeSpan.FromSeconds(61));
        var resent = await SendAsync(codes);
        (await codes.VerifyAsync(Address, UsageType.SignIn, Wrong(resent))).Should().Be(new CodeVerification(VerificationResult.Wrong, 1), "the count went on after the resend");
        (await codes.VerifyAsync(Address, UsageType.SignIn, Wrong(resent))).Result.Should().Be(VerificationResult.Locked);
        (await codes.VerifyAsync(Address, UsageType.SignIn, resent)).Result.Should().Be(VerificationResult.Locked, "the right code no longer works");

        _time.Advance(TimeSpan.FromSeconds(61));
        var refused = (await codes.Awaiting(c => c.SendAsync(_email, Address, UsageType.SignIn)).Should().ThrowAsync<ConnectorException>()).Which;
        refused.Code.Should().Be(ConnectorErrorCode.RateLimitExceeded);
        refused.RetryAfter.Should().Be(TimeSpan.FromMinutes(10) - TimeSpan.FromSeconds(61), "no new code while locked");
        refused.ProviderErrorCode.Should().Be("locked");

        _time.Advance(TimeSpan.FromMinutes(10));
        var fresh = await SendAsync(codes);
        (await codes.VerifyAsync(Address, UsageType.SignIn, fresh)).Result.Should().Be(VerificationResult.Verified);
    }

    [Fact]
    public async Task Fifty_parallel_wrong_guesses_evaluate_at_most_the_allowed_five()
    {
        var codes = Service();
        var code = await SendAsync(codes);

        var results = await Task.WhenAll(Enumerable.Range(0, 50).Select(_ => Task.Run(() => codes.VerifyAsync(Address, UsageType.SignIn, Wrong(code)))));

        results.Count(r => r.Result == VerificationResult.Wrong).Should().Be(4);
        results.Count(r => r.Result == VerificationResult.Locked).Should().Be(46);
        (await codes.VerifyAsync(Address, UsageType.SignIn, code)).Result.Should().Be(VerificationResult.Locked);
    }

    [Fact]
    public async Task Resends_have_a_cooldown_and_a_cap_per_recipient()
    {
        var codes = Service();
        await SendAsync(codes);

        var early = (await codes.Awaiting(c => c.SendAsync(_email, Address, UsageType.SignIn)).Should().ThrowAsync<ConnectorException>()).Which;
        early.RetryAfter.Should().Be(TimeSpan.FromSeconds(60));
        early.ProviderErrorCode.Should().Be("cooldown", "the code sent moments ago still works");
        for (var i = 2; i <= 5; i++)
        {
            _time.Advance(TimeSpan.FromSeconds(60));
            await SendAsync(codes);
        }

        _time.Advance(TimeSpan.FromSeconds(60));
        var capped = (await codes.Awaiting(c => c.SendAsync(_email, Address, UsageType.SignIn)).Should().ThrowAsync<ConnectorException>()).Which;
        capped.Code.Should().Be(ConnectorErrorCode.RateLimitExceeded);
        capped.RetryAfter.Should().Be(TimeSpan.FromHours(1) - TimeSpan.FromMinutes(5));
        capped.ProviderErrorCode.Should().Be("cap");
        _email.Sent.Should().HaveCount(5);
    }

    [Fact]
    public async Task One_client_address_is_capped_across_recipients()
    {
        var codes = Service(o => o.MaxSendsPerClient = 3);
        for (var i = 0; i < 3; i++)
        {
            await SendAsync(codes, $"user{i}@example.com", client: "203.0.113.7");
        }

        var capped = (await codes.Awaiting(c => c.SendAsync(_email, "user9@example.com", UsageType.SignIn, "203.0.113.7")).Should().ThrowAsync<ConnectorException>()).Which;
        await SendAsync(codes, "user9@example.com", client: "198.51.100.1");

        capped.Code.Should().Be(ConnectorErrorCode.RateLimitExceeded);
        capped.ProviderErrorCode.Should().Be("client-cap");
        _email.Sent.Should().HaveCount(4);
    }

    [Fact]
    public async Task A_failed_send_leaves_nothing_pending_and_counts_for_nothing()
    {
        var codes = Service(o => o.MaxSendsPerClient = 1);
        _email.Fail = true;

        await codes.Awaiting(c => c.SendAsync(_email, Address, UsageType.SignIn, "203.0.113.7")).Should().ThrowAsync<ConnectorException>();
        var attempted = _email.Attempted.Single().Payload.Code!;

        (await codes.VerifyAsync(Address, UsageType.SignIn, attempted)).Result.Should().Be(VerificationResult.NonePending);
        _email.Fail = false;
        var code = await SendAsync(codes, client: "203.0.113.7"); // at once: no cooldown, no cap used up
        (await codes.VerifyAsync(Address, UsageType.SignIn, code)).Result.Should().Be(VerificationResult.Verified);
    }

    [Fact]
    public async Task A_send_whose_outcome_is_unknown_counts_as_sent_and_its_code_is_pending()
    {
        var codes = Service(o => o.MaxSendsPerClient = 2);
        _email.Lost = true;

        var sent = await codes.SendAsync(_email, Address, UsageType.SignIn, "203.0.113.7");

        sent.DeliveryUnknown.Should().BeTrue();
        sent.MessageId.Should().BeNull();
        var code = _email.Attempted.Single().Payload.Code!;
        var again = (await codes.Awaiting(c => c.SendAsync(_email, Address, UsageType.SignIn, "203.0.113.7")).Should().ThrowAsync<ConnectorException>()).Which;
        again.Code.Should().Be(ConnectorErrorCode.RateLimitExceeded, "the cooldown counts a maybe-sent mail");
        _time.Advance(TimeSpan.FromSeconds(61));
        await codes.SendAsync(_email, "bob@example.com", UsageType.SignIn, "203.0.113.7");
        (await codes.Awaiting(c => c.SendAsync(_email, "carol@example.com", UsageType.SignIn, "203.0.113.7")).Should().ThrowAsync<ConnectorException>())
            .Which.Message.Should().Contain("This client asked for too many codes", "both maybe-sent mails count against the client's cap of 2");
        (await codes.VerifyAsync(Address, UsageType.SignIn, code)).Result.Should().Be(VerificationResult.Verified, "the mail may have arrived: its code works");
        _logs.Entries.Should().Contain(e => e.Id.Id == 1203);
        _logs.AllText.Should().NotContain(code);
    }

    [Theory]
    [InlineData("\u212Aate@example.com")] // Kelvin sign: lower-cases to "k"
    [InlineData("\u212Bngstrom@example.com")] // Angstrom sign
    [InlineData("\u2126mega@example.com")] // Ohm sign
    [InlineData("gro\u1E9E@example.com")] // capital sharp s: lower-cases to U+00DF
    [InlineData("\uFF41da@example.com")] // full-width a
    public async Task An_address_that_case_folding_would_change_into_another_is_refused_before_any_send(string address)
    {
        var codes = Service();

        var error = (await codes.Awaiting(c => c.SendAsync(_email, address, UsageType.SignIn)).Should().ThrowAsync<ConnectorException>()).Which;

        error.Code.Should().Be(ConnectorErrorCode.InvalidRequestParameters);
        _email.Attempted.Should().BeEmpty();
    }

    [Fact]
    public async Task The_address_keyed_and_the_address_sent_to_are_the_same_string()
    {
        var codes = Service();

        await codes.SendAsync(_email, " Ada@Example.COM ", UsageType.SignIn);
        await codes.SendAsync(_email, "\u00E5sa@example.com", UsageType.SignIn);
        var upper = (await codes.Awaiting(c => c.SendAsync(_email, "\u00C5sa@example.com", UsageType.SignIn)).Should().ThrowAsync<ConnectorException>()).Which;

        _email.Sent.Select(m => m.To).Should().Equal("ada@example.com", "\u00E5sa@example.com");
        upper.Code.Should().Be(ConnectorErrorCode.InvalidRequestParameters, "only ASCII letters are lower-cased; any other change of case would send elsewhere than typed");
    }

    [Fact]
    public async Task The_memory_store_fails_closed_at_its_cap_and_drops_expired_records_as_time_passes()
    {
        var store = new MemoryVerificationCodeStore(_time, capacity: 3);
        var codes = Service(o => o.MaxStoredRecords = 3, s => s.AddSingleton<IVerificationCodeStore>(store));
        await SendAsync(codes, "a@example.com");
        await SendAsync(codes, "b@example.com");
        await SendAsync(codes, "c@example.com");

        var full = (await codes.Awaiting(c => c.SendAsync(_email, "d@example.com", UsageType.SignIn)).Should().ThrowAsync<ConnectorException>()).Which;
        full.Code.Should().Be(ConnectorErrorCode.RateLimitExceeded);
        store.Count.Should().Be(3);
        (await codes.VerifyAsync("e@example.com", UsageType.SignIn, "000000")).Result.Should().Be(VerificationResult.NonePending, "a verify adds nothing");
        store.Count.Should().Be(3);

        _time.Advance(TimeSpan.FromHours(1));
        await SendAsync(codes, "d@example.com");
        store.Count.Should().Be(1, "the expired records went as the new one was written");
    }

    [Fact]
    public async Task A_sent_code_the_store_fails_to_record_is_still_reported_sent_once_and_logged_without_the_code()
    {
        // The store fails from the third update on: after the client and recipient reservations, at the code's write.
        var store = new SpyStore(new MemoryVerificationCodeStore(_time)) { FailFrom = 3 };
        var codes = Service(services: s => s.AddSingleton<IVerificationCodeStore>(store));

        var sent = await codes.SendAsync(_email, Address, UsageType.SignIn, "203.0.113.9");

        sent.MessageId.Should().Be("<id@example.com>", "the provider accepted it: never reported as failed");
        _email.Sent.Should().ContainSingle();
        _logs.Entries.Should().ContainSingle(e => e.Id.Id == 1204).Which.Value("Store").Should().Be("Test store");
        _logs.AllText.ShouldNotContainAny(_email.Sent.Single().Payload.Code!);
    }

    [Fact]
    public async Task Codes_are_stored_only_as_keyed_hashes_and_never_logged()
    {
        var store = new SpyStore(new MemoryVerificationCodeStore(_time));
        var codes = Service(services: s => s.AddSingleton<IVerificationCodeStore>(store));
        var code = await SendAsync(codes);
        await codes.VerifyAsync(Address, UsageType.SignIn, Wrong(code));

        store.Written.Should().NotBeEmpty();
        store.Written.Should().NotContain(r => r.CodeHash != null && Encoding.UTF8.GetString(r.CodeHash).Contains(code, StringComparison.Ordinal));
        store.Keys.Should().OnlyContain(k => !k.Contains("ada", StringComparison.OrdinalIgnoreCase), "keys are hashes, never the address");
        _logs.AllText.ShouldNotContainAny(code, Wrong(code));
    }

    [Fact]
    public async Task The_distributed_store_keeps_codes_between_instances()
    {
        var shared = new MemoryDistributedCache(Options.Create(new MemoryDistributedCacheOptions()));
        var key = new byte[32];
        void Configure(VerificationCodeOptions o)
        {
            o.UseDistributedCache = true;
            o.HashKey = key;
        }

        var first = Service(Configure, s => s.AddSingleton<IDistributedCache>(shared));
        var second = Service(Configure, s => s.AddSingleton<IDistributedCache>(shared));
        var code = await SendAsync(first);

        (await second.VerifyAsync(Address, UsageType.SignIn, Wrong(code))).Should().Be(new CodeVerification(VerificationResult.Wrong, 4));
        (await second.VerifyAsync(Address, UsageType.SignIn, code)).Result.Should().Be(VerificationResult.Verified);
        (await first.VerifyAsync(Address, UsageType.SignIn, code)).Result.Should().Be(VerificationResult.NonePending);
    }

    [Fact]
    public void A_shared_store_without_a_hash_key_fails_at_start()
    {
        using var services = ConnectorHost.Build(_logs, b => b.AddVerificationCodes(o => o.UseDistributedCache = true));

        var start = () => services.GetRequiredService<IStartupValidator>().Validate();

        start.Should().Throw<OptionsValidationException>().Which.Message.Should().Contain("VerificationCodeOptions.HashKey must be set");
    }

    private sealed class FakeEmail : IEmailConnector
    {
        public ConcurrentQueue<EmailMessage> Attempted { get; } = new();

        public List<EmailMessage> Sent { get; } = [];

        public bool Fail { get; set; }

        /// <summary>Fail as a send whose answer was lost after the request went out.</summary>
        public bool Lost { get; set; }

        public ConnectorMetadata Metadata => throw new NotSupportedException();

        public Task<EmailSendResult> SendAsync(EmailMessage message, CancellationToken cancellationToken = default)
        {
            Attempted.Enqueue(message);
            if (Fail)
            {
                throw new ConnectorException(ConnectorErrorCode.General, "Mailgun send failed with HTTP 503.");
            }

            if (Lost)
            {
                throw new ConnectorException(ConnectorErrorCode.General, "Mailgun send timed out.") { Provider = "Mailgun", OutcomeUnknown = true };
            }

            lock (Sent)
            {
                Sent.Add(message);
            }

            return Task.FromResult(new EmailSendResult("<id@example.com>"));
        }
    }

    private sealed class SpyStore(IVerificationCodeStore inner) : IVerificationCodeStore
    {
        private int _updates;

        public ConcurrentBag<VerificationRecord> Written { get; } = [];

        public ConcurrentBag<string> Keys { get; } = [];

        /// <summary>From this update on (1-based), every update fails as an unreachable store does.</summary>
        public int FailFrom { get; init; } = int.MaxValue;

        public ValueTask<TResult> UpdateAsync<TResult>(string key, Func<VerificationRecord?, (VerificationRecord? Next, TResult Result)> update, TimeSpan lifetime, CancellationToken cancellationToken = default)
        {
            if (Interlocked.Increment(ref _updates) >= FailFrom)
            {
                throw new ConnectorException(ConnectorErrorCode.General, "The store could not be reached.") { Provider = "Test store" };
            }

            Keys.Add(key);
            return inner.UpdateAsync(key, record =>
            {
                var (next, result) = update(record);
                if (next is not null)
                {
                    Written.Add(next);
                }

                return (next, result);
            }, lifetime, cancellationToken);
        }
    }
}
