using System.Diagnostics.CodeAnalysis;
using Connectors.Abstractions;
using Connectors.Abstractions.Providers;
using Microsoft.Extensions.Options;

namespace Connectors.OAuth;

/// <summary>The config of a preset social connector, with Logto's field names (<c>clientId</c>, <c>clientSecret</c>, <c>scope</c>).</summary>
/// <param name="ClientId">The OAuth app's client ID.</param>
/// <param name="ClientSecret">The OAuth app's client secret (prints as <c>***</c>).</param>
/// <param name="Scope">Space-separated scopes, or null for the preset's default.</param>
public sealed record OAuthPresetConfig(string ClientId, Secret ClientSecret, string? Scope)
{
    internal static OAuthPresetConfig? Parse(ConfigReader reader)
    {
        var clientId = reader.RequiredString("clientId")?.Trim();
        var secret = reader.RequiredString("clientSecret");
        var scope = OAuthFlow.NormalizeScope(reader.OptionalString("scope"));
        return clientId is null || secret is null ? null : new OAuthPresetConfig(clientId, new Secret(secret), scope);
    }
}

/// <summary>
/// A social provider declared on the OAuth engine: its <see cref="ConnectorFactory{TConfig}.Metadata"/>, its
/// <see cref="Endpoints"/>, its <see cref="Client"/> settings (client authentication, scope, PKCE, ID token rules,
/// extra parameters) and how its profile becomes a user (<see cref="MapUserAsync"/>, with further API calls through
/// <see cref="OAuthFlow.GetJsonAsync"/>, required or best effort). The config (<see cref="OAuthPresetConfig"/>), its
/// validation, the connector, options validation and registration
/// (<see cref="Microsoft.Extensions.DependencyInjection.ConnectorsBuilder.AddProvider{TFactory, TOptions}"/>) come
/// from the kit. A metadata cache (for the JWKS) exists only when the client checks ID tokens.
/// </summary>
/// <typeparam name="TOptions">The provider's host-level options.</typeparam>
public abstract class OAuthPresetFactory<[DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicParameterlessConstructor)] TOptions> : ProviderConnectorFactory<OAuthPresetConfig, TOptions>
    where TOptions : ProviderOptions
{
    private OAuthEndpoints? _endpoints;
    private OpenIdMetadataCache? _keys;

    /// <summary>Creates the factory of <paramref name="provider"/> on its named client <paramref name="httpClientName"/>.</summary>
    protected OAuthPresetFactory(ProviderServices services, IOptions<TOptions> options, string provider, string httpClientName)
        : base(services, options, provider, httpClientName)
    {
    }

    /// <summary>The provider's endpoints, from <see cref="ProviderConnectorFactory{TConfig, TOptions}.Options"/>; read once.</summary>
    protected abstract OAuthEndpoints Endpoints { get; }

    /// <summary>The scope asked for when the config names none; none when null.</summary>
    protected virtual string? DefaultScope => null;

    /// <summary>The client of a config: its id, secret and scope (else <see cref="DefaultScope"/>), client_secret_basic,
    /// PKCE, no ID token check. A provider changes what differs (<c>base.Client(config) with { ... }</c>).</summary>
    protected virtual OAuthClientSettings Client(OAuthPresetConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        return new() { ClientId = config.ClientId, ClientSecret = config.ClientSecret, Scope = config.Scope ?? DefaultScope };
    }

    /// <summary>The signed-in user from the checked token response. Set <see cref="SocialUserInfo.Tokens"/> to
    /// <see cref="OAuthSignIn.Tokens"/> and <see cref="SocialUserInfo.Tenant"/> to what makes the id unique (the
    /// provider's address). A missing field is <c>flow.Http.Fail("userinfo", ...)</c>.</summary>
    /// <param name="flow">The flow: <see cref="OAuthFlow.GetUserInfoAsync"/>, <see cref="OAuthFlow.GetJsonAsync"/>.</param>
    /// <param name="signIn">The tokens and checked ID token claims.</param>
    /// <param name="cancellationToken">Cancels the calls; bounded by the sign-in's total timeout.</param>
    protected internal abstract Task<SocialUserInfo> MapUserAsync(OAuthFlow flow, OAuthSignIn signIn, CancellationToken cancellationToken);

    /// <inheritdoc/>
    protected sealed override OAuthPresetConfig? Parse(ConfigReader reader) => OAuthPresetConfig.Parse(reader);

    /// <inheritdoc/>
    protected sealed override IConnector CreateConnector(OAuthPresetConfig config)
    {
        var client = Client(config);
        var keys = client.IdToken is null ? null : LazyInitializer.EnsureInitialized(ref _keys, () => new OpenIdMetadataCache(Http));
        var flow = new OAuthFlow(client, LazyInitializer.EnsureInitialized(ref _endpoints, () => Endpoints), Http, keys);
        return new OAuthPresetConnector<TOptions>(this, flow);
    }
}

/// <summary>A connector of an <see cref="OAuthPresetFactory{TOptions}"/>: the engine's flow, the preset's mapping.</summary>
internal sealed class OAuthPresetConnector<[DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicParameterlessConstructor)] TOptions>(OAuthPresetFactory<TOptions> preset, OAuthFlow flow) : OAuthSocialConnector(flow)
    where TOptions : ProviderOptions
{
    public override ConnectorMetadata Metadata => preset.Metadata;

    protected override Task<SocialUserInfo> MapUserAsync(OAuthSignIn signIn, CancellationToken cancellationToken) => preset.MapUserAsync(Flow, signIn, cancellationToken);
}
