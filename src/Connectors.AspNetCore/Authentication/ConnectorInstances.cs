using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Connectors.Abstractions;
using Microsoft.AspNetCore.Http;

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
    public async ValueTask<ISocialConnector> GetAsync(ConnectorAuthenticationOptions options, HttpContext context)
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

/// <summary>The callbacks already used, until their attempt would have expired anyway: a replayed callback is refused
/// even with its cookie. In this process's memory (the attempt cookie, deleted on use, covers other instances for the
/// same browser).</summary>
internal sealed class ConsumedAttempts
{
    private readonly ConcurrentDictionary<string, DateTimeOffset> _used = new(StringComparer.Ordinal);

    /// <summary>Marks <paramref name="attempt"/> used; false when it already was.</summary>
    public bool TryConsume(string attempt, DateTimeOffset expiresAt, DateTimeOffset now)
    {
        if (_used.Count > 10_000)
        {
            foreach (var (key, until) in _used)
            {
                if (until < now)
                {
                    _used.TryRemove(key, out _);
                }
            }
        }

        return _used.TryAdd(attempt, expiresAt);
    }
}
