namespace Connectors.Abstractions;

/// <summary>Settings of an <see cref="Providers.ApplicationTokenCache"/>.</summary>
public sealed class ApplicationTokenCacheOptions
{
    /// <summary>How long before the token's lifetime runs out it is refreshed. Default 5 minutes (at most half the lifetime is used).</summary>
    public TimeSpan RefreshMargin { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>How many applications' tokens are kept in this process; beyond it, expired entries and then the
    /// least recently used are dropped. Default 1,024.</summary>
    public int Capacity { get; set; } = 1024;

    /// <summary>Share tokens between server instances through the registered <see cref="Microsoft.Extensions.Caching.Distributed.IDistributedCache"/>, in
    /// addition to the in-process cache (each instance then refreshes on its own). Not needed with a registered
    /// <see cref="Providers.ISharedTokenStore"/> (<c>UseRedis</c>), which is always used. Default false.</summary>
    public bool UseDistributedCache { get; set; }

    /// <summary>The time one call to the shared cache may take before it counts as a miss. Default 1 second.</summary>
    public TimeSpan DistributedCacheTimeout { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>On a shared store with leases (Connectors.Redis): how long one instance's token refresh holds the other
    /// instances off. They wait for its token meanwhile; if the holder dies, its lease ends after this and another
    /// instance refreshes. Longer than a token request takes (the provider's timeout). Default 10 seconds.</summary>
    public TimeSpan SharedRefreshLease { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>How long a configuration error from the token endpoint (a wrong app id or secret) is remembered and
    /// returned without asking the provider again, so a misconfigured app does not cost a token request per sign-in.
    /// Default 30 seconds.</summary>
    public TimeSpan FailureBackoff { get; set; } = TimeSpan.FromSeconds(30);
}
