using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Connectors.Abstractions;

/// <summary>The library's <see cref="System.Diagnostics.ActivitySource"/> and fallback <see cref="System.Diagnostics.Metrics.Meter"/>, both named <c>Connectors</c>.</summary>
/// <remarks>
/// Instruments: <c>connectors.requests</c> (provider operations), <c>connectors.request.duration</c> (seconds),
/// <c>connectors.failures</c>, <c>connectors.retries</c>. Tags: <c>connectors.provider</c>,
/// <c>connectors.operation</c>, and on failures <c>error.type</c> (the error's wire code, e.g.
/// <c>rate_limit_exceeded</c>, as OpenTelemetry's semantic conventions name it). Activities carry the same tags.
/// The meter is created through the host's <see cref="IMeterFactory"/> (<c>AddConnectors</c> registers one), so each
/// service provider has its own; code that builds connectors without DI uses <see cref="Meter"/>. With OpenTelemetry,
/// <c>AddConnectorsInstrumentation()</c> from the <c>Connectors.OpenTelemetry</c> package subscribes to both.
/// </remarks>
public static class ConnectorsDiagnostics
{
    /// <summary>The name of the activity source and the meter.</summary>
    public const string Name = "Connectors";

    /// <summary>Traces one activity per provider operation.</summary>
    public static ActivitySource ActivitySource { get; } = new(Name);

    /// <summary>The meter of connectors created without an <see cref="IMeterFactory"/> (outside DI).</summary>
    public static Meter Meter { get; } = new(Name);
}
