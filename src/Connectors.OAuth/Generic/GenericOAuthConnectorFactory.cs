using Connectors.Abstractions.Providers;
using Microsoft.Extensions.Options;

namespace Connectors.OAuth;

/// <summary>What the <c>oauth2</c> and <c>oidc</c> factories share: their options, HTTP client and metadata cache.</summary>
/// <typeparam name="TConfig">The config record.</typeparam>
/// <typeparam name="TOptions">The host-level options.</typeparam>
public abstract class GenericOAuthConnectorFactory<TConfig, [System.Diagnostics.CodeAnalysis.DynamicallyAccessedMembers(System.Diagnostics.CodeAnalysis.DynamicallyAccessedMemberTypes.PublicParameterlessConstructor)] TOptions> : ProviderConnectorFactory<TConfig, TOptions>
    where TConfig : class
    where TOptions : GenericOAuthOptions
{
    private protected GenericOAuthConnectorFactory(ProviderServices services, IOptions<TOptions> options, string provider, string httpClientName)
        : base(services, options, provider, httpClientName)
    {
        Keys = new OpenIdMetadataCache(Http, Options.IsAllowed) { MinimumRefreshInterval = Options.KeyRefreshInterval };
    }

    /// <summary>Discovery documents and JWKS, shared by every connector of this factory.</summary>
    private protected OpenIdMetadataCache Keys { get; }
}
