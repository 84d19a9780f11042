using Connectors.Abstractions;
using Connectors.Abstractions.Providers;
using Connectors.OAuth;

namespace Connectors.HuggingFace;

/// <summary>Sign in with Hugging Face: the OAuth engine with the Hub's endpoints, client_secret_basic, PKCE (S256),
/// a nonce and the ID token checked against the Hub's JWKS when <c>openid</c> is asked for; the profile comes from
/// userinfo. Created by <see cref="HuggingFaceConnectorFactory"/>.</summary>
internal sealed class HuggingFaceConnector : OAuthSocialConnector
{
    internal const string DefaultScope = "openid profile";

    internal HuggingFaceConnector(HuggingFaceConfig config, OAuthFlow flow)
        : base(flow)
    {
        Config = config;
    }

    /// <inheritdoc/>
    public override ConnectorMetadata Metadata => HuggingFaceConnectorFactory.ConnectorMetadata;

    /// <summary>The config this connector was created from (its secret prints as <c>***</c>).</summary>
    public HuggingFaceConfig Config { get; }

    /// <summary>The Hub's endpoints under <see cref="HuggingFaceOptions.BaseAddress"/>, which is also the ID tokens' issuer.</summary>
    internal static OAuthEndpoints Endpoints(Uri baseAddress) =>
        new(ProviderEndpoint.Combine(baseAddress, "oauth/authorize"), ProviderEndpoint.Combine(baseAddress, "oauth/token"))
        {
            UserInfo = ProviderEndpoint.Combine(baseAddress, "oauth/userinfo"),
            Jwks = ProviderEndpoint.Combine(baseAddress, "oauth/jwks"),
            Issuer = baseAddress.GetLeftPart(UriPartial.Authority),
        };

    internal static OAuthClientSettings Settings(HuggingFaceConfig config, HuggingFaceOptions options) => new()
    {
        ClientId = config.ClientId,
        ClientSecret = config.ClientSecret,
        Authentication = ClientAuthenticationMethod.ClientSecretBasic,
        Scope = config.Scope ?? DefaultScope,
        AuthorizationParameters = options.OrgIds.Count > 0 ? [new("orgIds", string.Join(',', options.OrgIds))] : [],
        IdToken = new IdTokenRules(), // checked when present: openid was asked for
    };

    /// <inheritdoc/>
    protected override async Task<SocialUserInfo> MapUserAsync(OAuthSignIn signIn, CancellationToken cancellationToken)
    {
        var profile = await Flow.GetUserInfoAsync(signIn, cancellationToken).ConfigureAwait(false);
        var sub = profile.GetStringOrNull("sub") ?? throw Flow.Http.Fail("userinfo", new ProviderFailure(ConnectorErrorCode.InvalidResponse, "returned no 'sub' (user id)"));
        return new SocialUserInfo(sub)
        {
            Tenant = (await Flow.GetEndpointsAsync(cancellationToken).ConfigureAwait(false)).Issuer,
            Name = profile.GetStringOrNull("name") ?? profile.GetStringOrNull("preferred_username"),
            Email = profile.GetStringOrNull("email"),
            EmailVerified = profile.TryGetProperty("email_verified", out var verified) && verified.ValueKind == System.Text.Json.JsonValueKind.True,
            AvatarUrl = profile.GetStringOrNull("picture"),
            RawData = profile,
            Tokens = signIn.Tokens,
        };
    }
}
