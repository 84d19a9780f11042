using System.Diagnostics;
using System.Text.RegularExpressions;

namespace Connectors.Testing;

/// <summary>
/// A real redis-server (Debian's, installed by the test build) for one test run: no persistence, no TCP port, a unix
/// socket in its own temporary folder (so nothing is guessed and nothing collides). Can be stopped and started again
/// on the same socket, to test a Redis outage.
/// </summary>
public sealed partial class RedisServer : IAsyncDisposable
{
    private readonly string _directory;
    private TestProcess? _process;

    private RedisServer(string directory)
    {
        _directory = directory;
    }

    /// <summary>The unix socket the server listens on.</summary>
    public string SocketPath => Path.Combine(_directory, "redis.sock");

    /// <summary>A StackExchange.Redis configuration string for it (<c>!</c> marks a unix socket path).</summary>
    public string Configuration => "!" + SocketPath;

    /// <summary>Starts a server.</summary>
    public static async Task<RedisServer> StartAsync()
    {
        var server = new RedisServer(Directory.CreateTempSubdirectory("connectors-redis-").FullName);
        await server.StartAgainAsync();
        return server;
    }

    /// <summary>Stops the server (its data is gone: no persistence).</summary>
    public async Task StopAsync()
    {
        if (_process is { } process)
        {
            _process = null;
            await process.DisposeAsync();
        }
    }

    /// <summary>Starts the server again on the same socket (empty).</summary>
    public async Task StartAgainAsync()
    {
        await StopAsync();
        File.Delete(SocketPath);
        var start = new ProcessStartInfo("redis-server") { WorkingDirectory = _directory };
        foreach (var argument in new[] { "--port", "0", "--unixsocket", SocketPath, "--unixsocketperm", "700", "--save", string.Empty, "--appendonly", "no", "--dir", _directory, "--maxclients", "1000" })
        {
            start.ArgumentList.Add(argument);
        }

        (_process, _) = await TestProcess.StartAsync(start, Ready(), "redis-server", TimeSpan.FromSeconds(60));
    }

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    [GeneratedRegex("[Rr]eady to accept connections")]
    private static partial Regex Ready();
}
