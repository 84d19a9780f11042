using System.Globalization;
using System.Text.Json;

namespace Connectors.Abstractions;

/// <summary>Reading provider JSON without reflection (AOT-safe).</summary>
public static class JsonElementExtensions
{
    /// <summary>The string property <paramref name="name"/>; null when absent, not a string, or empty.</summary>
    public static string? GetStringOrNull(this JsonElement element, string name) =>
        element.ValueKind == JsonValueKind.Object
        && element.TryGetProperty(name, out var value)
        && value.ValueKind == JsonValueKind.String
        && value.GetString() is { Length: > 0 } text
            ? text
            : null;

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
            JsonValueKind.String when long.TryParse(value.GetString(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var parsed) => parsed,
            _ => null,
        };
    }
}
