using System.Diagnostics.Metrics;
using Connectors.Abstractions;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Microsoft.Extensions.Logging.Testing;

namespace Connectors.Testing;

/// <summary>What the tests read off Microsoft.Extensions.Diagnostics.Testing's fakes: log records by event id, state
/// value and whole text (for secret scans), and the <c>connectors.failures</c> measurements of one service provider.</summary>
public static class TestKitExtensions
{
    extension(FakeLoggerProvider logs)
    {
        /// <summary>Every record so far, at every level.</summary>
        public IReadOnlyList<FakeLogRecord> Entries => logs.Collector.GetSnapshot();

        /// <summary>Everything logged, one text per record (message, state values and exception), for secret scans.</summary>
        public IEnumerable<string> AllText => logs.Entries.Select(e => e.FullText);
    }

    extension(FakeLogRecord record)
    {
        /// <summary>Message, state values and exception together.</summary>
        public string FullText => $"{record.Message} | {string.Join(" ", (record.StructuredState ?? []).Select(p => $"{p.Key}={p.Value}"))} | {record.Exception}";

        /// <summary>A state value as text (e.g. <c>Operation</c>), or null.</summary>
        public string? Value(string key) => record.GetStructuredStateValue(key);
    }

    /// <summary>Collects the <c>connectors.failures</c> counter of the meter <paramref name="services"/>' <see cref="IMeterFactory"/>
    /// made: only this provider's connectors count, whatever other tests run meanwhile.</summary>
    public static MetricCollector<long> FailureMetrics(this IServiceProvider services) =>
        new(services.GetRequiredService<IMeterFactory>(), ConnectorsDiagnostics.Name, "connectors.failures");

    /// <summary>Each failure measured: its provider, operation and error type (the error code) tags.</summary>
    public static IReadOnlyList<(string? Provider, string? Operation, string? Code)> Failures(this MetricCollector<long> metrics) =>
        [.. metrics.GetMeasurementSnapshot().Select(m => (Tag(m.Tags, "connectors.provider"), Tag(m.Tags, "connectors.operation"), Tag(m.Tags, "error.type")))];

    private static string? Tag(IReadOnlyDictionary<string, object?> tags, string name) => tags.TryGetValue(name, out var value) ? value as string : null;
}
