using Connectors.OAuth;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the generic <c>oauth2</c> and <c>oidc</c> connectors.</summary>
public static class GenericOAuthServiceCollectionExtensions
{
    /// <summary>Registers the <c>oauth2</c> factory and its named <see cref="HttpClient"/>; <see cref="OAuth2Options"/>
    /// are validated at host start. Safe to call more than once; each <paramref name="configure"/> is applied.</summary>
    public static ConnectorsBuilder AddOAuth2(this ConnectorsBuilder builder, Action<OAuth2Options>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        return builder.AddProvider<OAuth2ConnectorFactory, OAuth2Options, GenericOAuthOptionsValidator>(OAuth2ConnectorFactory.HttpClientName, configure);
    }

    /// <summary>Registers the <c>oidc</c> factory and its named <see cref="HttpClient"/>; <see cref="OidcOptions"/>
    /// are validated at host start. Safe to call more than once; each <paramref name="configure"/> is applied.</summary>
    public static ConnectorsBuilder AddOidc(this ConnectorsBuilder builder, Action<OidcOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        return builder.AddProvider<OidcConnectorFactory, OidcOptions, GenericOAuthOptionsValidator>(OidcConnectorFactory.HttpClientName, configure);
    }
}
