using Connectors.Abstractions;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace Connectors.Redis;

/// <summary>The Redis connection of Connectors' stores: the host's <see cref="IConnectionMultiplexer"/>, or one made
/// once from <see cref="RedisConnectorOptions.Configuration"/> (which keeps reconnecting in the background when Redis
/// is down at start, rather than failing the host).</summary>
internal sealed class RedisConnection : IAsyncDisposable, IDisposable
{
    private readonly RedisConnectorOptions _options;
    private readonly Lazy<Task<IConnectionMultiplexer>> _multiplexer;
    private readonly bool _owned;

    public RedisConnection(IOptions<RedisConnectorOptions> options, IServiceProvider services)
    {
        _options = options.Value;
        if (_options.Configuration is { } configuration)
        {
            _owned = true;
            _multiplexer = new(async () =>
            {
                var parsed = ConfigurationOptions.Parse(configuration);
                parsed.AbortOnConnectFail = false;
                return await ConnectionMultiplexer.ConnectAsync(parsed).ConfigureAwait(false);
            });
        }
        else
        {
            _multiplexer = new(() => Task.FromResult((IConnectionMultiplexer)services.GetService(typeof(IConnectionMultiplexer))!));
        }
    }

    /// <summary>The database the stores use.</summary>
    /// <exception cref="RedisConnectionException">When the connection is down: a request fails at once rather than
    /// waiting in the client's backlog for its timeout (5 s by default) while Redis is away.</exception>
    public async ValueTask<IDatabase> DatabaseAsync()
    {
        var multiplexer = await _multiplexer.Value.ConfigureAwait(false);
        return multiplexer.IsConnected
            ? multiplexer.GetDatabase(_options.Database)
            : throw new RedisConnectionException(ConnectionFailureType.UnableToConnect, CommandFlags.None, "Redis is not connected.", null, CommandStatus.Unknown);
    }

    /// <summary>The Redis key of one of Connectors' keys.</summary>
    public RedisKey Key(string key) => _options.KeyPrefix + key;

    /// <summary>Whether <paramref name="exception"/> is Redis being unreachable, slow or refusing.</summary>
    public static bool IsFailure(Exception exception) => exception is RedisException or TimeoutException or ObjectDisposedException;

    /// <summary>The typed error of a Redis failure: it names what could not be done, never a key's meaning or a value.</summary>
    public static ConnectorException Failed(string what, Exception exception, string operation) => new(
        ConnectorErrorCode.General,
        $"Redis could not be reached for {what} ({exception.GetType().Name}), so the request was refused. Check that Redis is up and RedisConnectorOptions.Configuration; try again.",
        exception)
    {
        Provider = "Redis",
        Operation = operation,
    };

    public void Dispose()
    {
        if (_owned && _multiplexer.IsValueCreated && _multiplexer.Value.IsCompletedSuccessfully)
        {
            _multiplexer.Value.Result.Dispose();
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_owned && _multiplexer.IsValueCreated && _multiplexer.Value.IsCompletedSuccessfully)
        {
            await _multiplexer.Value.Result.DisposeAsync().ConfigureAwait(false);
        }
    }
}
