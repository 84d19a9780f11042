using System.Text.Json;
using Connectors.Abstractions;
using Connectors.Abstractions.Providers;
using Connectors.OAuth;
using Microsoft.Extensions.Options;

namespace Connectors.GitHub;

/// <summary>Sign in with GitHub, declared on the OAuth engine: client_secret_post, PKCE (S256), OAuth errors in 200
/// bodies, the profile from <c>/user</c> and the primary verified address from <c>/user/emails</c> (best effort, only
/// when <c>user:email</c> was granted). Logto-format configs (<c>clientId</c>, <c>clientSecret</c>, <c>scope</c>).
/// Registered by <c>AddGitHub</c>.</summary>
public sealed class GitHubConnectorFactory(ProviderServices services, IOptions<GitHubOptions> options)
    : OAuthPresetFactory<GitHubOptions>(services, options, "GitHub", HttpClientName)
{
    /// <summary>The connector id (Logto's), also the key of its stored config.</summary>
    public const string ConnectorId = "github-universal";

    /// <summary>The named <see cref="HttpClient"/> of GitHub calls.</summary>
    public const string HttpClientName = "Connectors.GitHub";

    /// <inheritdoc/>
    public override ConnectorMetadata Metadata { get; } = new(
        ConnectorId,
        "github",
        ConnectorType.Social,
        "GitHub",
        "GitHub is a Web-based online service for version control and collaboration.",
        [OAuthFormItems.ClientId, OAuthFormItems.ClientSecret, OAuthFormItems.Scope("read:user user:email", "Scopes separated by spaces; default 'read:user user:email'. Without user:email the email is the public one, unverified.")]);

    private Uri? _emails; // from the options, which do not change once the factory exists

    /// <inheritdoc/>
    protected override string DefaultScope => "read:user user:email";

    /// <inheritdoc/>
    protected override OAuthEndpoints Endpoints => new(ProviderEndpoint.Combine(Options.BaseAddress, "login/oauth/authorize"), ProviderEndpoint.Combine(Options.BaseAddress, "login/oauth/access_token"))
    {
        UserInfo = ProviderEndpoint.Combine(Options.Api, "user"),
    };

    /// <inheritdoc/>
    protected override OAuthClientSettings Client(OAuthPresetConfig config) =>
        base.Client(config) with { Authentication = ClientAuthenticationMethod.ClientSecretPost, TokenResponseFormat = TokenResponseFormat.JsonOrForm };

    /// <inheritdoc/>
    protected override async Task<SocialUserInfo> MapUserAsync(OAuthFlow flow, OAuthSignIn signIn, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(flow);
        var user = await flow.GetUserInfoAsync(signIn, cancellationToken).ConfigureAwait(false);
        var id = user.TryGetProperty("id", out var value) && value.ValueKind == JsonValueKind.Number ? value.GetRawText()
            : throw flow.Http.Fail("userinfo", new ProviderFailure(ConnectorErrorCode.InvalidResponse, "returned no numeric 'id' (user id)"));
        // GitHub names the granted scopes comma-separated; without user:email (or user) the call can only fail.
        var granted = (signIn.Tokens.Scope ?? string.Empty).Split([',', ' '], StringSplitOptions.RemoveEmptyEntries);
        var emails = granted.Any(s => s is "user:email" or "user")
            ? await flow.GetJsonAsync(signIn, "emails", _emails ??= ProviderEndpoint.Combine(Options.Api, "user/emails"), bestEffort: true, InspectEmails, cancellationToken: cancellationToken).ConfigureAwait(false)
            : null;
        var primary = emails?.EnumerateArray().FirstOrDefault(e => e.ValueKind == JsonValueKind.Object && e.TryGetProperty("primary", out var p) && p.ValueKind == JsonValueKind.True
            && e.TryGetProperty("verified", out var v) && v.ValueKind == JsonValueKind.True).GetStringOrNull("email");
        return new SocialUserInfo(id)
        {
            Tenant = Options.BaseAddress.GetLeftPart(UriPartial.Authority),
            Name = user.GetStringOrNull("name") ?? user.GetStringOrNull("login"),
            Email = primary ?? user.GetStringOrNull("email"),
            EmailVerified = primary is not null,
            AvatarUrl = user.GetStringOrNull("avatar_url"),
            RawData = user,
            Tokens = signIn.Tokens,
        };
    }

    private static ProviderFailure? InspectEmails(ProviderResponse response) => response.StatusCode switch
    {
        401 => new ProviderFailure(ConnectorErrorCode.SocialAccessTokenInvalid, "rejected the access token (HTTP 401)"),
        >= 200 and < 300 when !response.TryGetJson(out var json) || json.ValueKind != JsonValueKind.Array => new ProviderFailure(ConnectorErrorCode.InvalidResponse, "returned no JSON array of addresses"),
        _ => null,
    };
}
