using System.Text.Json;
using Connectors.Abstractions;

namespace Connectors.OAuth;

/// <summary>The config form items OAuth connectors share, with Logto's keys: a preset's metadata lists
/// <see cref="ClientId"/>, <see cref="ClientSecret"/> and its <see cref="Scope(string, string)"/>.</summary>
public static class OAuthFormItems
{
    /// <summary><c>clientId</c>, required.</summary>
    public static readonly FormItem ClientId = new("clientId", "Client ID", FormItemType.Text) { Required = true, Placeholder = "<client-id>" };

    /// <summary><c>clientSecret</c>, required and confidential.</summary>
    public static readonly FormItem ClientSecret = new("clientSecret", "Client Secret", FormItemType.Text) { Required = true, Placeholder = "<client-secret>", IsConfidential = true };

    internal static readonly FormItem AuthorizationEndpoint = new("authorizationEndpoint", "Authorization Endpoint", FormItemType.Text) { Required = true, Placeholder = "<authorization-endpoint>" };
    internal static readonly FormItem TokenEndpoint = new("tokenEndpoint", "Token Endpoint", FormItemType.Text) { Required = true, Placeholder = "<token-endpoint>" };
    internal static readonly FormItem GenericScope = new("scope", "Scope", FormItemType.Text) { Placeholder = "<scope>" };
    internal static readonly FormItem CustomConfig = new("customConfig", "Custom Config", FormItemType.Json) { Description = "Further parameters sent with both the authorization and the token request.", DefaultValue = Json("{}") };

    internal static readonly FormItem AuthMethod = new("tokenEndpointAuthMethod", "Token Endpoint Auth Method", FormItemType.Select)
    {
        DefaultValue = Json("\"client_secret_post\""),
        SelectItems = [new("client_secret_post"), new("client_secret_basic"), new("client_secret_jwt")],
    };

    internal static readonly FormItem JwtAlgorithm = new("clientSecretJwtSigningAlgorithm", "Client Secret JWT Signing Algorithm", FormItemType.Select)
    {
        Description = "Only for client_secret_jwt.",
        DefaultValue = Json("\"HS256\""),
        SelectItems = [new("HS256"), new("HS384"), new("HS512")],
    };

    /// <summary><c>scope</c>, optional: space-separated scopes (a multi-line field, as Logto's).</summary>
    /// <param name="placeholder">An example value.</param>
    /// <param name="description">What the scopes give and which is the default.</param>
    public static FormItem Scope(string placeholder, string description) =>
        new("scope", "Scope", FormItemType.MultilineText) { Placeholder = placeholder, Description = description };

    internal static JsonElement Json(string json)
    {
        using var document = JsonDocument.Parse(json);
        return document.RootElement.Clone();
    }
}
