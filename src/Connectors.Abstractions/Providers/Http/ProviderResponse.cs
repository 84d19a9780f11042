using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;

namespace Connectors.Abstractions.Providers;

/// <summary>A provider response, read in full (up to the size cap).</summary>
public sealed class ProviderResponse
{
    private JsonElement? _json;
    private bool _jsonParsed;

    /// <summary>The longest <see cref="RetryAfter"/> a provider can ask for: one day. Longer or unreadable values are
    /// clamped, so a broken header cannot overflow a caller's arithmetic.</summary>
    public static readonly TimeSpan MaxRetryAfter = TimeSpan.FromDays(1);

    internal ProviderResponse(int statusCode, byte[] body, HttpResponseHeaders headers, string? mediaType, string? bodyProblem = null)
    {
        StatusCode = statusCode;
        Body = body;
        Headers = headers;
        MediaType = mediaType;
        BodyProblem = bodyProblem;
    }

    /// <summary>For a <see cref="ProviderRequest.AcceptAnySuccessBody"/> request, why the body could not be read (then
    /// <see cref="Body"/> is empty); null when it was read in full.</summary>
    public string? BodyProblem { get; }

    /// <summary>The HTTP status code.</summary>
    public int StatusCode { get; }

    /// <summary>Whether the status is 2xx.</summary>
    public bool IsSuccessStatusCode => StatusCode is >= 200 and < 300;

    /// <summary>The body bytes.</summary>
    public ReadOnlyMemory<byte> Body { get; }

    /// <summary>The response headers.</summary>
    public HttpResponseHeaders Headers { get; }

    /// <summary>The body's media type, e.g. <c>application/json</c>, when given.</summary>
    public string? MediaType { get; }

    /// <summary>
    /// How long the provider asks to wait: the <c>Retry-After</c> header (seconds or a date), else, when
    /// <paramref name="unixTimeHeader"/> is given, that header read as the Unix time (fractions allowed) at which to
    /// try again, as Mailgun's <c>X-RateLimit-Reset</c>. Clamped to [0, <see cref="MaxRetryAfter"/>]; null when absent
    /// or unreadable.
    /// </summary>
    public TimeSpan? RetryAfter(TimeProvider timeProvider, string? unixTimeHeader = null)
    {
        ArgumentNullException.ThrowIfNull(timeProvider);
        var header = Headers.RetryAfter;
        if (header?.Delta is { } delta)
        {
            return Clamp(delta);
        }

        if (header?.Date is { } date)
        {
            return Clamp(date - timeProvider.GetUtcNow());
        }

        if (unixTimeHeader is not null
            && Headers.TryGetValues(unixTimeHeader, out var values)
            && double.TryParse(values.FirstOrDefault(), System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var seconds)
            && double.IsFinite(seconds))
        {
            var wait = seconds - (timeProvider.GetUtcNow().ToUnixTimeMilliseconds() / 1000.0);
            return wait >= MaxRetryAfter.TotalSeconds ? MaxRetryAfter : Clamp(TimeSpan.FromSeconds(Math.Max(0, wait)));
        }

        return null;
    }

    private static TimeSpan Clamp(TimeSpan wait) => wait < TimeSpan.Zero ? TimeSpan.Zero : wait > MaxRetryAfter ? MaxRetryAfter : wait;

    /// <summary>Parses the body as one JSON value (parsed once, then cached).</summary>
    /// <returns>False when the body is empty, not JSON, truncated, or followed by other data.</returns>
    public bool TryGetJson(out JsonElement json)
    {
        if (!_jsonParsed)
        {
            _jsonParsed = true;
            _json = Parse(Body);
        }

        json = _json.GetValueOrDefault();
        return _json.HasValue;
    }

    /// <summary>The body as one line of text, cut to <paramref name="maxChars"/> (<see cref="SafeText.FromProvider"/>);
    /// for provider error messages that are known to be plain text. Null when empty.</summary>
    public string? BodyText(int maxChars = 200) =>
        SafeText.FromProvider(Encoding.UTF8.GetString(Body.Span[..Math.Min(Body.Length, maxChars * 4 + 256)]), maxChars);

    private static JsonElement? Parse(ReadOnlyMemory<byte> body)
    {
        if (body.IsEmpty)
        {
            return null;
        }

        try
        {
            // The body array is this response's own and never changes: the document reads it in place, in one pass
            // (trailing data after the value throws). It is not disposed: elements taken from it live as long as
            // the results holding them, and its metadata goes with it to the collector.
            var value = JsonDocument.Parse(body).RootElement;
            return JsonElementExtensions.HasTextPropertyNames(body.Span) ? value : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
