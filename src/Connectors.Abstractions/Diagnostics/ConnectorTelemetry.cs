using System.Diagnostics;
using Microsoft.Extensions.Logging;

namespace Connectors.Abstractions;

/// <summary>
/// The one failure path: every <see cref="ConnectorException"/> a connector raises, whether a provider call failed or
/// a problem was found before any request (an invalid config at creation, a callback without a code), is counted in
/// <c>connectors.failures</c> and logged (event 1003) with its provider, operation and code.
/// </summary>
internal static class ConnectorTelemetry
{
    public static void RecordFailure(ILogger logger, ConnectorException failure)
    {
        var provider = failure.Provider ?? "unknown";
        var operation = failure.Operation ?? "unknown";
        ConnectorsDiagnostics.Failures.Add(1, Tags(provider, operation, failure.WireCode));
        Log.RequestFailed(logger, provider, operation, failure.WireCode, failure.Message);
    }

    public static void RecordRequest(ILogger logger, string provider, string operation, TimeSpan elapsed, int? status, ConnectorException? failure)
    {
        var tags = Tags(provider, operation, failure?.WireCode);
        ConnectorsDiagnostics.Requests.Add(1, tags);
        ConnectorsDiagnostics.Duration.Record(elapsed.TotalSeconds, tags);
        if (failure is null)
        {
            Log.RequestCompleted(logger, provider, operation, status ?? 0, elapsed.TotalMilliseconds);
        }
        else
        {
            RecordFailure(logger, failure);
        }
    }

    public static TagList Tags(string provider, string operation, string? code)
    {
        var tags = new TagList
        {
            { "connectors.provider", provider },
            { "connectors.operation", operation },
        };
        if (code is not null)
        {
            tags.Add("connectors.error_code", code);
        }

        return tags;
    }
}
