using System.Text.Json;
using Connectors.Abstractions;
using Connectors.Abstractions.Providers;
using Connectors.OAuth;
using Microsoft.Extensions.Options;

namespace Connectors.HuggingFace;

/// <summary>Sign in with Hugging Face, declared on the OAuth engine: the Hub's endpoints, client_secret_basic, PKCE
/// (S256), a nonce and the ID token checked against the Hub's JWKS when <c>openid</c> is asked for; the profile comes
/// from userinfo. Logto-format configs (<c>clientId</c>, <c>clientSecret</c>, <c>scope</c>). Registered by <c>AddHuggingFace</c>.</summary>
public sealed class HuggingFaceConnectorFactory(ProviderServices services, IOptions<HuggingFaceOptions> options)
    : OAuthPresetFactory<HuggingFaceOptions>(services, options, "Hugging Face", HttpClientName)
{
    /// <summary>The connector id, also the key of its stored config.</summary>
    public const string ConnectorId = "huggingface-universal";

    /// <summary>The named <see cref="HttpClient"/> of Hugging Face calls.</summary>
    public const string HttpClientName = "Connectors.HuggingFace";

    /// <inheritdoc/>
    public override ConnectorMetadata Metadata { get; } = new(
        ConnectorId,
        "huggingface",
        ConnectorType.Social,
        "Hugging Face",
        "Hugging Face is a machine learning (ML) and data science platform and community that helps users build, deploy and train machine learning models.",
        [
            OAuthFormItems.ClientId,
            OAuthFormItems.ClientSecret,
            OAuthFormItems.Scope("openid profile email", "Scopes separated by spaces; default 'openid profile'. 'profile' gives the name and avatar, 'email' the email address. Each scope must be enabled on the Hugging Face OAuth app."),
        ]);

    /// <inheritdoc/>
    protected override string DefaultScope => "openid profile";

    /// <inheritdoc/>
    /// <remarks>Under <see cref="HuggingFaceOptions.BaseAddress"/>, which is also the ID tokens' issuer.</remarks>
    protected override OAuthEndpoints Endpoints => new(ProviderEndpoint.Combine(Options.BaseAddress, "oauth/authorize"), ProviderEndpoint.Combine(Options.BaseAddress, "oauth/token"))
    {
        UserInfo = ProviderEndpoint.Combine(Options.BaseAddress, "oauth/userinfo"),
        Jwks = ProviderEndpoint.Combine(Options.BaseAddress, "oauth/jwks"),
        Issuer = Options.BaseAddress.GetLeftPart(UriPartial.Authority),
    };

    /// <inheritdoc/>
    protected override OAuthClientSettings Client(OAuthPresetConfig config) => base.Client(config) with
    {
        AuthorizationParameters = Options.OrgIds.Count > 0 ? [new("orgIds", string.Join(',', Options.OrgIds))] : [],
        IdToken = new IdTokenRules(), // checked when present: openid was asked for
    };

    /// <inheritdoc/>
    protected override async Task<SocialUserInfo> MapUserAsync(OAuthFlow flow, OAuthSignIn signIn, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(flow);
        var profile = await flow.GetUserInfoAsync(signIn, cancellationToken).ConfigureAwait(false);
        var sub = profile.GetStringOrNull("sub") ?? throw flow.Http.Fail("userinfo", new ProviderFailure(ConnectorErrorCode.InvalidResponse, "returned no 'sub' (user id)"));
        return new SocialUserInfo(sub)
        {
            Tenant = Options.BaseAddress.GetLeftPart(UriPartial.Authority), // the issuer
            Name = profile.GetStringOrNull("name") ?? profile.GetStringOrNull("preferred_username"),
            Email = profile.GetStringOrNull("email"),
            EmailVerified = profile.TryGetProperty("email_verified", out var verified) && verified.ValueKind == JsonValueKind.True,
            AvatarUrl = profile.GetStringOrNull("picture"),
            RawData = profile,
            Tokens = signIn.Tokens,
        };
    }
}
