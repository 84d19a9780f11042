using System.Globalization;
using System.Text.Json;

namespace Connectors.Abstractions.Providers;

/// <summary>Reading provider JSON without reflection (AOT-safe).</summary>
public static class JsonElementExtensions
{
    /// <summary>
    /// Whether every property name is text (and, when a surrogate is escaped, the body is well-formed JSON). JSON may escape a lone surrogate (<c>"\ud800x"</c>): such a name makes
    /// every later property lookup throw <see cref="InvalidOperationException"/>, so the body is not usable JSON.
    /// String values may (<see cref="GetTextOrNull"/> reads them as absent). <see cref="ProviderResponse.TryGetJson"/>
    /// refuses such bodies; provider code that parses provider JSON itself (a decoded token) checks with this.
    /// </summary>
    public static bool HasTextPropertyNames(ReadOnlySpan<byte> body)
    {
        if (!HasSurrogateEscape(body))
        {
            return true;
        }

        var reader = new Utf8JsonReader(body);
        try
        {
            while (reader.Read())
            {
                if (reader.TokenType == JsonTokenType.PropertyName && reader.ValueIsEscaped)
                {
                    _ = reader.GetString();
                }
            }

            return true;
        }
        catch (Exception exception) when (exception is InvalidOperationException or JsonException)
        {
            return false;
        }
    }

    // Only an escaped surrogate (\uD800 to \uDFFF) can leave a property name without text: any other body passes unread.
    private static bool HasSurrogateEscape(ReadOnlySpan<byte> body)
    {
        for (var at = body.IndexOf("\\u"u8); at >= 0; at = body.IndexOf("\\u"u8))
        {
            if (body.Length >= at + 4 && body[at + 2] is (byte)'d' or (byte)'D' && body[at + 3] is (>= (byte)'8' and <= (byte)'9') or (>= (byte)'a' and <= (byte)'f') or (>= (byte)'A' and <= (byte)'F'))
            {
                return true;
            }

            body = body[(at + 2)..];
        }

        return false;
    }

    /// <summary>The string property <paramref name="name"/>; null when absent, not a string, empty, or not text (an
    /// escaped lone surrogate).</summary>
    public static string? GetStringOrNull(this JsonElement element, string name)
    {
        if (element.ValueKind != JsonValueKind.Object
            || !element.TryGetProperty(name, out var value)
            || value.ValueKind != JsonValueKind.String)
        {
            return null;
        }

        return value.GetTextOrNull();
    }

    /// <summary>The string <paramref name="value"/>; null when it is not a string, is empty, or is not text (an
    /// escaped lone surrogate).</summary>
    public static string? GetTextOrNull(this JsonElement value)
    {
        if (value.ValueKind != JsonValueKind.String)
        {
            return null;
        }

        try
        {
            return value.GetString() is { Length: > 0 } text ? text : null;
        }
        catch (InvalidOperationException)
        {
            return null;
        }
    }

    /// <summary>
    /// A lifetime in seconds such as OAuth's <c>expires_in</c> (a number or a string of digits), clamped to
    /// <paramref name="max"/>; null when absent, not a positive number, or unreadable. A provider sending 1e15 cannot
    /// overflow a date computation.
    /// </summary>
    public static TimeSpan? GetLifetimeOrNull(this JsonElement element, string name, TimeSpan max)
    {
        if (element.ValueKind != JsonValueKind.Object || !element.TryGetProperty(name, out var value))
        {
            return null;
        }

        double seconds;
        if (value.ValueKind == JsonValueKind.Number && value.TryGetDouble(out var number))
        {
            seconds = number;
        }
        else if (value.ValueKind != JsonValueKind.String || !double.TryParse(value.GetStringOrDefault(), NumberStyles.Float, CultureInfo.InvariantCulture, out seconds))
        {
            return null;
        }

        if (!double.IsFinite(seconds) || seconds <= 0)
        {
            return null;
        }

        return seconds >= max.TotalSeconds ? max : TimeSpan.FromSeconds(Math.Floor(seconds));
    }

    private static string? GetStringOrDefault(this JsonElement value)
    {
        try
        {
            return value.GetString();
        }
        catch (InvalidOperationException)
        {
            return null;
        }
    }

    /// <summary>The integer property <paramref name="name"/> (a JSON number, or a string of digits); null otherwise.</summary>
    public static long? GetInt64OrNull(this JsonElement element, string name)
    {
        if (element.ValueKind != JsonValueKind.Object || !element.TryGetProperty(name, out var value))
        {
            return null;
        }

        return value.ValueKind switch
        {
            JsonValueKind.Number when value.TryGetInt64(out var number) => number,
            JsonValueKind.String when long.TryParse(value.GetStringOrDefault(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var parsed) => parsed,
            _ => null,
        };
    }
}
