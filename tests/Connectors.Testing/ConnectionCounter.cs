using System.Net;
using System.Net.Sockets;

namespace Connectors.Testing;

/// <summary>
/// "Another host" for redirect tests: a loopback listener on a port the operating system picks that counts the
/// connections it accepts and closes each at once. A request that reached it would have carried whatever a followed
/// redirect carried (a client secret, a code, an email).
/// </summary>
public sealed class ConnectionCounter : IDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource _stop = new();
    private int _connections;

    /// <summary>Starts listening.</summary>
    public ConnectionCounter()
    {
        _listener.Start();
        BaseUri = new Uri($"http://localhost:{((IPEndPoint)_listener.LocalEndpoint).Port}/");
        _ = AcceptAsync();
    }

    /// <summary>The listener's address under another host name than the provider's, e.g. <c>http://localhost:41234/</c>.</summary>
    public Uri BaseUri { get; }

    /// <summary>How many connections were accepted.</summary>
    public int Connections => Volatile.Read(ref _connections);

    private async Task AcceptAsync()
    {
        try
        {
            while (true)
            {
                using var client = await _listener.AcceptTcpClientAsync(_stop.Token);
                Interlocked.Increment(ref _connections);
            }
        }
        catch (Exception exception) when (exception is OperationCanceledException or ObjectDisposedException or SocketException)
        {
            // stopped
        }
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        _stop.Cancel();
        _listener.Stop();
        _stop.Dispose();
    }
}
