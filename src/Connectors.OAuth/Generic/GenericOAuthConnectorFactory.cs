using System.Diagnostics.Metrics;
using Connectors.Abstractions.Providers;
using Microsoft.Extensions.Logging;

namespace Connectors.OAuth;

/// <summary>What the <c>oauth2</c> and <c>oidc</c> factories share: their options, HTTP client and metadata cache.</summary>
/// <typeparam name="TConfig">The config record.</typeparam>
/// <typeparam name="TOptions">The host-level options.</typeparam>
public abstract class GenericOAuthConnectorFactory<TConfig, TOptions> : ConnectorFactory<TConfig>
    where TConfig : class
    where TOptions : GenericOAuthOptions
{
    private protected GenericOAuthConnectorFactory(string provider, string httpClientName, IHttpClientFactory httpClientFactory, TOptions options, TimeProvider time, ILogger logger, IMeterFactory? meterFactory)
        : base(logger, meterFactory)
    {
        Options = options ?? throw new ArgumentNullException(nameof(options));
        Logger = logger;
        Http = new ProviderHttpClient(provider, httpClientFactory, httpClientName, options.Http, logger, time, meterFactory);
        Keys = new OpenIdMetadataCache(Http, options.IsAllowed) { MinimumRefreshInterval = options.KeyRefreshInterval };
    }

    /// <summary>Where the connectors of this factory log.</summary>
    private protected ILogger Logger { get; }

    /// <summary>The host-level options.</summary>
    private protected TOptions Options { get; }

    /// <summary>The HTTP client of every connector of this factory.</summary>
    private protected ProviderHttpClient Http { get; }

    /// <summary>Discovery documents and JWKS, shared by every connector of this factory.</summary>
    private protected OpenIdMetadataCache Keys { get; }
}
