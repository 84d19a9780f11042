using Microsoft.Extensions.Caching.Distributed;

namespace Connectors.Abstractions.Providers;

/// <summary>
/// Where <see cref="ApplicationTokenCache"/> shares tokens between server instances, and how one instance refreshes
/// for all: the lease. <c>UseRedis</c> (Connectors.Redis) registers one on Redis; without it, a cache with
/// <see cref="ApplicationTokenCacheOptions.UseDistributedCache"/> shares tokens through the registered
/// <see cref="IDistributedCache"/>, where every instance refreshes on its own (an <see cref="IDistributedCache"/> has no lease).
/// Every call may fail or hang: the cache bounds each by <see cref="ApplicationTokenCacheOptions.DistributedCacheTimeout"/>
/// and then carries on as if the store were not there.
/// </summary>
public interface ISharedTokenStore
{
    /// <summary>The entry at <paramref name="key"/>, or null.</summary>
    ValueTask<byte[]?> GetAsync(string key, CancellationToken cancellationToken);

    /// <summary>Writes <paramref name="value"/> at <paramref name="key"/> for <paramref name="lifetime"/>.</summary>
    ValueTask SetAsync(string key, byte[] value, TimeSpan lifetime, CancellationToken cancellationToken);

    /// <summary>Removes the entry at <paramref name="key"/> if it still is <paramref name="value"/> (another instance
    /// may have written a new token since it was read).</summary>
    ValueTask RemoveAsync(string key, byte[] value, CancellationToken cancellationToken);

    /// <summary>
    /// Takes the lease <paramref name="key"/> for <paramref name="duration"/> (it ends by itself then, so a holder that
    /// dies holds the others off no longer); null when another holder has it. Disposing the returned lease ends it if
    /// it is still this holder's.
    /// </summary>
    ValueTask<IAsyncDisposable?> TryAcquireLeaseAsync(string key, TimeSpan duration, CancellationToken cancellationToken);
}

/// <summary>Tokens in an <see cref="IDistributedCache"/>: shared, with no lease (every lease is granted, so every
/// instance refreshes on its own) and a removal that is not conditional (an <see cref="IDistributedCache"/> cannot compare).</summary>
internal sealed class DistributedCacheTokenStore(IDistributedCache cache) : ISharedTokenStore
{
    private static readonly IAsyncDisposable NoLease = new Granted();

    public async ValueTask<byte[]?> GetAsync(string key, CancellationToken cancellationToken) =>
        await cache.GetAsync(key, cancellationToken).ConfigureAwait(false);

    public async ValueTask SetAsync(string key, byte[] value, TimeSpan lifetime, CancellationToken cancellationToken) =>
        await cache.SetAsync(key, value, new DistributedCacheEntryOptions { AbsoluteExpirationRelativeToNow = lifetime }, cancellationToken).ConfigureAwait(false);

    public async ValueTask RemoveAsync(string key, byte[] value, CancellationToken cancellationToken) =>
        await cache.RemoveAsync(key, cancellationToken).ConfigureAwait(false);

    public ValueTask<IAsyncDisposable?> TryAcquireLeaseAsync(string key, TimeSpan duration, CancellationToken cancellationToken) =>
        ValueTask.FromResult<IAsyncDisposable?>(NoLease);

    private sealed class Granted : IAsyncDisposable
    {
        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}
