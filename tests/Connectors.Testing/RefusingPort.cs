using System.Net;
using System.Net.Sockets;

namespace Connectors.Testing;

/// <summary>
/// A loopback port held by a bound socket that does not listen: a connection to it is refused at once, and while
/// this object lives no other process can take the port (a "free" port released before use could be taken).
/// </summary>
public sealed class RefusingPort : IDisposable
{
    private readonly Socket _socket = new(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);

    /// <summary>Binds a loopback port chosen by the operating system, without listening on it.</summary>
    public RefusingPort()
    {
        _socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        Uri = new Uri($"http://127.0.0.1:{((IPEndPoint)_socket.LocalEndPoint!).Port}/");
    }

    /// <summary>The port's base address, e.g. <c>http://127.0.0.1:41234/</c>.</summary>
    public Uri Uri { get; }

    /// <inheritdoc/>
    public void Dispose() => _socket.Dispose();
}
