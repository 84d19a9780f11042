using StackExchange.Redis;

namespace Connectors.Redis.Tests;

/// <summary>One real redis-server for the test run, and a client to look at what the library wrote.</summary>
public sealed class RedisFixture : IAsyncLifetime
{
    private RedisServer? _server;
    private ConnectionMultiplexer? _client;

    public RedisServer Server => _server ?? throw new InvalidOperationException("Redis is not started.");

    /// <summary>What the tests use to read keys, values and TTLs directly.</summary>
    public IDatabase Database => (_client ?? throw new InvalidOperationException("Redis is not started.")).GetDatabase();

    /// <summary>Every key under <paramref name="prefix"/>.</summary>
    public async Task<List<string>> KeysAsync(string prefix)
    {
        var result = await Database.ExecuteAsync("KEYS", prefix + "*");
        return [.. ((RedisResult[])result!).Select(r => (string)r!)];
    }

    public async Task InitializeAsync()
    {
        _server = await RedisServer.StartAsync();
        var options = ConfigurationOptions.Parse(_server.Configuration);
        options.AbortOnConnectFail = false;
        options.AllowAdmin = true; // KEYS, to list what the library wrote
        _client = await ConnectionMultiplexer.ConnectAsync(options);
    }

    public async Task DisposeAsync()
    {
        if (_client is not null)
        {
            await _client.DisposeAsync();
        }

        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
    }
}

[CollectionDefinition(Name)]
public sealed class RedisCollection : ICollectionFixture<RedisFixture>
{
    public const string Name = "Redis";
}
