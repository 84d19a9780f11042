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

    internal void Validate(string provider)
    {
        if (AttemptTimeout <= TimeSpan.Zero || OverallTimeout <= TimeSpan.Zero || TotalTimeout <= TimeSpan.Zero)
        {
            throw new InvalidOperationException($"{provider} HTTP timeouts must be positive.");
        }

        if (MaxRetryAttempts < 0 || RetryBaseDelay < TimeSpan.Zero || MaxResponseBytes <= 0)
        {
            throw new InvalidOperationException($"{provider} HTTP retry settings and the response size cap must not be negative.");
        }
    }
}

/// <summary>Whether an operation may be repeated after its request may have reached the provider.</summary>
public enum RequestSafety
{
    /// <summary>Repeating is harmless (reads, WeCom gettoken): retried on 5xx, 408, timeouts and network errors.</summary>
    Safe,

    /// <summary>Repeating could act twice (exchanging a single-use code, sending an email): retried only when the
    /// connection could not be established, so the request never left this process.</summary>
    Unsafe,
}
