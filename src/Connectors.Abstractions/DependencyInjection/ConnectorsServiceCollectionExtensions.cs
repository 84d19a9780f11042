using System.Diagnostics.CodeAnalysis;
using Connectors.Abstractions;
using Microsoft.Extensions.DependencyInjection.Extensions;
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
        builder.Services.TryAddSingleton<IVerificationCodeStore>(sp => sp.GetRequiredService<IOptions<VerificationCodeOptions>>().Value.UseDistributedCache
            ? new DistributedVerificationCodeStore(sp.GetRequiredService<Microsoft.Extensions.Caching.Distributed.IDistributedCache>())
            : new MemoryVerificationCodeStore(sp.GetRequiredService<TimeProvider>()));
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
    /// call's), validates them when the host starts (<typeparamref name="TValidator"/>, <c>ValidateOnStart</c>), and
    /// registers its factory (once, however often this is called) and its named <see cref="HttpClient"/>, whose
    /// built-in request logging is removed: it would log request URLs, and provider queries carry tokens.
    /// </summary>
    /// <typeparam name="TFactory">The provider's connector factory.</typeparam>
    /// <typeparam name="TOptions">The provider's host-level options.</typeparam>
    /// <typeparam name="TValidator">The validator of <typeparamref name="TOptions"/>.</typeparam>
    /// <param name="httpClientName">The provider's named client.</param>
    /// <param name="configure">Sets the provider's options; may be null.</param>
    public ConnectorsBuilder AddProvider<
        [DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicConstructors)] TFactory,
        [DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicParameterlessConstructor)] TOptions,
        [DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicConstructors)] TValidator>(string httpClientName, Action<TOptions>? configure)
        where TFactory : class, IConnectorFactory
        where TOptions : class
        where TValidator : class, IValidateOptions<TOptions>
    {
        ArgumentException.ThrowIfNullOrEmpty(httpClientName);
        var options = Services.AddOptions<TOptions>();
        if (configure is not null)
        {
            options.Configure(configure);
        }

        options.ValidateOnStart();
        Services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<TOptions>, TValidator>());
        if (Services.Any(d => d.ServiceType == typeof(TFactory)))
        {
            return this;
        }

        Services.AddSingleton<TFactory>();
        Services.TryAddEnumerable(ServiceDescriptor.Singleton<IConnectorFactory, TFactory>(sp => sp.GetRequiredService<TFactory>()));
        Services.AddHttpClient(httpClientName)
            .ConfigureHttpClient(client => client.Timeout = Timeout.InfiniteTimeSpan) // ProviderHttpClient enforces the timeouts
            .RemoveAllLoggers();
        return this;
    }
}
