using Connectors.Abstractions;
using Connectors.Abstractions.Providers;
using Microsoft.Extensions.Options;

namespace Connectors.OAuth;

/// <summary>Creates <see cref="OAuth2Connector"/>s from Logto-format <c>oauth2</c> configs. Registered by <c>AddOAuth2</c>.</summary>
public sealed class OAuth2ConnectorFactory : GenericOAuthConnectorFactory<OAuth2Config, OAuth2Options>
{
    /// <summary>The connector id, also the key of its stored config.</summary>
    public const string ConnectorId = "oauth2";

    /// <summary>The named <see cref="HttpClient"/> of <c>oauth2</c> calls.</summary>
    public const string HttpClientName = "Connectors.OAuth2";

    internal const string ProviderName = "OAuth 2.0";

    internal static readonly ConnectorMetadata ConnectorMetadata = new(
        ConnectorId,
        "oauth2",
        ConnectorType.Social,
        "OAuth 2.0",
        "The OAuth 2.0 authorization framework enables a third-party application to obtain limited access to an HTTP service.",
        [
            OAuthFormItems.AuthorizationEndpoint,
            OAuthFormItems.TokenEndpoint,
            new FormItem("userInfoEndpoint", "User Info Endpoint", FormItemType.Text) { Required = true, Placeholder = "<user-info-endpoint>" },
            OAuthFormItems.ClientId,
            OAuthFormItems.ClientSecret,
            OAuthFormItems.AuthMethod,
            OAuthFormItems.JwtAlgorithm,
            new FormItem("tokenEndpointResponseType", "Token Endpoint Response Type", FormItemType.Select)
            {
                Description = "query-string also accepts JSON, which most providers send.",
                DefaultValue = OAuthFormItems.Json("\"query-string\""),
                SelectItems = [new("query-string"), new("json")],
            },
            OAuthFormItems.GenericScope,
            new FormItem("enablePkce", "Enable PKCE", FormItemType.Switch) { Description = "PKCE with S256 (RFC 7636); on by default.", DefaultValue = OAuthFormItems.Json("true") },
            new FormItem("profileMap", "Profile Map", FormItemType.Json)
            {
                Description = "Where each profile field is in the userinfo JSON: dots between names, numbers index arrays.",
                DefaultValue = OAuthFormItems.Json("""{ "id": "id", "email": "email", "phone": "phone", "name": "name", "avatar": "avatar" }"""),
            },
            OAuthFormItems.CustomConfig,
        ]);

    /// <summary>Creates the factory (normally through DI).</summary>
    public OAuth2ConnectorFactory(ProviderServices services, IOptions<OAuth2Options> options)
        : base(services, options, ProviderName, HttpClientName)
    {
    }

    /// <inheritdoc/>
    public override ConnectorMetadata Metadata => ConnectorMetadata;

    /// <inheritdoc/>
    protected override OAuth2Config? Parse(ConfigReader reader) => OAuth2Config.Parse(reader, Options);

    /// <inheritdoc/>
    protected override IConnector CreateConnector(OAuth2Config config) => new OAuth2Connector(config, new OAuthFlow(config.Client, config.Endpoints, Http, Keys), Logger);
}
