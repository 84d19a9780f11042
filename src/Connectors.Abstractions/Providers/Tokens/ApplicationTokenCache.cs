using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Caching.Distributed;
using Microsoft.Extensions.Logging;

namespace Connectors.Abstractions.Providers;

/// <summary>An application token and its lifetime, as the provider's token endpoint returned them.</summary>
/// <param name="Value">The token.</param>
/// <param name="ExpiresIn">Its lifetime from now.</param>
public readonly record struct ApplicationToken(string Value, TimeSpan ExpiresIn);

/// <summary>Whose token: the in-process key (kept in memory, where the app's config is anyway) and the key in a
/// shared cache (a hash: a distributed cache is readable by other tools).</summary>
public sealed class TokenCacheKey
{
    private readonly string _provider;
    private string? _shared;

    private TokenCacheKey(string provider, string local)
    {
        _provider = provider;
        Local = local;
    }

    /// <summary>The in-process key.</summary>
    public string Local { get; }

    /// <summary>The shared-cache key, <c>connectors:{provider}:token:{hash}</c>; hashed on first use (only a host with a
    /// shared cache pays for it).</summary>
    public string Shared => _shared ??= $"connectors:{_provider.ToLowerInvariant()}:token:{Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(Local)), 0, 16)}";

    /// <summary>The key of the app identified by <paramref name="parts"/> (e.g. corp id and secret) at <paramref name="provider"/>.</summary>
    public static TokenCacheKey Create(string provider, params string[] parts)
    {
        ArgumentException.ThrowIfNullOrEmpty(provider);
        ArgumentNullException.ThrowIfNull(parts);
        return new TokenCacheKey(provider, string.Join('\n', parts));
    }

    /// <summary>Redacted: the local key holds a secret.</summary>
    public override string ToString() => $"TokenCacheKey {{ Shared = {Shared} }}";
}

/// <summary>
/// Application (client-credential) tokens, cached per app until their lifetime minus a margin and fetched
/// single-flight: however many callers miss at once, one token request is made. Optionally shared between instances
/// (<see cref="ISharedTokenStore"/>, or <see cref="IDistributedCache"/>): on a store with leases (Connectors.Redis) one
/// instance refreshes under a lease of <see cref="ApplicationTokenCacheOptions.SharedRefreshLease"/> while the others
/// wait for its token, so a cold start or an expiry costs one token request however many instances there are; when
/// the holder dies, its lease ends and another instance refreshes. Bounded (<see cref="ApplicationTokenCacheOptions.Capacity"/>), and it
/// never lets the shared cache break a sign-in: a shared cache that fails, hangs past its budget or holds an unusable
/// entry counts as a miss (a bad entry is removed), and a token the provider rejected is never taken from the shared
/// cache again: the next fetch asks the provider and overwrites it.
/// </summary>
public sealed partial class ApplicationTokenCache
{
    /// <summary>The longest token accepted, in characters.</summary>
    public const int MaxTokenLength = 4096;

    private readonly ConcurrentDictionary<string, Entry> _entries = new(StringComparer.Ordinal);
    private readonly object _trimLock = new();
    private readonly string _provider;
    private readonly ApplicationTokenCacheOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly ISharedTokenStore? _shared;
    private readonly ConnectorTelemetry _telemetry;

    /// <summary>Creates the cache of one provider.</summary>
    /// <param name="provider">The provider's display name, for logs and shared keys.</param>
    /// <param name="options">Margin, bound, sharing; validated here.</param>
    /// <param name="timeProvider">The clock of expiry, backoff and the shared-cache budget.</param>
    /// <param name="logger">Where cache problems are logged (never tokens).</param>
    /// <param name="distributedCache">The shared cache, used when <see cref="ApplicationTokenCacheOptions.UseDistributedCache"/> is set
    /// and no <paramref name="sharedStore"/> is given.</param>
    /// <param name="meterFactory">Creates the meter its failures are counted in; <see cref="ConnectorsDiagnostics.Meter"/> when null.</param>
    /// <param name="sharedStore">The shared store with leases (<c>UseRedis</c> registers one); when given, tokens are
    /// shared through it whatever <see cref="ApplicationTokenCacheOptions.UseDistributedCache"/> says.</param>
    /// <exception cref="Microsoft.Extensions.Options.OptionsValidationException">When <paramref name="options"/> are out of range.</exception>
    public ApplicationTokenCache(string provider, ApplicationTokenCacheOptions options, TimeProvider timeProvider, ILogger logger, IDistributedCache? distributedCache = null, IMeterFactory? meterFactory = null, ISharedTokenStore? sharedStore = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(provider);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(timeProvider);
        ArgumentNullException.ThrowIfNull(logger);
        var problems = new List<string>();
        OptionsChecks.TokenCache(options, $"{provider} token cache options", problems);
        OptionsChecks.ThrowIfAny(problems, provider);
        _provider = provider;
        _options = options;
        _time = timeProvider;
        _logger = logger;
        _telemetry = new ConnectorTelemetry(logger, meterFactory);
        _shared = sharedStore ?? (options.UseDistributedCache && distributedCache is not null ? new DistributedCacheTokenStore(distributedCache) : null);
    }

    /// <summary>How many apps' entries are held in this process (at most <see cref="ApplicationTokenCacheOptions.Capacity"/>
    /// once a trim has run).</summary>
    public int Count => _entries.Count;

    /// <summary>Whether <paramref name="token"/> can be used: 1 to <see cref="MaxTokenLength"/> visible ASCII characters
    /// (it goes into a URL query or a header).</summary>
    public static bool IsUsableToken(string? token) =>
        token is { Length: > 0 and <= MaxTokenLength } && token.All(c => c is > ' ' and < '\u007F');

    /// <summary>Returns a fresh token for the app, calling <paramref name="fetch"/> (once for all concurrent callers)
    /// when needed.</summary>
    /// <param name="key">Whose token.</param>
    /// <param name="fetch">Calls the provider's token endpoint. It gets no cancellation: the shared fetch goes on for
    /// the other callers when one gives up.</param>
    /// <param name="cancellationToken">Cancels this caller's wait.</param>
    /// <exception cref="ConnectorException">What <paramref name="fetch"/> threw; an <see cref="ConnectorErrorCode.InvalidConfig"/>
    /// is remembered for <see cref="ApplicationTokenCacheOptions.FailureBackoff"/>.</exception>
    public async ValueTask<string> GetAsync(TokenCacheKey key, Func<CancellationToken, Task<ApplicationToken>> fetch, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(fetch);
        var entry = Find(key);
        var now = _time.GetUtcNow();
        entry.LastUsed = now.UtcTicks;
        if (entry.Token is { } cached && now < cached.RefreshAt)
        {
            return cached.Value;
        }

        Task<CachedToken> pending;
        lock (entry)
        {
            if (entry.Token is { } again && now < again.RefreshAt)
            {
                return again.Value;
            }

            if (entry.Failure is { } failure && now < failure.Until)
            {
                throw Remembered(failure.Exception, failure.Until - now);
            }

            if (entry.Pending is null || entry.Pending.IsCompleted)
            {
                entry.Pending = FetchAsync(entry, fetch);
            }

            pending = entry.Pending;
        }

        return (await pending.WaitAsync(cancellationToken).ConfigureAwait(false)).Value;
    }

    /// <summary>Drops <paramref name="rejectedToken"/> after the provider rejected it: the next call fetches a new
    /// token from the provider (never the same one from the shared cache) and overwrites the shared entry.</summary>
    public async ValueTask InvalidateAsync(TokenCacheKey key, string rejectedToken)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(rejectedToken);
        if (!_entries.TryGetValue(key.Local, out var entry))
        {
            return;
        }

        lock (entry)
        {
            entry.Rejected = rejectedToken;
            if (entry.Token?.Value == rejectedToken)
            {
                entry.Token = null;
            }
        }

        if (_shared is not null)
        {
            var (shared, bytes) = await TryReadSharedAsync(entry).ConfigureAwait(false);
            if (shared?.Value == rejectedToken)
            {
                await TrySharedAsync(entry, (store, token) => store.RemoveAsync(entry.Key.Shared, bytes!, token)).ConfigureAwait(false);
            }
        }
    }

    private Entry Find(TokenCacheKey key)
    {
        if (_entries.TryGetValue(key.Local, out var existing))
        {
            return existing;
        }

        var entry = _entries.GetOrAdd(key.Local, static (_, key) => new Entry(key), key);
        if (_entries.Count > _options.Capacity)
        {
            Trim(entry);
        }

        return entry;
    }

    /// <summary>Brings the cache to 90% of its capacity: entries holding nothing usable first (expired token, no
    /// fetch running, no failure remembered), then the least recently used; never <paramref name="keep"/>, the entry
    /// being added.</summary>
    private void Trim(Entry keep)
    {
        if (!Monitor.TryEnter(_trimLock))
        {
            return; // another caller is trimming
        }

        try
        {
            var target = Math.Max(1, _options.Capacity * 9 / 10);
            var now = _time.GetUtcNow();
            var candidates = _entries.Values
                .Where(e => e != keep && e.Pending is not { IsCompleted: false })
                .OrderBy(e => e.Token is { } t && now < t.RefreshAt || e.Failure is { } f && now < f.Until ? 1 : 0)
                .ThenBy(e => e.LastUsed)
                .ToList();
            foreach (var entry in candidates)
            {
                if (_entries.Count <= target)
                {
                    break;
                }

                _entries.TryRemove(new KeyValuePair<string, Entry>(entry.Key.Local, entry));
            }
        }
        finally
        {
            Monitor.Exit(_trimLock);
        }
    }

    private async Task<CachedToken> FetchAsync(Entry entry, Func<CancellationToken, Task<ApplicationToken>> fetch)
    {
        if (_shared is null)
        {
            return await FetchFromProviderAsync(entry, fetch).ConfigureAwait(false);
        }

        // Take the lease, then read: the holder fetches unless an earlier holder's token is there; the others read
        // and wait for the holder's. A holder that dies holds the others off until its lease ends; the wait is
        // bounded besides, for a store that keeps answering "held".
        var waitUntil = _time.GetUtcNow() + _options.SharedRefreshLease * 2;
        var pause = TimeSpan.FromMilliseconds(20);
        var leaseKey = entry.Key.Shared + ":lease";
        while (true)
        {
            IAsyncDisposable? lease = null;
            var asked = await TrySharedAsync(entry, async (store, t) => lease = await store.TryAcquireLeaseAsync(leaseKey, _options.SharedRefreshLease, t).ConfigureAwait(false)).ConfigureAwait(false);
            if (!asked || lease is not null)
            {
                try
                {
                    // Holding the lease (or the store failed: on our own): a token another instance wrote, else fetch.
                    return await TryReadFreshSharedAsync(entry).ConfigureAwait(false) is { } written
                        ? entry.Token = written
                        : await FetchFromProviderAsync(entry, fetch).ConfigureAwait(false);
                }
                finally
                {
                    if (lease is { } held)
                    {
                        await TrySharedAsync(entry, (_, _) => held.DisposeAsync()).ConfigureAwait(false);
                    }
                }
            }

            if (await TryReadFreshSharedAsync(entry).ConfigureAwait(false) is { } shared)
            {
                return entry.Token = shared;
            }

            if (_time.GetUtcNow() >= waitUntil)
            {
                LogSharedRefreshWaitedOut(_logger, _provider);
                return await FetchFromProviderAsync(entry, fetch).ConfigureAwait(false);
            }

            await Task.Delay(pause, _time).ConfigureAwait(false);
            pause = TimeSpan.FromTicks(Math.Min(pause.Ticks * 2, TimeSpan.FromMilliseconds(250).Ticks));
        }
    }

    private async Task<CachedToken?> TryReadFreshSharedAsync(Entry entry)
    {
        var (shared, _) = await TryReadSharedAsync(entry).ConfigureAwait(false);
        return shared is not null && shared.Value != entry.Rejected && _time.GetUtcNow() < shared.RefreshAt ? shared : null;
    }

    private async Task<CachedToken> FetchFromProviderAsync(Entry entry, Func<CancellationToken, Task<ApplicationToken>> fetch)
    {
        ApplicationToken token;
        try
        {
            token = await fetch(CancellationToken.None).ConfigureAwait(false);
        }
        catch (ConnectorException exception) when (exception.Code == ConnectorErrorCode.InvalidConfig && _options.FailureBackoff > TimeSpan.Zero)
        {
            entry.Failure = new RememberedFailure(exception, _time.GetUtcNow() + _options.FailureBackoff);
            throw;
        }

        var margin = token.ExpiresIn > _options.RefreshMargin * 2 ? _options.RefreshMargin : token.ExpiresIn / 2;
        var fresh = new CachedToken(token.Value, _time.GetUtcNow() + token.ExpiresIn - margin);
        lock (entry)
        {
            entry.Token = fresh;
            entry.Rejected = null;
            entry.Failure = null;
        }

        if (_shared is not null)
        {
            // Relative expiry: the distributed cache has its own clock, which need not be this TimeProvider.
            var bytes = Serialize(fresh);
            var lifetime = fresh.RefreshAt - _time.GetUtcNow();
            await TrySharedAsync(entry, (store, t) => store.SetAsync(entry.Key.Shared, bytes, lifetime, t)).ConfigureAwait(false);
        }

        return fresh;
    }

    private ConnectorException Remembered(ConnectorException original, TimeSpan left)
    {
        var exception = new ConnectorException(
            original.Code,
            $"{original.Message} (This answer is remembered for {Math.Ceiling(left.TotalSeconds):0} more s; the provider is not asked again until then.)")
        {
            Provider = original.Provider,
            Operation = original.Operation,
            ProviderErrorCode = original.ProviderErrorCode,
            HttpStatusCode = original.HttpStatusCode,
        };
        _telemetry.RecordFailure(exception);
        return exception;
    }

    private async Task<(CachedToken? Token, byte[]? Bytes)> TryReadSharedAsync(Entry entry)
    {
        byte[]? bytes = null;
        var ok = await TrySharedAsync(entry, async (store, token) => bytes = await store.GetAsync(entry.Key.Shared, token).ConfigureAwait(false)).ConfigureAwait(false);
        if (!ok || bytes is null)
        {
            return (null, null);
        }

        if (Deserialize(bytes) is { } token)
        {
            return (token, bytes);
        }

        LogSharedEntryUnusable(_logger, _provider);
        await TrySharedAsync(entry, (store, t) => store.RemoveAsync(entry.Key.Shared, bytes, t)).ConfigureAwait(false);
        return (null, null);
    }

    /// <summary>Runs one shared-cache call within <see cref="ApplicationTokenCacheOptions.DistributedCacheTimeout"/>;
    /// any failure (an exception of any type, a cancellation, a call that hangs) is logged and reported as false.</summary>
    private async Task<bool> TrySharedAsync(Entry entry, Func<ISharedTokenStore, CancellationToken, ValueTask> call)
    {
        var budget = _options.DistributedCacheTimeout;
        using var timeout = new CancellationTokenSource(budget, _time);
        try
        {
            await call(_shared!, timeout.Token).AsTask().WaitAsync(budget, _time).ConfigureAwait(false);
            return true;
        }
        catch (Exception exception) when (exception is not OutOfMemoryException)
        {
            LogSharedCacheFailed(_logger, _provider, exception.GetType().Name);
            return false;
        }
    }

    private static byte[] Serialize(CachedToken token)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("t", token.Value);
            writer.WriteNumber("r", token.RefreshAt.ToUnixTimeMilliseconds());
            writer.WriteEndObject();
        }

        return buffer.ToArray();
    }

    /// <summary>Reads a shared entry; null for anything but <c>{"t": usable token, "r": Unix milliseconds}</c>.</summary>
    private static CachedToken? Deserialize(byte[] bytes)
    {
        try
        {
            using var document = JsonDocument.Parse(bytes);
            var root = document.RootElement;
            var value = root.GetStringOrNull("t");
            return IsUsableToken(value)
                && root.TryGetProperty("r", out var r) && r.ValueKind == JsonValueKind.Number && r.TryGetInt64(out var millis)
                && millis is >= 0 and <= 253402300799999
                ? new CachedToken(value!, DateTimeOffset.FromUnixTimeMilliseconds(millis))
                : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    [LoggerMessage(EventId = 1101, Level = LogLevel.Warning, Message = "{Provider} shared token cache failed ({ExceptionType}); treated as a miss")]
    private static partial void LogSharedCacheFailed(ILogger logger, string provider, string exceptionType);

    [LoggerMessage(EventId = 1103, Level = LogLevel.Warning, Message = "{Provider} token refresh by another instance took longer than twice the shared refresh lease; fetching a token here")]
    private static partial void LogSharedRefreshWaitedOut(ILogger logger, string provider);

    [LoggerMessage(EventId = 1102, Level = LogLevel.Warning, Message = "{Provider} shared token cache held an unusable entry; removed it and treated it as a miss")]
    private static partial void LogSharedEntryUnusable(ILogger logger, string provider);

    private sealed record CachedToken(string Value, DateTimeOffset RefreshAt);

    private sealed record RememberedFailure(ConnectorException Exception, DateTimeOffset Until);

    private sealed class Entry(TokenCacheKey key)
    {
        public TokenCacheKey Key { get; } = key;

        public volatile CachedToken? Token;

        public volatile RememberedFailure? Failure;

        public string? Rejected;

        public Task<CachedToken>? Pending;

        public long LastUsed;
    }
}
