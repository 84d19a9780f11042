using Connectors.Abstractions;
using Connectors.Abstractions.Providers;
using Microsoft.Extensions.Options;

namespace Connectors.OAuth;

/// <summary>Host-level settings of a generic OAuth connector (not part of a tenant's config).</summary>
/// <remarks>A tenant's config names the endpoints this server calls with the client secret and the user's code, so
/// they must be https on public addresses: a config cannot make the server talk plain HTTP, or reach its own loopback
/// services, the internal network or a cloud metadata address (checked on the address as written and again on every
/// address the name resolves to, when connecting), unless the host application allows that origin.</remarks>
public abstract class GenericOAuthOptions
{
    /// <summary>Origins (scheme, host, port) the host application trusts: a config may name them over plain http,
    /// and they may be on a loopback or private address, e.g. a test double or an identity provider inside the host's
    /// own network. Empty by default: https on public addresses only.</summary>
    public IList<Uri> AllowedHttpOrigins { get; } = new List<Uri>();

    /// <summary>Timeouts, retries and the response size cap. The code exchange is never retried once sent.</summary>
    public ConnectorHttpOptions Http { get; set; } = new();

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

/// <summary>Validates <see cref="OAuth2Options"/> and <see cref="OidcOptions"/> (run at host start).</summary>
internal sealed class GenericOAuthOptionsValidator : IValidateOptions<OAuth2Options>, IValidateOptions<OidcOptions>
{
    /// <inheritdoc/>
    public ValidateOptionsResult Validate(string? name, OAuth2Options options) => Check(options, nameof(OAuth2Options));

    /// <inheritdoc/>
    public ValidateOptionsResult Validate(string? name, OidcOptions options) => Check(options, nameof(OidcOptions));

    private static ValidateOptionsResult Check(GenericOAuthOptions options, string type)
    {
        ArgumentNullException.ThrowIfNull(options);
        var problems = new List<string>();
        var i = 0;
        foreach (var origin in options.AllowedHttpOrigins)
        {
            OptionsChecks.AbsoluteUri(origin, $"{type}.AllowedHttpOrigins[{i++}]", problems);
        }

        OptionsChecks.Http(options.Http, $"{type}.Http", problems);
        if (options.KeyRefreshInterval <= TimeSpan.Zero || options.KeyRefreshInterval > TimeSpan.FromDays(1))
        {
            problems.Add($"{type}.KeyRefreshInterval must be more than zero and at most a day (was {options.KeyRefreshInterval}).");
        }
        return OptionsChecks.Result(problems);
    }
}
