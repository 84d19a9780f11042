using Connectors.Abstractions;
using Connectors.Abstractions.Providers;
using Microsoft.Extensions.Options;

namespace Connectors.OAuth;

/// <summary>Creates <see cref="OidcConnector"/>s from Logto-format <c>oidc</c> configs. Registered by <c>AddOidc</c>.</summary>
public sealed class OidcConnectorFactory : GenericOAuthConnectorFactory<OidcConfig, OidcOptions>
{
    /// <summary>The connector id, also the key of its stored config.</summary>
    public const string ConnectorId = "oidc";

    /// <summary>The named <see cref="HttpClient"/> of <c>oidc</c> calls.</summary>
    public const string HttpClientName = "Connectors.Oidc";

    internal const string ProviderName = "OpenID Connect";

    internal static readonly ConnectorMetadata ConnectorMetadata = new(
        ConnectorId,
        "oidc",
        ConnectorType.Social,
        "OpenID Connect",
        "OpenID Connect is an identity layer on top of OAuth 2.0: the user's profile comes in an ID token signed by the provider.",
        [
            new FormItem("issuer", "Issuer", FormItemType.Text) { Placeholder = "https://id.example.com", Description = "Give the issuer alone to read the endpoints and JWKS from its discovery document (/.well-known/openid-configuration); or give the endpoints below." },
            OAuthFormItems.AuthorizationEndpoint with { Required = false },
            OAuthFormItems.TokenEndpoint with { Required = false },
            OAuthFormItems.ClientId,
            OAuthFormItems.ClientSecret,
            OAuthFormItems.AuthMethod,
            OAuthFormItems.JwtAlgorithm,
            OAuthFormItems.GenericScope with { Description = "openid is always added." },
            new FormItem("idTokenVerificationConfig", "ID Token Verification Config", FormItemType.Json)
            {
                Description = "jwksUri (required without issuer), and optionally issuer, algorithms, clockTolerance, maxTokenAge. The audience is always the client ID.",
                DefaultValue = OAuthFormItems.Json("""{ "jwksUri": "" }"""),
            },
            new FormItem("authRequestOptionalConfig", "Auth Request Optional Config", FormItemType.Json) { Description = "responseMode, display, prompt, maxAge, uiLocales, idTokenHint, loginHint, acrValues." },
            new FormItem("trustUnverifiedEmail", "Trust Unverified Email", FormItemType.Switch) { DefaultValue = OAuthFormItems.Json("false") },
            new FormItem("acceptStringTypedBooleanClaims", "Accept String Typed Boolean Claims", FormItemType.Switch) { DefaultValue = OAuthFormItems.Json("false") },
            OAuthFormItems.CustomConfig,
        ]);

    /// <summary>Creates the factory (normally through DI).</summary>
    public OidcConnectorFactory(ProviderServices services, IOptions<OidcOptions> options)
        : base(services, options, ProviderName, HttpClientName)
    {
    }

    /// <inheritdoc/>
    public override ConnectorMetadata Metadata => ConnectorMetadata;

    /// <inheritdoc/>
    protected override OidcConfig? Parse(ConfigReader reader) => OidcConfig.Parse(reader, Options);

    /// <inheritdoc/>
    protected override IConnector CreateConnector(OidcConfig config) => new OidcConnector(
        config,
        config.Endpoints is { } endpoints ? new OAuthFlow(config.Client, endpoints, Http, Keys) : new OAuthFlow(config.Client, config.Issuer!, Http, Keys),
        Logger);
}
