using System.Net;
using System.Net.Sockets;

namespace Connectors.Abstractions.Providers;

/// <summary>
/// Which network addresses a connector may reach when a tenant's config, not the host, names the provider (the
/// <c>oauth2</c> and <c>oidc</c> endpoints and issuer): public addresses only, unless the host trusts the origin. A
/// config must not make the server call its own loopback services, a cloud metadata address or the internal network.
/// </summary>
public static class ProviderNetwork
{
    /// <summary>
    /// Whether <paramref name="address"/> is a public unicast address: not unspecified, loopback, private (RFC 1918,
    /// unique local), shared (100.64/10), link-local, benchmarking, reserved or multicast. IPv4-mapped IPv6 addresses
    /// are judged as IPv4.
    /// </summary>
    public static bool IsPublic(IPAddress address)
    {
        ArgumentNullException.ThrowIfNull(address);
        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }

        if (IPAddress.IsLoopback(address))
        {
            return false;
        }

        Span<byte> b = stackalloc byte[16];
        address.TryWriteBytes(b, out var length);
        if (address.AddressFamily == AddressFamily.InterNetwork && length == 4)
        {
            return !(b[0] is 0 or 10 or 127 or >= 224
                || (b[0] == 100 && (b[1] & 0xC0) == 64)
                || (b[0] == 169 && b[1] == 254)
                || (b[0] == 172 && (b[1] & 0xF0) == 16)
                || (b[0] == 192 && b[1] == 168)
                || (b[0] == 192 && b[1] == 0 && b[2] is 0 or 2)
                || (b[0] == 198 && (b[1] & 0xFE) == 18)
                || (b[0] == 198 && b[1] == 51 && b[2] == 100)
                || (b[0] == 203 && b[1] == 0 && b[2] == 113));
        }

        if (address.AddressFamily == AddressFamily.InterNetworkV6 && length == 16)
        {
            return !(address.Equals(IPAddress.IPv6Any) || address.IsIPv6LinkLocal || address.IsIPv6SiteLocal || address.IsIPv6Multicast
                || (b[0] & 0xFE) == 0xFC // unique local fc00::/7
                || (b[0] == 0x20 && b[1] == 0x01 && b[2] == 0x0D && b[3] == 0xB8) // documentation
                || (b[0] == 0x00 && b[1] == 0x64 && b[2] == 0xFF && b[3] == 0x9B)); // NAT64: may embed any IPv4 address
        }

        return false;
    }

    /// <summary>
    /// Whether <paramref name="uri"/>'s host is, as written, a name or address that is not public: an IP literal
    /// <see cref="IsPublic"/> refuses, or <c>localhost</c> (and <c>*.localhost</c>). A name that resolves to such an
    /// address is caught when connecting (<see cref="PublicAddressesOnly"/>).
    /// </summary>
    public static bool NamesNonPublicHost(Uri uri)
    {
        ArgumentNullException.ThrowIfNull(uri);
        string host;
        try
        {
            host = uri.IdnHost.Trim('[', ']').TrimEnd('.');
        }
        catch (UriFormatException)
        {
            return true; // a host name that is not valid IDN names nothing this library connects to
        }

        if (IPAddress.TryParse(host, out var address))
        {
            return !IsPublic(address);
        }

        return host.Equals("localhost", StringComparison.OrdinalIgnoreCase) || host.EndsWith(".localhost", StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>
    /// A <see cref="SocketsHttpHandler.ConnectCallback"/> that resolves the host once, refuses to connect when any of
    /// its addresses is not public (<see cref="IsPublic"/>) unless <paramref name="trusted"/> says the host and port
    /// may be reached, and connects to the very addresses it checked (a second lookup could answer otherwise). A
    /// refusal is a <see cref="HttpRequestException"/> whose inner exception is a <see cref="ProviderAddressRefusedException"/>;
    /// <see cref="ProviderHttpClient"/> reports it as <see cref="ConnectorErrorCode.InvalidConfig"/>, with the same
    /// text whether anything listens there or not.
    /// </summary>
    public static Func<SocketsHttpConnectionContext, CancellationToken, ValueTask<Stream>> PublicAddressesOnly(Func<DnsEndPoint, bool> trusted)
    {
        ArgumentNullException.ThrowIfNull(trusted);
        return async (context, cancellationToken) => new NetworkStream(await ConnectAsync(context.DnsEndPoint, trusted, cancellationToken).ConfigureAwait(false), ownsSocket: true);
    }

    /// <summary>
    /// A TCP connection to <paramref name="endpoint"/> by the rule of <see cref="PublicAddressesOnly"/>, for a protocol
    /// that is not HTTP (SMTP): the name is resolved once, every address must be public unless <paramref name="trusted"/>
    /// accepts the host and port, and the socket connects to the addresses checked.
    /// </summary>
    /// <exception cref="ProviderAddressRefusedException">When the host resolves to no address or to a non-public one.</exception>
    /// <exception cref="SocketException">When no address accepts the connection.</exception>
    public static async Task<Socket> ConnectAsync(DnsEndPoint endpoint, Func<DnsEndPoint, bool> trusted, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        ArgumentNullException.ThrowIfNull(trusted);
        var addresses = IPAddress.TryParse(endpoint.Host.Trim('[', ']'), out var literal)
            ? [literal]
            : await Dns.GetHostAddressesAsync(endpoint.Host, cancellationToken).ConfigureAwait(false);
        if (addresses.Length == 0 || (!trusted(endpoint) && !addresses.All(IsPublic)))
        {
            throw new ProviderAddressRefusedException(endpoint.Host);
        }

        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(addresses, endpoint.Port, cancellationToken).ConfigureAwait(false);
            return socket;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }
}

/// <summary>A connection refused by <see cref="ProviderNetwork.PublicAddressesOnly"/>: the host resolves to an
/// address that is not public and the host application does not trust it.</summary>
public sealed class ProviderAddressRefusedException : IOException
{
    /// <summary>Creates the exception for <paramref name="host"/>.</summary>
    public ProviderAddressRefusedException(string host)
        : base($"{host} resolves to a loopback, private, link-local or otherwise non-public address")
    {
        Host = host;
    }

    /// <summary>The host name or address that was refused.</summary>
    public string Host { get; }
}
