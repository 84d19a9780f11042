using System.Text.Json;
using Connectors.Abstractions;

namespace Connectors.OAuth;

/// <summary>The config form items Logto's <c>oauth2</c> and <c>oidc</c> connectors share.</summary>
internal static class OAuthFormItems
{
    public static readonly FormItem AuthorizationEndpoint = new("authorizationEndpoint", "Authorization Endpoint", FormItemType.Text) { Required = true, Placeholder = "<authorization-endpoint>" };
    public static readonly FormItem TokenEndpoint = new("tokenEndpoint", "Token Endpoint", FormItemType.Text) { Required = true, Placeholder = "<token-endpoint>" };
    public static readonly FormItem ClientId = new("clientId", "Client ID", FormItemType.Text) { Required = true, Placeholder = "<client-id>" };
    public static readonly FormItem ClientSecret = new("clientSecret", "Client Secret", FormItemType.Text) { Required = true, Placeholder = "<client-secret>", IsConfidential = true };
    public static readonly FormItem Scope = new("scope", "Scope", FormItemType.Text) { Placeholder = "<scope>" };
    public static readonly FormItem CustomConfig = new("customConfig", "Custom Config", FormItemType.Json) { Description = "Further parameters sent with both the authorization and the token request.", DefaultValue = Json("{}") };

    public static readonly FormItem AuthMethod = new("tokenEndpointAuthMethod", "Token Endpoint Auth Method", FormItemType.Select)
    {
        DefaultValue = Json("\"client_secret_post\""),
        SelectItems = [new("client_secret_post"), new("client_secret_basic"), new("client_secret_jwt")],
    };

    public static readonly FormItem JwtAlgorithm = new("clientSecretJwtSigningAlgorithm", "Client Secret JWT Signing Algorithm", FormItemType.Select)
    {
        Description = "Only for client_secret_jwt.",
        DefaultValue = Json("\"HS256\""),
        SelectItems = [new("HS256"), new("HS384"), new("HS512")],
    };

    public static JsonElement Json(string json)
    {
        using var document = JsonDocument.Parse(json);
        return document.RootElement.Clone();
    }
}
