using System.Diagnostics.CodeAnalysis;
using System.Net;
using Connectors.Abstractions;
using Connectors.Abstractions.Providers;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Http;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers Connectors in a service collection.</summary>
public static class ConnectorsServiceCollectionExtensions
{
    /// <summary>
    /// Registers the connector registry and returns the builder that provider packages extend
    /// (<c>.AddWeCom()</c>, <c>.AddHuggingFace()</c>, <c>.AddMailgun()</c>, <c>.AddOAuth2()</c>, <c>.AddOidc()</c>).
    /// Safe to call more than once.
    /// </summary>
    public static ConnectorsBuilder AddConnectors(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.AddLogging();
        services.AddMetrics(); // the Connectors meter comes from IMeterFactory: one per service provider
        services.AddOptions();
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<IConnectorRegistry, ConnectorRegistry>();
        return new ConnectorsBuilder(services);
    }
}

/// <summary>Registers <see cref="VerificationCodeService"/>.</summary>
public static class VerificationCodeServiceCollectionExtensions
{
    /// <summary>
    /// Registers <see cref="VerificationCodeService"/> with its store: in memory, or the registered
    /// <c>IDistributedCache</c> when <see cref="VerificationCodeOptions.UseDistributedCache"/> (see
    /// <see cref="DistributedVerificationCodeStore"/> for what that guarantees). Options are validated at host start.
    /// Safe to call more than once; each <paramref name="configure"/> is applied.
    /// </summary>
    public static ConnectorsBuilder AddVerificationCodes(this ConnectorsBuilder builder, Action<VerificationCodeOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var options = builder.Services.AddOptions<VerificationCodeOptions>();
        if (configure is not null)
        {
            options.Configure(configure);
        }

        options.ValidateOnStart();
        builder.Services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<VerificationCodeOptions>, VerificationCodeOptionsValidator>());
        builder.Services.TryAddSingleton<IVerificationCodeStore>(sp => sp.GetRequiredService<IOptions<VerificationCodeOptions>>().Value is { UseDistributedCache: false } memory
            ? new MemoryVerificationCodeStore(sp.GetRequiredService<TimeProvider>(), memory.MaxStoredRecords)
            : new DistributedVerificationCodeStore(sp.GetRequiredService<Microsoft.Extensions.Caching.Distributed.IDistributedCache>()));
        builder.Services.TryAddSingleton<VerificationCodeService>();
        return builder;
    }
}

/// <summary>Adds connector providers; returned by <see cref="ConnectorsServiceCollectionExtensions.AddConnectors"/>.</summary>
/// <param name="Services">The service collection.</param>
public sealed record ConnectorsBuilder(IServiceCollection Services)
{
    /// <summary>
    /// Registers a provider (for provider packages): applies <paramref name="configure"/> to its options (every
    /// call's), validates them when the host starts (<see cref="ProviderOptions"/>' own checks, <c>ValidateOnStart</c>),
    /// and registers its factory (once, however often this is called) and its named <see cref="HttpClient"/>, whose
    /// built-in request logging is removed (it would log request URLs, and provider queries carry tokens) and which
    /// never follows a redirect: whatever primary handler the host configures for it, <c>AllowAutoRedirect</c> is
    /// turned off once every configuration has run (a redirect is then a provider error naming its status).
    /// </summary>
    /// <typeparam name="TFactory">The provider's connector factory.</typeparam>
    /// <typeparam name="TOptions">The provider's host-level options.</typeparam>
    /// <param name="httpClientName">The provider's named client.</param>
    /// <param name="configure">Sets the provider's options; may be null.</param>
    /// <returns>The named client's builder, for what the provider needs on every request (GitHub's <c>User-Agent</c>).</returns>
    public IHttpClientBuilder AddProvider<
        [DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicConstructors)] TFactory,
        [DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicParameterlessConstructor)] TOptions>(string httpClientName, Action<TOptions>? configure)
        where TFactory : class, IConnectorFactory
        where TOptions : ProviderOptions
    {
        ArgumentException.ThrowIfNullOrEmpty(httpClientName);
        var options = Services.AddOptions<TOptions>();
        if (configure is not null)
        {
            options.Configure(configure);
        }

        options.ValidateOnStart();
        Services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<TOptions>, ProviderOptionsValidator<TOptions>>());
        if (Services.Any(d => d.ServiceType == typeof(TFactory)))
        {
            return Services.AddHttpClient(httpClientName);
        }

        Services.TryAddSingleton<ProviderServices>();
        Services.AddSingleton<TFactory>();
        Services.TryAddEnumerable(ServiceDescriptor.Singleton<IConnectorFactory, TFactory>(sp => sp.GetRequiredService<TFactory>()));
        Services.AddSingleton(new ProviderHttpClientPolicy(httpClientName, null));
        Services.TryAddEnumerable(ServiceDescriptor.Singleton<IHttpMessageHandlerBuilderFilter, ProviderHttpClientFilter>());
        return Services.AddHttpClient(httpClientName)
            .ConfigureHttpClient(client => client.Timeout = Timeout.InfiniteTimeSpan) // ProviderHttpClient enforces the timeouts
            .RemoveAllLoggers();
    }

    /// <summary>
    /// For provider packages whose addresses come from tenants' configs (the <c>oauth2</c> and <c>oidc</c> endpoints):
    /// the named client resolves each host once and connects only when every address is public
    /// (<see cref="ProviderNetwork.PublicAddressesOnly"/>), unless <paramref name="trusted"/> accepts the host and port.
    /// The client's primary handler is then a <see cref="SocketsHttpHandler"/>; a host that replaces it with another
    /// kind of handler takes over this check.
    /// </summary>
    /// <param name="httpClientName">The provider's named client (registered by <see cref="AddProvider"/>).</param>
    /// <param name="trusted">Reads, from the host's services, which hosts and ports may be non-public.</param>
    public ConnectorsBuilder ConnectToPublicAddressesOnly(string httpClientName, Func<IServiceProvider, Func<DnsEndPoint, bool>> trusted)
    {
        ArgumentException.ThrowIfNullOrEmpty(httpClientName);
        ArgumentNullException.ThrowIfNull(trusted);
        Services.AddSingleton(new ProviderHttpClientPolicy(httpClientName, trusted));
        Services.TryAddEnumerable(ServiceDescriptor.Singleton<IHttpMessageHandlerBuilderFilter, ProviderHttpClientFilter>());
        return this;
    }
}

/// <summary>A connector's <see cref="HttpClient"/>: its name and, for addresses from tenants' configs, which
/// non-public hosts it may reach.</summary>
internal sealed record ProviderHttpClientPolicy(string Name, Func<IServiceProvider, Func<DnsEndPoint, bool>>? Trusted);

/// <summary>
/// Wraps every configuration of a connector client (the host's <c>ConfigureHttpClientDefaults</c> and its own
/// <c>ConfigurePrimaryHttpMessageHandler</c> included). A public-addresses-only client starts from a
/// <see cref="SocketsHttpHandler"/>. Once everything has run: redirect following is off on whatever primary handler
/// resulted (a provider's 3xx must never carry a client secret, a code or an email to another address), a
/// public-addresses-only client gets its connect check, and the host's retrying handlers (Microsoft.Extensions.Http.Resilience's,
/// as the Aspire service defaults add to every client, and Microsoft.Extensions.Http.Polly's) see only requests that
/// are safe to repeat.
/// </summary>
internal sealed class ProviderHttpClientFilter(IEnumerable<ProviderHttpClientPolicy> policies) : IHttpMessageHandlerBuilderFilter
{
    private readonly ILookup<string, ProviderHttpClientPolicy> _policies = policies.ToLookup(p => p.Name, StringComparer.Ordinal);

    public Action<HttpMessageHandlerBuilder> Configure(Action<HttpMessageHandlerBuilder> next) => builder =>
    {
        if (builder.Name is not { } name || !_policies.Contains(name))
        {
            next(builder);
            return;
        }

        // A public-addresses-only client needs a SocketsHttpHandler (its ConnectCallback checks the addresses); the
        // others keep the platform's default primary handler.
        var trusted = _policies[name].Select(p => p.Trusted).OfType<Func<IServiceProvider, Func<DnsEndPoint, bool>>>().FirstOrDefault();
        if (trusted is not null)
        {
            builder.PrimaryHandler = new SocketsHttpHandler();
        }

        next(builder);
        for (var i = 0; i < builder.AdditionalHandlers.Count; i++)
        {
            if (SafeRequestsOnlyHandler.Retries(builder.AdditionalHandlers[i]))
            {
                builder.AdditionalHandlers[i] = new SafeRequestsOnlyHandler(builder.AdditionalHandlers[i]);
            }
        }

        switch (builder.PrimaryHandler)
        {
            case SocketsHttpHandler sockets:
                sockets.AllowAutoRedirect = false;
                if (trusted is not null)
                {
                    sockets.ConnectCallback = ProviderNetwork.PublicAddressesOnly(trusted(builder.Services));
                }

                break;
            case HttpClientHandler client:
                client.AllowAutoRedirect = false;
                break;
        }
    };
}

/// <summary>
/// Runs a host's retrying handler for requests that are safe to repeat, and passes the others by it: a Mailgun send or
/// a code exchange is sent once, whatever policy the host applies to every client. The library's own retries (safe
/// operations only) are unaffected.
/// </summary>
internal sealed class SafeRequestsOnlyHandler(DelegatingHandler retrying) : DelegatingHandler
{
    private readonly object _lock = new();
    private HttpMessageInvoker? _retrying;

    /// <summary>Whether <paramref name="handler"/> may repeat a request: the handlers of
    /// Microsoft.Extensions.Http.Resilience (retry, hedging) and Microsoft.Extensions.Http.Polly's
    /// <c>PolicyHttpMessageHandler</c> (any policy).</summary>
    public static bool Retries(DelegatingHandler handler) =>
        handler is not SafeRequestsOnlyHandler && handler.GetType().FullName is { } name
        && (name.StartsWith("Microsoft.Extensions.Http.Resilience.", StringComparison.Ordinal)
            || name == "Microsoft.Extensions.Http.PolicyHttpMessageHandler");

    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        if (!request.Options.TryGetValue(ProviderRequestOptions.Safety, out var safety) || safety != RequestSafety.Safe)
        {
            return base.SendAsync(request, cancellationToken);
        }

        // The pipeline sets this handler's inner handler after the filter ran; the retrying one gets the same, once.
        var invoker = Volatile.Read(ref _retrying);
        if (invoker is null)
        {
            lock (_lock)
            {
                if (_retrying is null)
                {
                    retrying.InnerHandler = InnerHandler!;
                    Volatile.Write(ref _retrying, new HttpMessageInvoker(retrying, disposeHandler: false));
                }

                invoker = _retrying;
            }
        }

        return invoker.SendAsync(request, cancellationToken);
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _retrying?.Dispose();
            retrying.Dispose(); // and, through it, the inner handler this one disposes too (disposing twice is harmless)
        }

        base.Dispose(disposing);
    }
}
