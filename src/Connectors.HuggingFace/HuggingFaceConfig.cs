using Connectors.Abstractions;
using Connectors.Abstractions.Providers;

namespace Connectors.HuggingFace;

/// <summary>A Hugging Face connector config, with Logto's field names (<c>clientId</c>, <c>clientSecret</c>, <c>scope</c>).</summary>
/// <param name="ClientId">The OAuth app's client ID.</param>
/// <param name="ClientSecret">The OAuth app's client secret.</param>
/// <param name="Scope">Space-separated scopes, or null for the default <c>openid profile</c>.</param>
public sealed record HuggingFaceConfig(string ClientId, Secret ClientSecret, string? Scope)
{
    internal static HuggingFaceConfig? Parse(ConfigReader reader)
    {
        var clientId = reader.RequiredString("clientId");
        var secret = reader.RequiredString("clientSecret");
        var scope = reader.OptionalString("scope");
        return clientId is null || secret is null ? null : new HuggingFaceConfig(clientId.Trim(), new Secret(secret), Connectors.OAuth.OAuthFlow.NormalizeScope(scope));
    }
}
