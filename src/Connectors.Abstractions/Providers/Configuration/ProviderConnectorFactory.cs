using System.Diagnostics.CodeAnalysis;
using System.Diagnostics.Metrics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Connectors.Abstractions.Providers;

/// <summary>Host-level settings every provider has; a provider's options derive from it and add their own.</summary>
public abstract class ProviderOptions
{
    /// <summary>Timeouts, retries and the response size cap. An operation that is not safe to repeat (a code exchange,
    /// a send) is never retried once it may have reached the provider.</summary>
    public ConnectorHttpOptions Http { get; set; } = new();

    /// <summary>Adds every problem of these options to <paramref name="problems"/>, each naming its option as
    /// <c>{name}.Option</c>. Run when the host starts (<see cref="Microsoft.Extensions.DependencyInjection.ConnectorsBuilder.AddProvider{TFactory, TOptions}"/>). The base checks
    /// <see cref="Http"/>; an override adds its own checks and calls it.</summary>
    /// <param name="name">The options type's name, e.g. <c>GitHubOptions</c>.</param>
    /// <param name="problems">Where problems go, as whole sentences.</param>
    protected internal virtual void Validate(string name, ICollection<string> problems) => OptionsChecks.Http(Http, $"{name}.Http", problems);
}

/// <summary>Runs <see cref="ProviderOptions.Validate"/> at host start.</summary>
internal sealed class ProviderOptionsValidator<TOptions> : IValidateOptions<TOptions>
    where TOptions : ProviderOptions
{
    public ValidateOptionsResult Validate(string? name, TOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var problems = new List<string>();
        options.Validate(typeof(TOptions).Name, problems);
        return OptionsChecks.Result(problems);
    }
}

/// <summary>What every provider factory takes from the host's services: the pooled HTTP clients, the clock, logging
/// and metrics. Registered by <c>AddConnectors</c>.</summary>
/// <param name="httpClientFactory">The factory of the providers' named clients.</param>
/// <param name="timeProvider">The clock of timeouts, retries and token lifetimes.</param>
/// <param name="loggerFactory">Where providers log.</param>
/// <param name="meterFactory">Creates the <c>Connectors</c> meter; the process-wide one when null.</param>
public sealed class ProviderServices(IHttpClientFactory httpClientFactory, TimeProvider timeProvider, ILoggerFactory loggerFactory, IMeterFactory? meterFactory = null)
{
    /// <summary>The factory of the providers' named clients.</summary>
    public IHttpClientFactory HttpClientFactory { get; } = httpClientFactory ?? throw new ArgumentNullException(nameof(httpClientFactory));

    /// <summary>The clock.</summary>
    public TimeProvider TimeProvider { get; } = timeProvider ?? throw new ArgumentNullException(nameof(timeProvider));

    /// <summary>Where providers log.</summary>
    public ILoggerFactory LoggerFactory { get; } = loggerFactory ?? throw new ArgumentNullException(nameof(loggerFactory));

    /// <summary>Creates the <c>Connectors</c> meter.</summary>
    public IMeterFactory? MeterFactory { get; } = meterFactory;
}

/// <summary>
/// The base of a provider's factory: its options, its logger (category: the options' namespace, e.g. <c>Connectors.GitHub</c>) and its
/// <see cref="ProviderHttpClient"/> on its named client, made once from <see cref="ProviderServices"/>. A provider
/// adds its metadata, how its config is read and how a connector is made; registration is one
/// <see cref="Microsoft.Extensions.DependencyInjection.ConnectorsBuilder.AddProvider{TFactory, TOptions}"/> call.
/// </summary>
/// <typeparam name="TConfig">The provider's typed config.</typeparam>
/// <typeparam name="TOptions">The provider's host-level options.</typeparam>
public abstract class ProviderConnectorFactory<TConfig, [DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicParameterlessConstructor)] TOptions> : ConnectorFactory<TConfig>
    where TConfig : class
    where TOptions : ProviderOptions
{
    /// <summary>Creates the factory of <paramref name="provider"/> on its named client <paramref name="httpClientName"/>.</summary>
    /// <param name="services">The host's services.</param>
    /// <param name="options">The provider's options (validated at host start).</param>
    /// <param name="provider">The provider's display name in messages, logs and metrics, e.g. <c>GitHub</c>.</param>
    /// <param name="httpClientName">The provider's named client, as registered.</param>
    protected ProviderConnectorFactory(ProviderServices services, IOptions<TOptions> options, string provider, string httpClientName)
        : this(services ?? throw new ArgumentNullException(nameof(services)), options, provider, httpClientName, services.LoggerFactory.CreateLogger(typeof(TOptions).Namespace ?? typeof(TOptions).Name))
    {
    }

    private ProviderConnectorFactory(ProviderServices services, IOptions<TOptions> options, string provider, string httpClientName, ILogger logger)
        : base(logger, services.MeterFactory)
    {
        ArgumentNullException.ThrowIfNull(options);
        Options = options.Value;
        Logger = logger;
        Http = new ProviderHttpClient(provider, services.HttpClientFactory, httpClientName, Options.Http, logger, services.TimeProvider, services.MeterFactory);
    }

    /// <summary>The provider's options.</summary>
    protected TOptions Options { get; }

    /// <summary>Where the provider's connectors log.</summary>
    protected ILogger Logger { get; }

    /// <summary>The provider's HTTP client, shared by all its connectors.</summary>
    protected ProviderHttpClient Http { get; }
}
