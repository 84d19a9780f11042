using System.Collections.Concurrent;
using System.Globalization;
using System.Text.Json;
using Connectors.Abstractions;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;

namespace Connectors.AspNetCore;

/// <summary>The options of one connector health check (<c>AddHealthChecks().AddConnector(...)</c>).</summary>
public sealed class ConnectorHealthCheckOptions
{
    /// <summary>The connector id, e.g. <c>wecom-universal</c>, <c>mailgun-email</c>. Not needed with <see cref="Scheme"/>.</summary>
    public string? ConnectorId { get; set; }

    /// <summary>The connector config (Logto's JSON).</summary>
    public JsonElement? Config { get; set; }

    /// <summary>A configuration section holding the connector config (e.g. <c>Connectors:Mailgun</c>).</summary>
    public IConfiguration? Configuration { get; set; }

    /// <summary>A connector authentication scheme (<c>AddConnector</c>) whose connector id and config are checked.</summary>
    public string? Scheme { get; set; }

    /// <summary>How long a result is reused (default 60 s): probes in between get it without touching the provider.
    /// Failures are reused as long. Zero checks every time.</summary>
    public TimeSpan CacheDuration { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>Whether a connector that can probe its provider (<see cref="IConnectorProbe"/>, e.g. WeCom) does so
    /// (default true); otherwise only the config is validated.</summary>
    public bool ProbeProvider { get; set; } = true;
}

/// <summary>
/// Reports whether a connector config is valid and, for a connector that can probe its provider
/// (<see cref="IConnectorProbe"/>), whether the provider accepts it: WeCom holds an app access token for the corpId
/// and secret. Results are cached for <see cref="ConnectorHealthCheckOptions.CacheDuration"/>, and concurrent
/// checks share one run, so a probe every few seconds does not reach the provider more than once per period.
/// Descriptions carry the connector's secret-free messages; <c>data</c> carries <c>connector</c> and, on failure,
/// <c>error.type</c>.
/// </summary>
internal sealed class ConnectorHealthCheck(
    string name,
    ConnectorHealthResults results,
    IConnectorRegistry registry,
    IOptionsMonitor<ConnectorHealthCheckOptions> options,
    IOptionsMonitor<ConnectorAuthenticationOptions> schemes,
    TimeProvider time) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(context);
        var settings = options.Get(name);
        var failureStatus = context.Registration.FailureStatus;
        return results.GetAsync(name, settings.CacheDuration, time, () => RunAsync(settings, failureStatus)).WaitAsync(cancellationToken);
    }

    private async Task<HealthCheckResult> RunAsync(ConnectorHealthCheckOptions settings, HealthStatus failureStatus)
    {
        string connectorId;
        JsonElement config;
        if (settings.Scheme is { } scheme)
        {
            var schemeOptions = schemes.Get(scheme);
            if (schemeOptions.Config is not { } schemeConfig)
            {
                return new HealthCheckResult(failureStatus, $"The connector scheme '{scheme}' has no fixed config (not registered, or it resolves its config per request): check each config with its own health check.");
            }

            (connectorId, config) = (schemeOptions.ConnectorId, schemeConfig);
        }
        else
        {
            connectorId = settings.ConnectorId!;
            config = settings.Config ?? ConnectorConfiguration.ToJson(settings.Configuration!);
        }

        var data = new Dictionary<string, object> { ["connector"] = connectorId };
        try
        {
            var connector = registry.Create(connectorId, config);
            if (settings.ProbeProvider && connector is IConnectorProbe probe)
            {
                await probe.ProbeAsync().ConfigureAwait(false);
                return HealthCheckResult.Healthy($"{connector.Metadata.Name}: the config is valid and the provider accepts it.", data);
            }

            return HealthCheckResult.Healthy($"{connector.Metadata.Name}: the config is valid.", data);
        }
        catch (ConnectorException exception)
        {
            data["error.type"] = exception.WireCode;
            return new HealthCheckResult(failureStatus, exception.Message, data: data);
        }
    }
}

/// <summary>The cached result and the run in flight of each connector health check (singleton: health check
/// instances are created for every run).</summary>
internal sealed class ConnectorHealthResults
{
    private readonly ConcurrentDictionary<string, Entry> _entries = new(StringComparer.Ordinal);

    public Task<HealthCheckResult> GetAsync(string name, TimeSpan cacheDuration, TimeProvider time, Func<Task<HealthCheckResult>> run)
    {
        var entry = _entries.GetOrAdd(name, static _ => new Entry());
        lock (entry)
        {
            var now = time.GetUtcNow();
            if (entry.Current is { } current && (!current.IsCompleted || now < entry.ExpiresAt))
            {
                return current;
            }

            // One run at a time per check; its result counts from when it completes.
            var started = RunAndStampAsync(entry, cacheDuration, time, run);
            entry.Current = started;
            return started;
        }
    }

    private static async Task<HealthCheckResult> RunAndStampAsync(Entry entry, TimeSpan cacheDuration, TimeProvider time, Func<Task<HealthCheckResult>> run)
    {
        await Task.Yield(); // run outside the lock
        HealthCheckResult result;
        try
        {
            result = await run().ConfigureAwait(false);
        }
        catch (Exception exception) when (exception is not OutOfMemoryException)
        {
            result = HealthCheckResult.Unhealthy(string.Create(CultureInfo.InvariantCulture, $"The connector check failed: {exception.GetType().Name}."));
        }

        lock (entry)
        {
            entry.ExpiresAt = time.GetUtcNow() + cacheDuration;
        }

        return result;
    }

    private sealed class Entry
    {
        public Task<HealthCheckResult>? Current { get; set; }

        public DateTimeOffset ExpiresAt { get; set; }
    }
}

/// <summary>Checks <see cref="ConnectorHealthCheckOptions"/> when the host starts.</summary>
internal sealed class ConnectorHealthCheckOptionsValidator : IValidateOptions<ConnectorHealthCheckOptions>
{
    public ValidateOptionsResult Validate(string? name, ConnectorHealthCheckOptions options)
    {
        var problems = new List<string>();
        var prefix = $"Connector health check '{name}':";
        var sources = (options.Config is null ? 0 : 1) + (options.Configuration is null ? 0 : 1) + (options.Scheme is null ? 0 : 1);
        if (sources != 1)
        {
            problems.Add($"{prefix} ConnectorHealthCheckOptions needs exactly one of Config, Configuration or Scheme (it has {sources}).");
        }

        if (options.Scheme is null && string.IsNullOrWhiteSpace(options.ConnectorId))
        {
            problems.Add($"{prefix} ConnectorHealthCheckOptions.ConnectorId is required with Config or Configuration (e.g. wecom-universal).");
        }

        if (options.CacheDuration < TimeSpan.Zero)
        {
            problems.Add($"{prefix} ConnectorHealthCheckOptions.CacheDuration must not be negative (was {options.CacheDuration}).");
        }

        return problems.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(problems);
    }
}
