using System.Globalization;
using System.Text.Json;
using Connectors.Abstractions;
using Connectors.Abstractions.Providers;
using Microsoft.Extensions.Logging;

namespace Connectors.OAuth;

/// <summary>An <c>oauth2</c> config, with the field names of Logto's OAuth 2.0 connector.</summary>
/// <param name="Client">The client: id, secret, auth method (default <c>client_secret_post</c>), scope, PKCE,
/// <c>customConfig</c> parameters, token response format.</param>
/// <param name="Endpoints">The authorization, token and userinfo endpoints.</param>
/// <param name="ProfileMap">Where in the userinfo JSON each profile field is.</param>
public sealed record OAuth2Config(OAuthClientSettings Client, OAuthEndpoints Endpoints, OAuth2ProfileMap ProfileMap)
{
    internal static OAuth2Config? Parse(ConfigReader reader, OAuth2Options options)
    {
        var authorization = OAuthConfigFields.Endpoint(reader, reader.Root, "authorizationEndpoint", "authorizationEndpoint", required: true, options);
        var token = OAuthConfigFields.Endpoint(reader, reader.Root, "tokenEndpoint", "tokenEndpoint", required: true, options);
        var userInfo = OAuthConfigFields.Endpoint(reader, reader.Root, "userInfoEndpoint", "userInfoEndpoint", required: true, options);
        var client = OAuthConfigFields.Client(reader, scope => scope);
        var format = reader.OptionalString("tokenEndpointResponseType")?.Trim() switch
        {
            null or "query-string" => TokenResponseFormat.JsonOrForm,
            "json" => TokenResponseFormat.Json,
            _ => Invalid(reader),
        };
        var pkce = OAuthConfigFields.Flag(reader, "enablePkce", fallback: true);
        var map = OAuth2ProfileMap.Parse(reader);
        return authorization is null || token is null || userInfo is null || client is null || !reader.IsValid
            ? null
            : new OAuth2Config(client with { TokenResponseFormat = format, UsePkce = pkce }, new OAuthEndpoints(authorization, token) { UserInfo = userInfo }, map);

        static TokenResponseFormat Invalid(ConfigReader reader)
        {
            reader.AddError("tokenEndpointResponseType", "must be query-string (default) or json");
            return TokenResponseFormat.JsonOrForm;
        }
    }
}

/// <summary>Logto's <c>profileMap</c>: the path of each profile field in the userinfo JSON (dots between names,
/// numbers index arrays: <c>emails.0.value</c>). Defaults: <c>id</c>, <c>email</c>, <c>phone</c>, <c>name</c>, <c>avatar</c>.</summary>
public sealed record OAuth2ProfileMap(string Id, string Email, string Phone, string Name, string Avatar)
{
    internal static OAuth2ProfileMap Parse(ConfigReader reader)
    {
        var map = reader.OptionalObject(reader.Root, "profileMap", "profileMap") ?? default;
        string Read(string name) => reader.OptionalString(map, name, $"profileMap.{name}")?.Trim() ?? name;
        return new OAuth2ProfileMap(Read("id"), Read("email"), Read("phone"), Read("name"), Read("avatar"));
    }

    /// <summary>The value at <paramref name="path"/> of <paramref name="profile"/>, as text (numbers as written).</summary>
    internal static string? Read(JsonElement profile, string path)
    {
        var current = profile;
        foreach (var segment in path.Split('.'))
        {
            if (current.ValueKind == JsonValueKind.Object && current.TryGetProperty(segment, out var child))
            {
                current = child;
            }
            else if (current.ValueKind == JsonValueKind.Array && int.TryParse(segment, NumberStyles.None, CultureInfo.InvariantCulture, out var index) && index < current.GetArrayLength())
            {
                current = current[index];
            }
            else
            {
                return null;
            }
        }

        return current.ValueKind switch
        {
            JsonValueKind.Number => current.GetRawText(),
            JsonValueKind.String => current.GetTextOrNull(),
            _ => null,
        };
    }
}

/// <summary>Sign in with any OAuth 2.0 provider (Logto's <c>oauth2</c> connector config): the engine with the
/// configured endpoints and client authentication, PKCE (on by default), and the profile read from userinfo through
/// the profile map. Created by <see cref="OAuth2ConnectorFactory"/>.</summary>
internal sealed class OAuth2Connector : OAuthSocialConnector
{
    internal OAuth2Connector(OAuth2Config config, OAuthFlow flow, ILogger logger)
        : base(flow, logger)
    {
        Config = config;
    }

    /// <inheritdoc/>
    public override ConnectorMetadata Metadata => OAuth2ConnectorFactory.ConnectorMetadata;

    /// <summary>The config this connector was created from (its secret prints as <c>***</c>).</summary>
    public OAuth2Config Config { get; }

    /// <inheritdoc/>
    protected override async Task<SocialUserInfo> MapUserAsync(OAuthSignIn signIn, CancellationToken cancellationToken)
    {
        var profile = await Flow.GetUserInfoAsync(signIn, cancellationToken).ConfigureAwait(false);
        var map = Config.ProfileMap;
        var id = OAuth2ProfileMap.Read(profile, map.Id)
            ?? throw Flow.Http.Fail("userinfo", new ProviderFailure(ConnectorErrorCode.InvalidResponse, $"returned no user id at '{map.Id}' (profileMap.id)"));
        // The user id is unique at the provider that answered it: the userinfo endpoint (no query) names that provider.
        var userInfo = (await Flow.GetEndpointsAsync(cancellationToken).ConfigureAwait(false)).UserInfo!;
        return new SocialUserInfo(id)
        {
            Tenant = userInfo.GetLeftPart(UriPartial.Path),
            Name = OAuth2ProfileMap.Read(profile, map.Name),
            Email = OAuth2ProfileMap.Read(profile, map.Email),
            Phone = ProviderPhoneNumbers.ToE164(OAuth2ProfileMap.Read(profile, map.Phone), Logger, Flow.Http.Provider),
            AvatarUrl = OAuth2ProfileMap.Read(profile, map.Avatar),
            RawData = profile,
            Tokens = signIn.Tokens,
        };
    }
}
