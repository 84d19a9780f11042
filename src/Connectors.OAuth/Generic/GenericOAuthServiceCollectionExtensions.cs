using Connectors.OAuth;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the generic <c>oauth2</c> and <c>oidc</c> connectors.</summary>
public static class GenericOAuthServiceCollectionExtensions
{
    /// <summary>Registers the <c>oauth2</c> factory and its named <see cref="HttpClient"/>; <see cref="OAuth2Options"/>
    /// are validated at host start. Safe to call more than once; each <paramref name="configure"/> is applied.</summary>
    public static ConnectorsBuilder AddOAuth2(this ConnectorsBuilder builder, Action<OAuth2Options>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.AddProvider<OAuth2ConnectorFactory, OAuth2Options>(OAuth2ConnectorFactory.HttpClientName, configure);
        // The addresses come from tenants' configs: public ones only, or the origins the host allows.
        return builder.ConnectToPublicAddressesOnly(OAuth2ConnectorFactory.HttpClientName, static services => services.GetRequiredService<IOptions<OAuth2Options>>().Value.IsTrusted);
    }

    /// <summary>Registers the <c>oidc</c> factory and its named <see cref="HttpClient"/>; <see cref="OidcOptions"/>
    /// are validated at host start. Safe to call more than once; each <paramref name="configure"/> is applied.</summary>
    public static ConnectorsBuilder AddOidc(this ConnectorsBuilder builder, Action<OidcOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.AddProvider<OidcConnectorFactory, OidcOptions>(OidcConnectorFactory.HttpClientName, configure);
        return builder.ConnectToPublicAddressesOnly(OidcConnectorFactory.HttpClientName, static services => services.GetRequiredService<IOptions<OidcOptions>>().Value.IsTrusted);
    }
}
