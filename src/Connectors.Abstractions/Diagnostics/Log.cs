using Microsoft.Extensions.Logging;

namespace Connectors.Abstractions;

/// <summary>Log events of the shared HTTP layer (event ids 1000-1099). They carry provider, operation and codes,
/// never URLs, bodies, tokens or secrets.</summary>
internal static partial class Log
{
    [LoggerMessage(EventId = 1001, Level = LogLevel.Debug, Message = "{Provider} {Operation} completed with HTTP {StatusCode} in {ElapsedMs:0.0} ms")]
    public static partial void RequestCompleted(ILogger logger, string provider, string operation, int statusCode, double elapsedMs);

    [LoggerMessage(EventId = 1002, Level = LogLevel.Warning, Message = "{Provider} {Operation} attempt {Attempt} follows a transient failure ({Reason})")]
    public static partial void RequestRetry(ILogger logger, string provider, string operation, int attempt, string reason);

    [LoggerMessage(EventId = 1003, Level = LogLevel.Warning, Message = "{Provider} {Operation} failed with {ErrorCode}: {Reason}")]
    public static partial void RequestFailed(ILogger logger, string provider, string operation, string errorCode, string reason);

    [LoggerMessage(EventId = 1004, Level = LogLevel.Information, Message = "{Provider} {Operation} failed with {ErrorCode} and is done without: {Reason}")]
    public static partial void BestEffortRequestFailed(ILogger logger, string provider, string operation, string errorCode, string reason);
}
