using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Caching.Distributed;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Connectors.WeCom;

/// <summary>
/// WeCom app access tokens, cached per (corpId, secret) until <c>expires_in</c> minus a margin, fetched
/// single-flight: however many sign-ins miss at once, one <c>gettoken</c> call is made. WeCom requires callers to
/// cache tokens and blocks apps that call gettoken too often; Logto calls it on every sign-in.
/// </summary>
/// <remarks>One instance per host (registered as a singleton by <c>AddWeCom</c>), shared by every WeCom connector.</remarks>
public sealed partial class WeComAccessTokenCache
{
    private readonly ConcurrentDictionary<string, Entry> _entries = new(StringComparer.Ordinal);
    private readonly TimeProvider _time;
    private readonly WeComOptions _options;
    private readonly IDistributedCache? _distributed;
    private readonly ILogger _logger;

    /// <summary>Creates the cache.</summary>
    /// <param name="time">The clock for expiry.</param>
    /// <param name="options">The refresh margin and whether to use <paramref name="distributedCache"/>.</param>
    /// <param name="logger">Where cache failures are logged (never tokens).</param>
    /// <param name="distributedCache">A shared cache, used when <see cref="WeComOptions.UseDistributedTokenCache"/> is set.</param>
    public WeComAccessTokenCache(TimeProvider time, IOptions<WeComOptions> options, ILogger<WeComAccessTokenCache> logger, IDistributedCache? distributedCache = null)
    {
        ArgumentNullException.ThrowIfNull(time);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(logger);
        _time = time;
        _options = options.Value;
        _logger = logger;
        _distributed = _options.UseDistributedTokenCache ? distributedCache : null;
    }

    /// <summary>A token and when it must be refreshed.</summary>
    internal sealed record CachedToken(string Value, DateTimeOffset RefreshAt);

    /// <summary>Returns a fresh token for the app, fetching it with <paramref name="fetch"/> (once for all concurrent callers) when needed.</summary>
    /// <param name="key">Whose token: <see cref="Key"/> of the app's config.</param>
    /// <param name="fetch">Calls gettoken; returns the token and its <c>expires_in</c>.</param>
    /// <param name="cancellationToken">Cancels this caller's wait; the shared fetch goes on for the others.</param>
    internal async ValueTask<string> GetAsync(string key, Func<CancellationToken, Task<(string Token, TimeSpan ExpiresIn)>> fetch, CancellationToken cancellationToken)
    {
        var entry = _entries.GetOrAdd(key, static key => new Entry(key));
        if (entry.Token is { } cached && _time.GetUtcNow() < cached.RefreshAt)
        {
            return cached.Value;
        }

        Task<CachedToken> pending;
        lock (entry)
        {
            if (entry.Token is { } again && _time.GetUtcNow() < again.RefreshAt)
            {
                return again.Value;
            }

            if (entry.Pending is null || entry.Pending.IsCompleted)
            {
                entry.Pending = FetchAsync(entry, fetch);
            }

            pending = entry.Pending;
        }

        return (await pending.WaitAsync(cancellationToken).ConfigureAwait(false)).Value;
    }

    /// <summary>Drops <paramref name="staleToken"/> after WeCom rejected it, so the next call fetches a new one.</summary>
    internal async ValueTask InvalidateAsync(string key, string staleToken)
    {
        if (!_entries.TryGetValue(key, out var entry))
        {
            return;
        }

        lock (entry)
        {
            if (entry.Token?.Value == staleToken)
            {
                entry.Token = null;
            }
        }

        if (_distributed is not null)
        {
            try
            {
                var shared = await ReadDistributedAsync(entry.SharedKey).ConfigureAwait(false);
                if (shared?.Value == staleToken)
                {
                    await _distributed.RemoveAsync(entry.SharedKey).ConfigureAwait(false);
                }
            }
            catch (Exception exception) when (exception is not OperationCanceledException)
            {
                LogDistributedCacheFailed(_logger, exception.GetType().Name);
            }
        }
    }

    private async Task<CachedToken> FetchAsync(Entry entry, Func<CancellationToken, Task<(string Token, TimeSpan ExpiresIn)>> fetch)
    {
        // The shared fetch is not tied to the first caller's token: its cancellation must not fail the others.
        if (_distributed is not null)
        {
            var shared = await TryReadDistributedAsync(entry.SharedKey).ConfigureAwait(false);
            if (shared is not null && _time.GetUtcNow() < shared.RefreshAt)
            {
                return entry.Token = shared;
            }
        }

        var (token, expiresIn) = await fetch(CancellationToken.None).ConfigureAwait(false);
        var margin = expiresIn > _options.TokenRefreshMargin * 2 ? _options.TokenRefreshMargin : expiresIn / 2;
        var fresh = new CachedToken(token, _time.GetUtcNow() + expiresIn - margin);
        entry.Token = fresh;
        if (_distributed is not null)
        {
            await TryWriteDistributedAsync(entry.SharedKey, fresh).ConfigureAwait(false);
        }

        return fresh;
    }

    private async Task<CachedToken?> TryReadDistributedAsync(string key)
    {
        try
        {
            return await ReadDistributedAsync(key).ConfigureAwait(false);
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            LogDistributedCacheFailed(_logger, exception.GetType().Name);
            return null;
        }
    }

    private async Task<CachedToken?> ReadDistributedAsync(string key)
    {
        var bytes = await _distributed!.GetAsync(key).ConfigureAwait(false);
        if (bytes is null)
        {
            return null;
        }

        var root = JsonDocument.Parse(bytes).RootElement;
        return new CachedToken(root.GetProperty("t").GetString()!, DateTimeOffset.FromUnixTimeMilliseconds(root.GetProperty("r").GetInt64()));
    }

    private async Task TryWriteDistributedAsync(string key, CachedToken token)
    {
        // Relative expiry: the distributed cache has its own clock, which need not be this TimeProvider.
        try
        {
            using var buffer = new MemoryStream();
            using (var writer = new Utf8JsonWriter(buffer))
            {
                writer.WriteStartObject();
                writer.WriteString("t", token.Value);
                writer.WriteNumber("r", token.RefreshAt.ToUnixTimeMilliseconds());
                writer.WriteEndObject();
            }

            await _distributed!.SetAsync(key, buffer.ToArray(), new DistributedCacheEntryOptions { AbsoluteExpirationRelativeToNow = token.RefreshAt - _time.GetUtcNow() }).ConfigureAwait(false);
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            LogDistributedCacheFailed(_logger, exception.GetType().Name);
        }
    }

    /// <summary>The in-process key of an app (corpId and secret: tokens are per app secret). It stays in this
    /// process's memory, where the config is anyway; a shared cache gets <see cref="DistributedKey"/> instead.</summary>
    internal static string Key(WeComConfig config) => config.CorpId + "\n" + config.Secret.Reveal();

    /// <summary>The shared-cache key: a hash of corpId and secret, never the secret itself (a distributed cache is
    /// readable by other tools). Computed once per app.</summary>
    private static string DistributedKey(string key) =>
        "connectors:wecom:token:" + Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(key)), 0, 16);

    [LoggerMessage(EventId = 2101, Level = LogLevel.Warning, Message = "WeCom shared token cache failed ({ExceptionType}); treated as a miss")]
    private static partial void LogDistributedCacheFailed(ILogger logger, string exceptionType);

    private sealed class Entry(string key)
    {
        public string SharedKey { get; } = DistributedKey(key);

        public volatile CachedToken? Token;

        public Task<CachedToken>? Pending;
    }
}
