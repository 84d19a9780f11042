using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Connectors.Abstractions;

/// <summary>The library's one <see cref="System.Diagnostics.ActivitySource"/> and one <see cref="System.Diagnostics.Metrics.Meter"/>, both named <c>Connectors</c>.</summary>
/// <remarks>
/// Instruments: <c>connectors.requests</c> (provider operations), <c>connectors.request.duration</c> (seconds),
/// <c>connectors.failures</c> (by <c>connectors.error_code</c>), <c>connectors.retries</c>. Tags:
/// <c>connectors.provider</c>, <c>connectors.operation</c>.
/// </remarks>
public static class ConnectorsDiagnostics
{
    /// <summary>The name of the activity source and the meter.</summary>
    public const string Name = "Connectors";

    /// <summary>Traces one activity per provider operation.</summary>
    public static ActivitySource ActivitySource { get; } = new(Name);

    /// <summary>The library's meter.</summary>
    public static Meter Meter { get; } = new(Name);

    internal static Counter<long> Requests { get; } = Meter.CreateCounter<long>("connectors.requests", description: "Provider operations, after retries.");

    internal static Histogram<double> Duration { get; } = Meter.CreateHistogram<double>("connectors.request.duration", unit: "s", description: "Duration of provider operations, retries included.");

    internal static Counter<long> Failures { get; } = Meter.CreateCounter<long>("connectors.failures", description: "Failed provider operations by error code.");

    internal static Counter<long> Retries { get; } = Meter.CreateCounter<long>("connectors.retries", description: "Retried provider attempts.");
}
