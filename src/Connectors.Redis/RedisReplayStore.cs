using Connectors.Abstractions;

namespace Connectors.Redis;

/// <summary>One-time values on Redis: <c>SET NX PX</c>, so a callback is accepted once across instances.</summary>
internal sealed class RedisReplayStore(RedisConnection redis) : IReplayStore
{
    public async ValueTask<bool> TryUseAsync(string key, TimeSpan lifetime, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(key);
        try
        {
            var database = await redis.DatabaseAsync().ConfigureAwait(false);
            return await database.StringSetAsync(redis.Key(key), 1, lifetime, StackExchange.Redis.When.NotExists).ConfigureAwait(false);
        }
        catch (Exception exception) when (RedisConnection.IsFailure(exception))
        {
            throw RedisConnection.Failed("the replay check of a sign-in callback", exception, "replay-store");
        }
    }
}
