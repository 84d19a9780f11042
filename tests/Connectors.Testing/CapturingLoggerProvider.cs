using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace Connectors.Testing;

/// <summary>Captures every log entry at every level, with its formatted message, state values and exception.</summary>
public sealed class CapturingLoggerProvider : ILoggerProvider
{
    private readonly ConcurrentQueue<CapturedLog> _entries = new();

    /// <summary>The captured entries.</summary>
    public IReadOnlyList<CapturedLog> Entries => _entries.ToArray();

    /// <summary>Everything logged, as one text per entry (message, state values and exception), for secret scans.</summary>
    public IEnumerable<string> AllText => Entries.Select(e => e.FullText);

    /// <inheritdoc/>
    public ILogger CreateLogger(string categoryName) => new Logger(categoryName, _entries);

    /// <inheritdoc/>
    public void Dispose()
    {
    }

    private sealed class Logger(string category, ConcurrentQueue<CapturedLog> entries) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            var pairs = state as IEnumerable<KeyValuePair<string, object?>> ?? [];
            var values = new Dictionary<string, object?>(StringComparer.Ordinal);
            foreach (var (key, value) in pairs)
            {
                values[key] = value;
            }

            entries.Enqueue(new CapturedLog(category, logLevel, eventId, formatter(state, exception), values, exception?.ToString()));
        }
    }
}

/// <summary>One captured log entry.</summary>
public sealed record CapturedLog(string Category, LogLevel Level, EventId EventId, string Message, IReadOnlyDictionary<string, object?> State, string? Exception)
{
    /// <summary>Message, state values and exception text together.</summary>
    public string FullText => $"{Message} | {string.Join(" ", State.Select(p => $"{p.Key}={p.Value}"))} | {Exception}";

    /// <summary>A state value as text (e.g. <c>Operation</c>), or null.</summary>
    public string? Value(string key) => State.TryGetValue(key, out var value) ? value?.ToString() : null;
}
