using System.Net;
using System.Net.Sockets;

namespace Connectors.Testing;

/// <summary>Free loopback ports for the servers the tests start.</summary>
public static class LoopbackPort
{
    /// <summary>A port that is free now. It is released before returning, so a caller that binds it later may find
    /// it taken by another process and should start again on a new one.</summary>
    public static int Free()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
