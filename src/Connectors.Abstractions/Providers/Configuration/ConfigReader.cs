using System.Text.Json;

namespace Connectors.Abstractions.Providers;

/// <summary>
/// Reads a connector's JSON config field by field and collects every problem with its path, so that validation
/// reports all of them at once. Messages never include field values.
/// </summary>
public sealed class ConfigReader
{
    private readonly List<ConfigError> _errors = [];

    /// <summary>Starts reading <paramref name="config"/>; a non-object config is itself an error.</summary>
    public ConfigReader(JsonElement config)
    {
        Root = config;
        if (config.ValueKind != JsonValueKind.Object)
        {
            AddError("$", "the config must be a JSON object");
        }
    }

    /// <summary>The config being read.</summary>
    public JsonElement Root { get; }

    /// <summary>Every problem found so far.</summary>
    public IReadOnlyList<ConfigError> Errors => _errors;

    /// <summary>Whether no problem was found.</summary>
    public bool IsValid => _errors.Count == 0;

    /// <summary>Records a problem.</summary>
    public void AddError(string path, string message) => _errors.Add(new ConfigError(path, message));

    /// <summary>Reads a required, non-blank string at <paramref name="name"/> of <see cref="Root"/>.</summary>
    public string? RequiredString(string name) => RequiredString(Root, name, name);

    /// <summary>Reads an optional string; null when absent, null or blank.</summary>
    public string? OptionalString(string name) => OptionalString(Root, name, name);

    /// <summary>Reads a required, non-blank string of <paramref name="parent"/>, reporting it at <paramref name="path"/>.</summary>
    public string? RequiredString(JsonElement parent, string name, string path)
    {
        var value = OptionalString(parent, name, path, out var present);
        if (value is null && present is not PresentAs.WrongType)
        {
            AddError(path, present is PresentAs.Absent ? "is required" : "must not be empty");
        }

        return value;
    }

    /// <summary>Reads an optional string of <paramref name="parent"/>; null when absent, null or blank.</summary>
    public string? OptionalString(JsonElement parent, string name, string path) => OptionalString(parent, name, path, out _);

    /// <summary>Reads an optional JSON object; null when absent or null, an error when it is another kind.</summary>
    public JsonElement? OptionalObject(JsonElement parent, string name, string path)
    {
        if (!TryGet(parent, name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        if (value.ValueKind != JsonValueKind.Object)
        {
            AddError(path, "must be a JSON object");
            return null;
        }

        return value;
    }

    /// <summary>Reads a required JSON object.</summary>
    public JsonElement? RequiredObject(string name)
    {
        if (!TryGet(Root, name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            AddError(name, "is required");
            return null;
        }

        return OptionalObject(Root, name, name);
    }

    /// <summary>Reads a required JSON array at <paramref name="name"/> of <see cref="Root"/>.</summary>
    public JsonElement? RequiredArray(string name)
    {
        if (!TryGet(Root, name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            AddError(name, "is required");
            return null;
        }

        if (value.ValueKind != JsonValueKind.Array)
        {
            AddError(name, "must be a JSON array");
            return null;
        }

        return value;
    }

    /// <summary>Reads an optional boolean of <paramref name="parent"/>: JSON <c>true</c>/<c>false</c>, or the strings
    /// <c>true</c>/<c>false</c> in any case (configuration sections hold every value as a string);
    /// <paramref name="fallback"/> when absent or null.</summary>
    public bool OptionalBoolean(JsonElement parent, string name, string path, bool fallback)
    {
        if (!TryGet(parent, name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return fallback;
        }

        if (value.ValueKind is JsonValueKind.True or JsonValueKind.False)
        {
            return value.GetBoolean();
        }

        switch (value.GetTextOrNull()?.Trim().ToLowerInvariant())
        {
            case "true":
                return true;
            case "false":
                return false;
            default:
                AddError(path, "must be true or false");
                return fallback;
        }
    }

    /// <summary>Reads an optional whole number of <paramref name="parent"/> within
    /// [<paramref name="minimum"/>, <paramref name="maximum"/>]: a JSON number or a string of digits; null when absent or null.</summary>
    public int? OptionalInteger(JsonElement parent, string name, string path, int minimum, int maximum)
    {
        if (!TryGet(parent, name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        var number = value.ValueKind switch
        {
            JsonValueKind.Number when value.TryGetInt64(out var n) => n,
            JsonValueKind.String when long.TryParse(value.GetTextOrNull()?.Trim(), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var n) => n,
            _ => (long?)null,
        };
        if (number is null || number < minimum || number > maximum)
        {
            AddError(path, $"must be a whole number from {minimum} to {maximum}");
            return null;
        }

        return (int)number;
    }

    /// <summary>
    /// The properties of the object <paramref name="parent"/>. A name that is not text (an escaped lone surrogate) is
    /// reported at <paramref name="path"/> and skipped.
    /// </summary>
    public IReadOnlyList<(string Name, JsonElement Value)> Properties(JsonElement parent, string path)
    {
        var properties = new List<(string, JsonElement)>();
        if (parent.ValueKind != JsonValueKind.Object)
        {
            return properties;
        }

        foreach (var property in parent.EnumerateObject())
        {
            string name;
            try
            {
                name = property.Name;
            }
            catch (InvalidOperationException)
            {
                AddError(path, "has a property name with invalid Unicode (an unpaired surrogate escape)");
                continue;
            }

            properties.Add((name, property.Value));
        }

        return properties;
    }

    /// <summary>The path of <paramref name="name"/> under <paramref name="path"/>, e.g. <c>deliveries.SignIn</c>; a
    /// long or multi-line name is shortened so that messages stay readable.</summary>
    public static string PathOf(string path, string name) => $"{path}.{SafeText.FromProvider(name, 64) ?? "(blank)"}";

    private enum PresentAs
    {
        Absent,
        Blank,
        WrongType,
        Value,
    }

    private string? OptionalString(JsonElement parent, string name, string path, out PresentAs present)
    {
        if (!TryGet(parent, name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            present = PresentAs.Absent;
            return null;
        }

        if (value.ValueKind != JsonValueKind.String)
        {
            present = PresentAs.WrongType;
            AddError(path, "must be a string");
            return null;
        }

        string? text;
        try
        {
            text = value.GetString();
        }
        catch (InvalidOperationException)
        {
            // An escaped lone surrogate ("\ud800") is valid JSON but not text.
            present = PresentAs.WrongType;
            AddError(path, "contains invalid Unicode (an unpaired surrogate escape)");
            return null;
        }

        if (string.IsNullOrWhiteSpace(text))
        {
            present = PresentAs.Blank;
            return null;
        }

        present = PresentAs.Value;
        return text;
    }

    private static bool TryGet(JsonElement parent, string name, out JsonElement value)
    {
        if (parent.ValueKind == JsonValueKind.Object && parent.TryGetProperty(name, out value))
        {
            return true;
        }

        value = default;
        return false;
    }
}
