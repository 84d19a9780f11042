using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace Connectors.Abstractions.Tests.Tokens;

/// <summary>One instance refreshes for all through a store with leases (<see cref="ISharedTokenStore"/>); the other
/// instances are caches sharing the store. Connectors.Redis.Tests runs the same with processes on a real Redis.</summary>
public sealed class SharedRefreshTests
{
    private static readonly TokenCacheKey Key = TokenCacheKey.Create("Test", "app-1", "secret-S3CR3T");
    private readonly ManualTimeProvider _time = new();
    private readonly FakeLoggerProvider _logs = new();
    private int _fetches;

    private ApplicationTokenCache Cache(ISharedTokenStore store) =>
        new("Test", new ApplicationTokenCacheOptions(), _time, _logs.CreateLogger("test"), sharedStore: store);

    private Task<ApplicationToken> Fetch(CancellationToken _)
    {
        var n = Interlocked.Increment(ref _fetches);
        return Task.FromResult(new ApplicationToken($"token-{n}", TimeSpan.FromHours(2)));
    }

    /// <summary>Moves the clock only while the waiting cache sleeps between looks at the store (its one timer), a
    /// quarter second at a time, until <paramref name="task"/> is done.</summary>
    private async Task<T> AdvanceUntilDoneAsync<T>(Task<T> task)
    {
        for (var i = 0; i < 100_000 && !task.IsCompleted; i++)
        {
            if (_time.PendingTimers > 0)
            {
                _time.Advance(TimeSpan.FromMilliseconds(250));
            }
            else
            {
                await Task.Delay(1);
            }
        }

        return await task;
    }

    private static async Task UntilAsync(Func<bool> condition)
    {
        for (var i = 0; i < 30_000 && !condition(); i++)
        {
            await Task.Delay(1);
        }

        condition().Should().BeTrue();
    }

    [Fact]
    public async Task An_instance_waits_for_the_refresh_another_instance_holds_the_lease_for_and_uses_its_token()
    {
        var store = new LeasingStore(_time);
        var (one, other) = (Cache(store), Cache(store));
        var provider = new TaskCompletionSource();
        var holding = one.GetAsync(Key, async t =>
        {
            await provider.Task;
            return await Fetch(t);
        }).AsTask();
        await UntilAsync(() => store.Leases == 1);

        var waiting = other.GetAsync(Key, Fetch).AsTask();
        await UntilAsync(() => _time.PendingTimers > 0); // it sleeps between looks
        provider.SetResult();

        (await holding).Should().Be("token-1");
        (await AdvanceUntilDoneAsync(waiting)).Should().Be("token-1");
        _fetches.Should().Be(1, "one token request for both instances");
        store.Leases.Should().Be(0, "the holder ended its lease");
    }

    [Fact]
    public async Task When_the_holder_dies_its_lease_ends_and_a_waiting_instance_refreshes_once()
    {
        var store = new LeasingStore(_time);
        (await store.TryAcquireLeaseAsync(Key.Shared + ":lease", TimeSpan.FromSeconds(10), default)).Should().NotBeNull();
        var started = _time.GetUtcNow();

        var token = await AdvanceUntilDoneAsync(Cache(store).GetAsync(Key, Fetch).AsTask());

        token.Should().Be("token-1");
        _fetches.Should().Be(1);
        (_time.GetUtcNow() - started).Should().BeGreaterThanOrEqualTo(TimeSpan.FromSeconds(10), "it waited out the dead holder's lease").And.BeLessThan(TimeSpan.FromSeconds(12));
    }

    [Fact]
    public async Task A_store_that_fails_is_a_miss_never_a_failed_call()
    {
        var token = await Cache(new LeasingStore(_time) { Down = true }).GetAsync(Key, Fetch);

        token.Should().Be("token-1");
        _fetches.Should().Be(1);
        _logs.Entries.Should().Contain(e => e.Id.Id == 1101);
        _logs.AllText.ShouldNotContainAny("token-1", "secret-S3CR3T");
    }

    /// <summary>Values and leases in memory, leases ending on the test's clock; or a store that throws.</summary>
    private sealed class LeasingStore(TimeProvider time) : ISharedTokenStore
    {
        private readonly ConcurrentDictionary<string, byte[]> _values = new();
        private readonly ConcurrentDictionary<string, (object Owner, DateTimeOffset Until)> _leases = new();

        public bool Down { get; init; }

        public int Leases => _leases.Count(l => l.Value.Until > time.GetUtcNow());

        public ValueTask<byte[]?> GetAsync(string key, CancellationToken cancellationToken) =>
            ValueTask.FromResult(Check() && _values.TryGetValue(key, out var value) ? value : null);

        public ValueTask SetAsync(string key, byte[] value, TimeSpan lifetime, CancellationToken cancellationToken)
        {
            Check();
            _values[key] = value;
            return ValueTask.CompletedTask;
        }

        public ValueTask RemoveAsync(string key, byte[] value, CancellationToken cancellationToken)
        {
            Check();
            _values.TryRemove(new KeyValuePair<string, byte[]>(key, value));
            return ValueTask.CompletedTask;
        }

        public ValueTask<IAsyncDisposable?> TryAcquireLeaseAsync(string key, TimeSpan duration, CancellationToken cancellationToken)
        {
            Check();
            var owner = new object();
            var now = time.GetUtcNow();
            var taken = _leases.AddOrUpdate(key, (owner, now + duration), (_, held) => held.Until > now ? held : (owner, now + duration));
            return ValueTask.FromResult<IAsyncDisposable?>(taken.Owner == owner ? new Lease(this, key, owner) : null);
        }

        private bool Check() => Down ? throw new InvalidOperationException("the store is down") : true;

        private sealed class Lease(LeasingStore store, string key, object owner) : IAsyncDisposable
        {
            public ValueTask DisposeAsync()
            {
                if (store._leases.TryGetValue(key, out var held) && held.Owner == owner)
                {
                    store._leases.TryRemove(key, out _);
                }

                return ValueTask.CompletedTask;
            }
        }
    }
}
