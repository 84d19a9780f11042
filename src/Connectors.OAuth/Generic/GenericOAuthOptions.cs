using Connectors.Abstractions;
using Connectors.Abstractions.Providers;

namespace Connectors.OAuth;

/// <summary>Host-level settings of a generic OAuth connector (not part of a tenant's config).</summary>
/// <remarks>A tenant's config names the endpoints this server calls with the client secret and the user's code, so
/// they must be https on public addresses: a config cannot make the server talk plain HTTP, or reach its own loopback
/// services, the internal network or a cloud metadata address (checked on the address as written and again on every
/// address the name resolves to, when connecting), unless the host application allows that origin.</remarks>
public abstract class GenericOAuthOptions : ProviderOptions
{
    /// <summary>Origins (scheme, host, port) the host application trusts: a config may name them over plain http,
    /// and they may be on a loopback or private address, e.g. a test double or an identity provider inside the host's
    /// own network. Empty by default: https on public addresses only.</summary>
    public IList<Uri> AllowedHttpOrigins { get; } = new List<Uri>();

    /// <summary>The least time between two JWKS fetches for ID tokens with unknown key ids once a fetch brought no new
    /// key (<see cref="OpenIdMetadataCache.MinimumRefreshInterval"/>); a rotation is picked up as soon as the held
    /// set is 5 seconds old. Default 1 minute.</summary>
    public TimeSpan KeyRefreshInterval { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>Whether <paramref name="uri"/> may be used: https on a host that is not, as written, a non-public
    /// address (<see cref="ProviderNetwork.NamesNonPublicHost"/>), or on an allowed origin.</summary>
    public bool IsAllowed(Uri uri)
    {
        ArgumentNullException.ThrowIfNull(uri);
        return uri.IsAbsoluteUri && ((uri.Scheme == Uri.UriSchemeHttps && !ProviderNetwork.NamesNonPublicHost(uri))
            || AllowedHttpOrigins.Any(o => Uri.Compare(o, uri, UriComponents.SchemeAndServer, UriFormat.Unescaped, StringComparison.OrdinalIgnoreCase) == 0));
    }

    /// <inheritdoc/>
    protected override void Validate(string name, ICollection<string> problems)
    {
        var i = 0;
        foreach (var origin in AllowedHttpOrigins)
        {
            OptionsChecks.AbsoluteUri(origin, $"{name}.AllowedHttpOrigins[{i++}]", problems);
        }

        base.Validate(name, problems);
        if (KeyRefreshInterval <= TimeSpan.Zero || KeyRefreshInterval > TimeSpan.FromDays(1))
        {
            problems.Add($"{name}.KeyRefreshInterval must be more than zero and at most a day (was {KeyRefreshInterval}).");
        }
    }

    /// <summary>Whether the host application trusts connections to <paramref name="endpoint"/> (an allowed origin's
    /// host and port) although it resolves to a non-public address.</summary>
    internal bool IsTrusted(System.Net.DnsEndPoint endpoint) =>
        AllowedHttpOrigins.Any(o => o.IsAbsoluteUri && o.Port == endpoint.Port
            && string.Equals(o.Host.Trim('[', ']'), endpoint.Host.Trim('[', ']'), StringComparison.OrdinalIgnoreCase));
}

/// <summary>Host-level settings of the <c>oauth2</c> connector.</summary>
public sealed class OAuth2Options : GenericOAuthOptions;

/// <summary>Host-level settings of the <c>oidc</c> connector.</summary>
public sealed class OidcOptions : GenericOAuthOptions;
