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

/// <summary>What a connector request tells the HTTP handlers of its client.</summary>
public static class ProviderRequestOptions
{
    /// <summary>
    /// The <see cref="RequestSafety"/> of the operation, on every request <see cref="ProviderHttpClient"/> sends
    /// (<c>request.Options.TryGetValue(ProviderRequestOptions.Safety, out var safety)</c>). A handler a host adds to a
    /// connector client that retries, hedges or replays requests must do so only for <see cref="RequestSafety.Safe"/>.
    /// </summary>
    public static readonly HttpRequestOptionsKey<RequestSafety> Safety = new("Connectors.RequestSafety");
}
