using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;

namespace Connectors.Abstractions;

/// <summary>A provider response, read in full (up to the size cap).</summary>
public sealed class ProviderResponse
{
    private JsonElement? _json;
    private bool _jsonParsed;

    internal ProviderResponse(int statusCode, byte[] body, HttpResponseHeaders headers, string? mediaType)
    {
        StatusCode = statusCode;
        Body = body;
        Headers = headers;
        MediaType = mediaType;
    }

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

    /// <summary>The <c>Retry-After</c> delay, when given (seconds or a date).</summary>
    public TimeSpan? RetryAfter(TimeProvider timeProvider)
    {
        ArgumentNullException.ThrowIfNull(timeProvider);
        var header = Headers.RetryAfter;
        if (header?.Delta is { } delta)
        {
            return delta;
        }

        if (header?.Date is { } date)
        {
            var wait = date - timeProvider.GetUtcNow();
            return wait > TimeSpan.Zero ? wait : TimeSpan.Zero;
        }

        return null;
    }

    /// <summary>Parses the body as one JSON value (parsed once, then cached).</summary>
    /// <returns>False when the body is empty, not JSON, truncated, or followed by other data.</returns>
    public bool TryGetJson(out JsonElement json)
    {
        if (!_jsonParsed)
        {
            _jsonParsed = true;
            _json = Parse(Body.Span);
        }

        json = _json.GetValueOrDefault();
        return _json.HasValue;
    }

    /// <summary>The body as text, cut to <paramref name="maxChars"/>; for provider error messages that are known to be plain text.</summary>
    public string BodyText(int maxChars = 200)
    {
        var text = Encoding.UTF8.GetString(Body.Span).Trim();
        return text.Length <= maxChars ? text : string.Concat(text.AsSpan(0, maxChars), "…");
    }

    private static JsonElement? Parse(ReadOnlySpan<byte> body)
    {
        if (body.IsEmpty)
        {
            return null;
        }

        try
        {
            var reader = new Utf8JsonReader(body);
            var value = JsonElement.ParseValue(ref reader);
            // Anything but whitespace after the value makes the reader throw: the body is not one JSON value.
            return reader.Read() ? null : value;
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
