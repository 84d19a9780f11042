using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Connectors.Abstractions;

namespace Connectors.Testing;

/// <summary>Records the <c>connectors.failures</c> measurements of the library's meters while it lives. Meters of every
/// service provider are heard and tests of other classes run in parallel, so assert on a provider and operation your
/// test owns, or pass the <see cref="IMeterFactory"/> whose meter alone counts.</summary>
public sealed class MetricsCapture : IDisposable
{
    private readonly MeterListener _listener = new();
    private readonly ConcurrentQueue<(string? Provider, string? Operation, string? Code)> _failures = new();

    /// <summary>Starts listening; with <paramref name="meterFactory"/>, only to the meter it created.</summary>
    public MetricsCapture(IMeterFactory? meterFactory = null)
    {
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name == ConnectorsDiagnostics.Name && instrument.Name == "connectors.failures"
                && (meterFactory is null || instrument.Meter.Scope == meterFactory))
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<long>((_, _, tags, _) =>
        {
            string? provider = null, operation = null, code = null;
            foreach (var tag in tags)
            {
                switch (tag.Key)
                {
                    case "connectors.provider": provider = tag.Value as string; break;
                    case "connectors.operation": operation = tag.Value as string; break;
                    case "error.type": code = tag.Value as string; break;
                }
            }

            _failures.Enqueue((provider, operation, code));
        });
        _listener.Start();
    }

    /// <summary>Every failure measured: provider, operation and error type (the error code) tags.</summary>
    public IReadOnlyList<(string? Provider, string? Operation, string? Code)> Failures => [.. _failures];

    /// <inheritdoc/>
    public void Dispose() => _listener.Dispose();
}
