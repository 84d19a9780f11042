using System.Collections.Concurrent;
using System.Text;
using Microsoft.Extensions.Caching.Distributed;
using Microsoft.Extensions.Logging;

namespace Connectors.Abstractions.Tests.Tokens;

public sealed class ApplicationTokenCacheTests
{
    private static readonly TokenCacheKey Key = TokenCacheKey.Create("Test", "app-1", "secret-S3CR3T");
    private readonly ManualTimeProvider _time = new();
    private readonly FakeLoggerProvider _logs = new();
    private int _fetches;

    private ApplicationTokenCache Cache(Action<ApplicationTokenCacheOptions>? configure = null, IDistributedCache? shared = null)
    {
        var options = new ApplicationTokenCacheOptions { UseDistributedCache = shared is not null };
        configure?.Invoke(options);
        return new ApplicationTokenCache("Test", options, _time, _logs.CreateLogger("test"), shared);
    }

    private Task<ApplicationToken> Fetch(CancellationToken _)
    {
        var n = Interlocked.Increment(ref _fetches);
        return Task.FromResult(new ApplicationToken($"token-{n}", TimeSpan.FromHours(2)));
    }

    [Fact]
    public async Task Ten_thousand_apps_keep_at_most_the_capacity()
    {
        var cache = Cache(o => o.Capacity = 1000);

        for (var i = 0; i < 10_000; i++)
        {
            await cache.GetAsync(TokenCacheKey.Create("Test", $"corp-{i}", "s"), Fetch);
            cache.Count.Should().BeLessThanOrEqualTo(1000 + 1, "the cache trims as soon as it goes over its capacity");
        }

        _fetches.Should().Be(10_000);
    }

    [Fact]
    public async Task The_most_recently_used_apps_survive_a_trim()
    {
        var cache = Cache(o => o.Capacity = 10);
        var hot = TokenCacheKey.Create("Test", "hot", "s");
        await cache.GetAsync(hot, Fetch);

        for (var i = 0; i < 50; i++)
        {
            _time.Advance(TimeSpan.FromSeconds(1));
            await cache.GetAsync(hot, Fetch);
            await cache.GetAsync(TokenCacheKey.Create("Test", $"cold-{i}", "s"), Fetch);
        }

        (await cache.GetAsync(hot, Fetch)).Should().Be("token-1", "the app in use was never evicted");
    }

    [Fact]
    public async Task Expired_entries_go_first()
    {
        var cache = Cache(o => o.Capacity = 4);
        for (var i = 0; i < 4; i++)
        {
            await cache.GetAsync(TokenCacheKey.Create("Test", $"old-{i}", "s"), Fetch);
        }

        _time.Advance(TimeSpan.FromHours(3)); // every token above has expired
        var fresh = TokenCacheKey.Create("Test", "fresh", "s");
        await cache.GetAsync(fresh, Fetch);

        cache.Count.Should().BeLessThanOrEqualTo(4);
        (await cache.GetAsync(fresh, Fetch)).Should().Be("token-5");
    }

    [Fact]
    public async Task A_configuration_error_is_remembered_for_the_backoff_and_then_asked_again()
    {
        var cache = Cache(o => o.FailureBackoff = TimeSpan.FromSeconds(30));
        var calls = 0;
        Task<ApplicationToken> Failing(CancellationToken _)
        {
            calls++;
            throw new ConnectorException(ConnectorErrorCode.InvalidConfig, "Test gettoken returned errcode 40013: the corpId is wrong.") { Provider = "Test", Operation = "gettoken", ProviderErrorCode = "40013" };
        }

        for (var i = 0; i < 200; i++)
        {
            var error = (await ((Func<Task>)(() => cache.GetAsync(Key, Failing).AsTask())).Should().ThrowAsync<ConnectorException>()).Which;
            error.Code.Should().Be(ConnectorErrorCode.InvalidConfig);
            error.ProviderErrorCode.Should().Be("40013");
        }

        calls.Should().Be(1, "200 sign-ins against a misconfigured app make one token request");
        _time.Advance(TimeSpan.FromSeconds(31));
        await ((Func<Task>)(() => cache.GetAsync(Key, Failing).AsTask())).Should().ThrowAsync<ConnectorException>();
        calls.Should().Be(2);
        (await cache.GetAsync(TokenCacheKey.Create("Test", "app-1", "corrected-secret"), Fetch)).Should().Be("token-1", "a corrected config is another app key: it is not held back");
    }

    [Fact]
    public async Task A_rejected_token_in_the_shared_cache_is_never_served_again_even_when_the_remove_fails()
    {
        var shared = new FakeCache { FailRemove = true };
        shared.Put(Key.Shared, """{ "t": "stale-token", "r": 253402300799000 }""");
        var cache = Cache(shared: shared);

        (await cache.GetAsync(Key, Fetch)).Should().Be("stale-token");
        await cache.InvalidateAsync(Key, "stale-token");

        (await cache.GetAsync(Key, Fetch)).Should().Be("token-1", "after a rejection the provider is asked, not the shared cache");
        shared.Get(Key.Shared).Should().Contain("token-1", "the fresh token overwrites the rejected one");
    }

    [Theory]
    [InlineData(typeof(InvalidOperationException))]
    [InlineData(typeof(OperationCanceledException))]
    [InlineData(typeof(TaskCanceledException))]
    public async Task A_shared_cache_that_throws_anything_is_a_miss(Type exceptionType)
    {
        var cache = Cache(shared: new FakeCache { Throw = (Exception)Activator.CreateInstance(exceptionType)! });

        (await cache.GetAsync(Key, Fetch)).Should().Be("token-1");
        _logs.Entries.Should().Contain(e => e.Id.Id == 1101 && e.Value("ExceptionType") == exceptionType.Name);
    }

    [Fact]
    public async Task A_hanging_shared_cache_is_a_miss_after_its_budget()
    {
        var shared = new FakeCache { Hang = true };
        var cache = Cache(o => o.DistributedCacheTimeout = TimeSpan.FromSeconds(1), shared);

        var get = cache.GetAsync(Key, Fetch).AsTask();
        await shared.Called.Task.WaitAsync(TimeSpan.FromSeconds(30));
        get.IsCompleted.Should().BeFalse("the cache call is waiting");
        _time.Advance(TimeSpan.FromSeconds(1)); // the read's budget
        await WaitForTimerAsync(); // the write of the fetched token hangs too
        _time.Advance(TimeSpan.FromSeconds(1));

        (await get.WaitAsync(TimeSpan.FromSeconds(30))).Should().Be("token-1");
    }

    [Theory]
    [InlineData("""{ "t": null, "r": 253402300799000 }""")]
    [InlineData("""{ "t": "has space", "r": 253402300799000 }""")]
    [InlineData("""{ "t": "ok", "r": "soon" }""")]
    [InlineData("""{ "t": "ok", "r": 99999999999999999 }""")]
    [InlineData("not json")]
    [InlineData("")]
    public async Task An_unusable_shared_entry_is_removed_and_a_token_fetched(string entry)
    {
        var shared = new FakeCache();
        shared.Put(Key.Shared, entry);
        var cache = Cache(shared: shared);

        (await cache.GetAsync(Key, Fetch)).Should().Be("token-1");
        shared.Get(Key.Shared).Should().Contain("token-1");
        _logs.Entries.Should().Contain(e => e.Id.Id == 1102);
    }

    [Fact]
    public async Task A_megabyte_token_in_the_shared_cache_is_unusable()
    {
        var shared = new FakeCache();
        shared.Put(Key.Shared, $$"""{ "t": "{{new string('a', 1024 * 1024)}}", "r": 253402300799000 }""");

        (await Cache(shared: shared).GetAsync(Key, Fetch)).Should().Be("token-1");
    }

    [Fact]
    public void The_shared_key_is_a_hash_never_the_secret()
    {
        Key.Shared.Should().StartWith("connectors:test:token:").And.NotContain("secret-S3CR3T");
        Key.ToString().Should().NotContain("secret-S3CR3T");
    }

    private async Task WaitForTimerAsync()
    {
        for (var i = 0; i < 3000 && _time.PendingTimers == 0; i++)
        {
            await Task.Delay(10);
        }
    }

    private sealed class FakeCache : IDistributedCache
    {
        private readonly ConcurrentDictionary<string, byte[]> _values = new();

        public bool FailRemove { get; init; }

        public bool Hang { get; init; }

        public Exception? Throw { get; init; }

        public TaskCompletionSource Called { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public void Put(string key, string value) => _values[key] = Encoding.UTF8.GetBytes(value);

        public string? Get(string key) => _values.TryGetValue(key, out var v) ? Encoding.UTF8.GetString(v) : null;

        public byte[]? Get(string key, bool _) => throw new NotSupportedException();

        byte[]? IDistributedCache.Get(string key) => throw new NotSupportedException("the cache is used asynchronously");

        public Task<byte[]?> GetAsync(string key, CancellationToken token = default)
        {
            Called.TrySetResult();
            return Behave(() => _values.TryGetValue(key, out var v) ? v : null);
        }

        public void Set(string key, byte[] value, DistributedCacheEntryOptions options) => throw new NotSupportedException();

        public Task SetAsync(string key, byte[] value, DistributedCacheEntryOptions options, CancellationToken token = default) =>
            Behave(() => _values[key] = value);

        public void Refresh(string key) => throw new NotSupportedException();

        public Task RefreshAsync(string key, CancellationToken token = default) => Task.CompletedTask;

        public void Remove(string key) => throw new NotSupportedException();

        public Task RemoveAsync(string key, CancellationToken token = default) =>
            FailRemove ? Task.FromException(new IOException("replica lag")) : Behave(() => _values.TryRemove(key, out _));

        private Task<T> Behave<T>(Func<T> action)
        {
            if (Hang)
            {
                return new TaskCompletionSource<T>().Task; // never completes, ignores cancellation
            }

            return Throw is { } exception ? Task.FromException<T>(exception) : Task.FromResult(action());
        }
    }
}
