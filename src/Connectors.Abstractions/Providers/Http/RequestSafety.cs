namespace Connectors.Abstractions.Providers;

/// <summary>Whether an operation may be repeated after its request may have reached the provider.</summary>
public enum RequestSafety
{
    /// <summary>Repeating is harmless (reads, WeCom gettoken): retried on 5xx, 408, timeouts and network errors.</summary>
    Safe,

    /// <summary>Repeating could act twice (exchanging a single-use code, sending an email): retried only when the
    /// connection could not be established, so the request never left this process.</summary>
    Unsafe,
}
