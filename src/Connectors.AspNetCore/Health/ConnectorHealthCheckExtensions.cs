using Connectors.AspNetCore;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers connector health checks.</summary>
public static class ConnectorHealthCheckExtensions
{
    /// <summary>
    /// Adds a health check named <paramref name="name"/> for one connector config: valid, and for a connector that can
    /// probe its provider (WeCom), accepted by the provider, with the result cached for
    /// <see cref="ConnectorHealthCheckOptions.CacheDuration"/> (default 60 s). Give the config with
    /// <see cref="ConnectorHealthCheckOptions.Config"/> or <see cref="ConnectorHealthCheckOptions.Configuration"/> and
    /// <see cref="ConnectorHealthCheckOptions.ConnectorId"/>, or name a connector authentication scheme with
    /// <see cref="ConnectorHealthCheckOptions.Scheme"/>. The options are checked when the host starts.
    /// </summary>
    /// <param name="builder">The health checks builder.</param>
    /// <param name="name">The check's name, e.g. <c>wecom</c>.</param>
    /// <param name="configure">Sets the options.</param>
    /// <param name="failureStatus">The status reported when the config is invalid or refused (default <see cref="HealthStatus.Unhealthy"/>).</param>
    /// <param name="tags">Tags to filter checks by (e.g. <c>ready</c>).</param>
    public static IHealthChecksBuilder AddConnector(this IHealthChecksBuilder builder, string name, Action<ConnectorHealthCheckOptions> configure, HealthStatus? failureStatus = null, IEnumerable<string>? tags = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentNullException.ThrowIfNull(configure);
        builder.Services.AddOptions<ConnectorHealthCheckOptions>(name).Configure(configure).ValidateOnStart();
        builder.Services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<ConnectorHealthCheckOptions>, ConnectorHealthCheckOptionsValidator>());
        builder.Services.TryAddSingleton<ConnectorHealthResults>();
        builder.Services.TryAddSingleton(TimeProvider.System);
        return builder.Add(new HealthCheckRegistration(
            name,
            sp => new ConnectorHealthCheck(
                name,
                sp.GetRequiredService<ConnectorHealthResults>(),
                sp.GetRequiredService<Connectors.Abstractions.IConnectorRegistry>(),
                sp.GetRequiredService<IOptionsMonitor<ConnectorHealthCheckOptions>>(),
                sp.GetRequiredService<IOptionsMonitor<ConnectorAuthenticationOptions>>(),
                sp.GetRequiredService<TimeProvider>()),
            failureStatus,
            tags));
    }
}
