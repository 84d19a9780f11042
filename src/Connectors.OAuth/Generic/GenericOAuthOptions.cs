using Connectors.Abstractions;
using Connectors.Abstractions.Providers;
using Microsoft.Extensions.Options;

namespace Connectors.OAuth;

/// <summary>Host-level settings of a generic OAuth connector (not part of a tenant's config).</summary>
/// <remarks>A tenant's config names the endpoints this server calls with the client secret and the user's code, so
/// they must be https: a config cannot make the server talk plain HTTP, to an internal service for instance, unless
/// the host application allows that origin.</remarks>
public abstract class GenericOAuthOptions
{
    /// <summary>Origins (scheme, host, port) a config may name over plain http, e.g. a test double or an identity
    /// provider inside the host's own network. Empty by default: https only.</summary>
    public IList<Uri> AllowedHttpOrigins { get; } = new List<Uri>();

    /// <summary>Timeouts, retries and the response size cap. The code exchange is never retried once sent.</summary>
    public ConnectorHttpOptions Http { get; set; } = new();

    /// <summary>Whether <paramref name="uri"/> may be used: https, or on an allowed origin.</summary>
    public bool IsAllowed(Uri uri)
    {
        ArgumentNullException.ThrowIfNull(uri);
        return uri.IsAbsoluteUri && (uri.Scheme == Uri.UriSchemeHttps
            || AllowedHttpOrigins.Any(o => Uri.Compare(o, uri, UriComponents.SchemeAndServer, UriFormat.Unescaped, StringComparison.OrdinalIgnoreCase) == 0));
    }
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
        return OptionsChecks.Result(problems);
    }
}
