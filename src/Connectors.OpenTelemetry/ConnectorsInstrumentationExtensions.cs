using Connectors.Abstractions;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;

namespace OpenTelemetry;

/// <summary>Subscribes OpenTelemetry to the <c>Connectors</c> activity source and meter (see <see cref="ConnectorsDiagnostics"/>).</summary>
public static class ConnectorsInstrumentationExtensions
{
    /// <summary>
    /// Traces every provider operation: one client activity per operation, named <c>{Provider} {operation}</c>
    /// (e.g. <c>WeCom gettoken</c>), tagged <c>connectors.provider</c>, <c>connectors.operation</c>,
    /// <c>http.response.status_code</c>, and on failure <c>error.type</c> with an error status. Never a URL, body or
    /// secret.
    /// </summary>
    public static TracerProviderBuilder AddConnectorsInstrumentation(this TracerProviderBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        return builder.AddSource(ConnectorsDiagnostics.Name);
    }

    /// <summary>
    /// Collects <c>connectors.requests</c>, <c>connectors.request.duration</c> (s), <c>connectors.failures</c> and
    /// <c>connectors.retries</c>, tagged <c>connectors.provider</c>, <c>connectors.operation</c> and on failures
    /// <c>error.type</c>, from the meter each service provider creates through its <c>IMeterFactory</c>.
    /// </summary>
    public static MeterProviderBuilder AddConnectorsInstrumentation(this MeterProviderBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        return builder.AddMeter(ConnectorsDiagnostics.Name);
    }
}
