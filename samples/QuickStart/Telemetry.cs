using System.Diagnostics;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;

namespace QuickStart;

/// <summary>Optional: Connectors' traces and metrics in OpenTelemetry (packages Connectors.OpenTelemetry and
/// OpenTelemetry). With OpenTelemetry.Extensions.Hosting, call the same <c>AddConnectorsInstrumentation()</c> inside
/// <c>builder.Services.AddOpenTelemetry().WithTracing(...)</c> and <c>.WithMetrics(...)</c>.</summary>
public static class Telemetry
{
    /// <summary>Sends every provider operation's span to <paramref name="spans"/> and the connectors' metrics to
    /// <paramref name="metrics"/> (your exporters); dispose both providers at shutdown.</summary>
    public static (TracerProvider Tracing, MeterProvider Metrics) Start(BaseExporter<Activity> spans, MetricReader metrics) =>
        (Sdk.CreateTracerProviderBuilder().AddConnectorsInstrumentation().AddProcessor(new BatchActivityExportProcessor(spans)).Build(),
         Sdk.CreateMeterProviderBuilder().AddConnectorsInstrumentation().AddReader(metrics).Build());
}
