namespace Connectors.Abstractions;

/// <summary>Timeouts, retries and limits for a provider's HTTP calls. Every provider's options carry one.</summary>
public sealed class ConnectorHttpOptions
{
    /// <summary>The time one attempt may take, body included. Default 5 seconds (as Logto).</summary>
    public TimeSpan AttemptTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>The time an operation may take with all its retries. Default 15 seconds.</summary>
    public TimeSpan OverallTimeout { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>The time one connector call may take across all its provider requests (a sign-in's token, profile
    /// and detail calls). Default 20 seconds.</summary>
    public TimeSpan TotalTimeout { get; set; } = TimeSpan.FromSeconds(20);

    /// <summary>Retries after the first attempt, for operations that are safe to repeat. Default 2.</summary>
    public int MaxRetryAttempts { get; set; } = 2;

    /// <summary>The first retry delay; later ones grow exponentially, with jitter. Default 200 ms.</summary>
    public TimeSpan RetryBaseDelay { get; set; } = TimeSpan.FromMilliseconds(200);

    /// <summary>The largest response body accepted. Default 1 MiB.</summary>
    public int MaxResponseBytes { get; set; } = 1024 * 1024;
}
