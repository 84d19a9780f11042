using System.Text.Json;
using Connectors.Abstractions;
using Connectors.Abstractions.Providers;
using Connectors.OAuth;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace ProviderKit;

/// <summary>GitLab's host-level settings: gitlab.com, or a self-managed instance.</summary>
public sealed class GitLabOptions : ProviderOptions
{
    /// <summary>The GitLab instance; default <c>https://gitlab.com</c>.</summary>
    public Uri BaseAddress { get; set; } = new("https://gitlab.com");

    /// <inheritdoc/>
    protected override void Validate(string name, ICollection<string> problems)
    {
        OptionsChecks.AbsoluteUri(BaseAddress, $"{name}.BaseAddress", problems, carriesCredentials: true);
        base.Validate(name, problems);
    }
}

/// <summary>Sign in with GitLab: endpoints, client authentication, scope and the profile mapping; the OAuth engine
/// does the rest (PKCE, state, the code exchange sent once, errors, redaction, timeouts).</summary>
public sealed class GitLabConnectorFactory(ProviderServices services, IOptions<GitLabOptions> options)
    : OAuthPresetFactory<GitLabOptions>(services, options, "GitLab", HttpClientName)
{
    /// <summary>The connector id, also the key of its stored config.</summary>
    public const string ConnectorId = "gitlab";

    /// <summary>The named <see cref="HttpClient"/> of GitLab calls.</summary>
    public const string HttpClientName = "ProviderKit.GitLab";

    /// <inheritdoc/>
    public override ConnectorMetadata Metadata { get; } = new(
        ConnectorId, "gitlab", ConnectorType.Social, "GitLab", "Sign in with a GitLab account.",
        [OAuthFormItems.ClientId, OAuthFormItems.ClientSecret, OAuthFormItems.Scope("read_user", "Scopes separated by spaces; default read_user.")]);

    /// <inheritdoc/>
    protected override string DefaultScope => "read_user";

    /// <inheritdoc/>
    protected override OAuthEndpoints Endpoints => new(ProviderEndpoint.Combine(Options.BaseAddress, "oauth/authorize"), ProviderEndpoint.Combine(Options.BaseAddress, "oauth/token"))
    {
        UserInfo = ProviderEndpoint.Combine(Options.BaseAddress, "api/v4/user"),
    };

    /// <inheritdoc/>
    protected override OAuthClientSettings Client(OAuthPresetConfig config) =>
        base.Client(config) with { Authentication = ClientAuthenticationMethod.ClientSecretPost };

    /// <inheritdoc/>
    protected override async Task<SocialUserInfo> MapUserAsync(OAuthFlow flow, OAuthSignIn signIn, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(flow);
        var user = await flow.GetUserInfoAsync(signIn, cancellationToken).ConfigureAwait(false);
        var id = user.TryGetProperty("id", out var value) && value.ValueKind == JsonValueKind.Number ? value.GetRawText()
            : throw flow.Http.Fail("userinfo", new ProviderFailure(ConnectorErrorCode.InvalidResponse, "returned no numeric 'id' (user id)"));
        return new SocialUserInfo(id)
        {
            Tenant = Options.BaseAddress.GetLeftPart(UriPartial.Authority),
            Name = user.GetStringOrNull("name") ?? user.GetStringOrNull("username"),
            Email = user.GetStringOrNull("email"),
            EmailVerified = user.GetStringOrNull("confirmed_at") is not null, // GitLab's address of a confirmed account
            AvatarUrl = user.GetStringOrNull("avatar_url"),
            RawData = user,
            Tokens = signIn.Tokens,
        };
    }
}

/// <summary>Registers the GitLab connector.</summary>
public static class GitLabServiceCollectionExtensions
{
    /// <summary>Registers the <c>gitlab</c> factory; <see cref="GitLabOptions"/> are validated at host start.</summary>
    public static ConnectorsBuilder AddGitLab(this ConnectorsBuilder builder, Action<GitLabOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.AddProvider<GitLabConnectorFactory, GitLabOptions>(GitLabConnectorFactory.HttpClientName, configure);
        return builder;
    }
}
