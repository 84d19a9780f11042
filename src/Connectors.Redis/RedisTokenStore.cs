using System.Security.Cryptography;
using Connectors.Abstractions.Providers;
using StackExchange.Redis;

namespace Connectors.Redis;

/// <summary>Application tokens on Redis, with leases (<c>SET NX PX</c> under a random owner, ended only by that owner):
/// one instance refreshes for all. Failures surface as exceptions, which <see cref="ApplicationTokenCache"/> treats as
/// a miss (never a failed sign-in).</summary>
internal sealed class RedisTokenStore(RedisConnection redis) : ISharedTokenStore
{
    private const string RemoveIfEqual = """
        if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
        return 0
        """;

    public async ValueTask<byte[]?> GetAsync(string key, CancellationToken cancellationToken) =>
        (byte[]?)await (await redis.DatabaseAsync().ConfigureAwait(false)).StringGetAsync(redis.Key(key)).ConfigureAwait(false);

    public async ValueTask SetAsync(string key, byte[] value, TimeSpan lifetime, CancellationToken cancellationToken)
    {
        if (lifetime > TimeSpan.Zero)
        {
            await (await redis.DatabaseAsync().ConfigureAwait(false)).StringSetAsync(redis.Key(key), value, lifetime).ConfigureAwait(false);
        }
    }

    public async ValueTask RemoveAsync(string key, byte[] value, CancellationToken cancellationToken) =>
        await (await redis.DatabaseAsync().ConfigureAwait(false)).ScriptEvaluateAsync(RemoveIfEqual, [redis.Key(key)], [value]).ConfigureAwait(false);

    public async ValueTask<IAsyncDisposable?> TryAcquireLeaseAsync(string key, TimeSpan duration, CancellationToken cancellationToken)
    {
        var database = await redis.DatabaseAsync().ConfigureAwait(false);
        var redisKey = redis.Key(key);
        var owner = Convert.ToHexString(RandomNumberGenerator.GetBytes(16));
        return await database.LockTakeAsync(redisKey, owner, duration).ConfigureAwait(false) ? new Lease(database, redisKey, owner) : null;
    }

    private sealed class Lease(IDatabase database, RedisKey key, string owner) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync() => await database.LockReleaseAsync(key, owner).ConfigureAwait(false);
    }
}
