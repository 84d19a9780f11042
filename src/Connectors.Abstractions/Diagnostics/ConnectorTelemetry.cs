using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Runtime.CompilerServices;
using Microsoft.Extensions.Logging;

namespace Connectors.Abstractions;

/// <summary>
/// Measures and logs for one provider component. The one failure path: every <see cref="ConnectorException"/> a
/// connector raises, whether a provider call failed or a problem was found before any request (an invalid config at
/// creation, a callback without a code), is counted in <c>connectors.failures</c> and logged (event 1003) with its
/// provider, operation and <c>error.type</c>; a best-effort request's failure (<see cref="Providers.ProviderRequest.BestEffort"/>)
/// only in <c>connectors.requests</c> and event 1004.
/// </summary>
internal sealed class ConnectorTelemetry
{
    private static readonly ConditionalWeakTable<Meter, Instruments> ByMeter = new();

    private readonly ILogger _logger;
    private readonly Instruments _instruments;

    /// <summary>Uses the meter <paramref name="meterFactory"/> makes (one per factory), or the process-wide one.</summary>
    public ConnectorTelemetry(ILogger logger, IMeterFactory? meterFactory)
    {
        _logger = logger;
        var meter = meterFactory?.Create(new MeterOptions(ConnectorsDiagnostics.Name)) ?? ConnectorsDiagnostics.Meter;
        _instruments = ByMeter.GetValue(meter, static m => new Instruments(m));
    }

    public void RecordFailure(ConnectorException failure)
    {
        var provider = failure.Provider ?? "unknown";
        var operation = failure.Operation ?? "unknown";
        _instruments.Failures.Add(1, Tags(provider, operation, failure.WireCode));
        Log.RequestFailed(_logger, provider, operation, failure.WireCode, failure.Message);
    }

    public void RecordRequest(string provider, string operation, TimeSpan elapsed, int? status, ConnectorException? failure, bool bestEffort = false)
    {
        var tags = Tags(provider, operation, failure?.WireCode);
        _instruments.Requests.Add(1, tags);
        _instruments.Duration.Record(elapsed.TotalSeconds, tags);
        if (failure is null)
        {
            Log.RequestCompleted(_logger, provider, operation, status ?? 0, elapsed.TotalMilliseconds);
        }
        else if (bestEffort)
        {
            Log.BestEffortRequestFailed(_logger, provider, operation, failure.WireCode, failure.Message);
        }
        else
        {
            RecordFailure(failure);
        }
    }

    public void RecordRetry(string provider, string operation, int attempt, string reason)
    {
        _instruments.Retries.Add(1, Tags(provider, operation, null));
        Log.RequestRetry(_logger, provider, operation, attempt, reason);
    }

    private static TagList Tags(string provider, string operation, string? errorType)
    {
        var tags = new TagList
        {
            { "connectors.provider", provider },
            { "connectors.operation", operation },
        };
        if (errorType is not null)
        {
            tags.Add("error.type", errorType);
        }

        return tags;
    }

    private sealed class Instruments(Meter meter)
    {
        public Counter<long> Requests { get; } = meter.CreateCounter<long>("connectors.requests", description: "Provider operations, after retries.");

        public Histogram<double> Duration { get; } = meter.CreateHistogram<double>("connectors.request.duration", unit: "s", description: "Duration of provider operations, retries included.");

        public Counter<long> Failures { get; } = meter.CreateCounter<long>("connectors.failures", description: "Failed connector operations by error type.");

        public Counter<long> Retries { get; } = meter.CreateCounter<long>("connectors.retries", description: "Retried provider attempts.");
    }
}
