using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Connectors.Abstractions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Connectors.AspNetCore;

/// <summary>
/// The connectors of connector schemes, created through the registry from each scheme's config (per request, for a
/// resolver) and reused while the config does not change. Bounded: beyond <see cref="Capacity"/> configs the cache
/// starts again (creating a connector is cheap; this only avoids doing it per request).
/// </summary>
internal sealed class ConnectorInstances(IConnectorRegistry registry)
{
    /// <summary>How many distinct configs are kept. 1,024.</summary>
    public const int Capacity = 1024;

    private readonly ConcurrentDictionary<string, ISocialConnector> _connectors = new(StringComparer.Ordinal);

    /// <summary>The connector of <paramref name="options"/> for this request.</summary>
    /// <exception cref="ConnectorException"><see cref="ConnectorErrorCode.InvalidConfig"/> for an invalid config or a
    /// connector that is not a social one; <see cref="ConnectorErrorCode.NotImplemented"/> for an unknown id.</exception>
    public async ValueTask<ISocialConnector> GetAsync(ConnectorAuthenticationOptions options, ConnectorConfigContext context)
    {
        ArgumentNullException.ThrowIfNull(options);
        var config = options.ConfigResolver is { } resolve ? await resolve(context).ConfigureAwait(false) : options.Config!.Value;
        var key = options.ConnectorId + "\n" + Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(config.GetRawText())));
        if (_connectors.TryGetValue(key, out var connector))
        {
            return connector;
        }

        var social = registry.Create<ISocialConnector>(options.ConnectorId, config);

        if (_connectors.Count >= Capacity)
        {
            _connectors.Clear();
        }

        return _connectors.GetOrAdd(key, social);
    }
}

/// <summary>What <see cref="ConsumedAttempts.TryConsume"/> found.</summary>
internal enum Consumption
{
    /// <summary>First use: accepted and remembered.</summary>
    Consumed,

    /// <summary>Used before: a replay.</summary>
    Replayed,

    /// <summary>The memory is full of attempts that have not expired: refused, since a replay could not be told apart.</summary>
    Full,
}

/// <summary>The callbacks already used, until their attempt would have expired anyway: a replayed callback is refused
/// even with its cookie. In this process's memory and, when an <see cref="IReplayStore"/> is registered (<c>UseRedis</c>),
/// in that store too, so a callback replayed to another instance is refused. Bounded: at most
/// <see cref="ConnectorReplayOptions.Capacity"/> entries in memory, expired ones dropped in the order they were added at
/// a constant cost per callback; when it is full of live entries, callbacks fail closed until entries expire. A shared
/// store that fails does not fail sign-ins: the callback is judged by this process's memory and a warning logged
/// (event 4002), since a replay also needs the browser's attempt cookie, which is deleted on use.</summary>
internal sealed partial class ConsumedAttempts(IOptions<ConnectorReplayOptions> options, IReplayStore? shared = null, ILogger<ConsumedAttempts>? logger = null)
{
    private readonly Dictionary<string, DateTimeOffset> _used = new(StringComparer.Ordinal);
    private readonly Queue<(string Attempt, DateTimeOffset ExpiresAt)> _order = new();
    private readonly int _capacity = options.Value.Capacity;

    /// <summary>How many attempts are remembered.</summary>
    public int Count
    {
        get
        {
            lock (_used)
            {
                return _used.Count;
            }
        }
    }

    /// <summary>Marks <paramref name="attempt"/> used here and in the shared store.</summary>
    public async ValueTask<Consumption> TryConsumeAsync(string attempt, DateTimeOffset expiresAt, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var local = TryConsume(attempt, expiresAt, now);
        if (local != Consumption.Consumed || shared is null)
        {
            return local;
        }

        // The key shows nothing of the state it stands for.
        var key = "connectors:replay:" + Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(attempt)), 0, 16);
        var lifetime = expiresAt - now;
        try
        {
            return await shared.TryUseAsync(key, lifetime > TimeSpan.FromSeconds(1) ? lifetime : TimeSpan.FromSeconds(1), cancellationToken).ConfigureAwait(false)
                ? Consumption.Consumed
                : Consumption.Replayed;
        }
        catch (ConnectorException exception)
        {
            LogSharedStoreFailed(logger ?? (ILogger)NullLogger.Instance, exception.Provider);
            return Consumption.Consumed;
        }
    }

    /// <summary>Marks <paramref name="attempt"/> used in this process's memory.</summary>
    public Consumption TryConsume(string attempt, DateTimeOffset expiresAt, DateTimeOffset now)
    {
        lock (_used)
        {
            // Every attempt lives as long (the scheme's RemoteAuthenticationTimeout), so the queue is close to expiry
            // order; one that expires out of order is dropped when it reaches the head, and counts until then.
            // At most a few per callback, so none pays for a mass expiry; a callback adds at most one entry.
            for (var dropped = 0; dropped < 16 && _order.TryPeek(out var head) && head.ExpiresAt < now; dropped++)
            {
                _order.Dequeue();
                _used.Remove(head.Attempt);
            }

            if (_used.ContainsKey(attempt))
            {
                return Consumption.Replayed;
            }

            if (_used.Count >= _capacity)
            {
                return Consumption.Full;
            }

            _used.Add(attempt, expiresAt);
            _order.Enqueue((attempt, expiresAt));
            return Consumption.Consumed;
        }
    }

    [LoggerMessage(EventId = 4002, Level = LogLevel.Warning, Message = "The shared replay store ({Store}) failed; the callback was checked against this instance's memory only")]
    private static partial void LogSharedStoreFailed(ILogger logger, string? store);
}

/// <summary>The replay memory of connector schemes (<c>AddConnector</c>): <c>services.Configure&lt;ConnectorReplayOptions&gt;(...)</c>.</summary>
public sealed class ConnectorReplayOptions
{
    /// <summary>The most completed sign-in attempts remembered at once, per process, each until its attempt would
    /// have expired (<c>RemoteAuthenticationTimeout</c>, 15 minutes by default). When that many completed within one
    /// timeout, further callbacks are refused until the oldest expire. Default 100,000 (about 16 MiB), i.e. 111
    /// sign-ins a second sustained with the default timeout.</summary>
    public int Capacity { get; set; } = 100_000;
}
