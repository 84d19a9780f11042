using System.Text.Json;

namespace Connectors.Abstractions.Providers;

/// <summary>
/// Reads a connector's JSON config field by field and collects every problem with its path, so that validation
/// reports all of them at once. Messages never include field values. It remembers the path of every field asked for,
/// so that <see cref="ReportUnknownFields"/> can name the fields no read asked for (a typo such as <c>corpid</c> or
/// <c>scop</c>), and it refuses values that are placeholders (<c>&lt;client-id&gt;</c>).
/// </summary>
public sealed class ConfigReader
{
    private readonly List<ConfigError> _errors = [];
    private readonly HashSet<string> _asked = new(StringComparer.Ordinal);

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

    /// <summary>Marks fields of <see cref="Root"/> as known and not used, e.g. the settings of Logto's config that this
    /// library does not need: <see cref="ReportUnknownFields"/> does not report them.</summary>
    public void Ignore(params string[] names)
    {
        ArgumentNullException.ThrowIfNull(names);
        _asked.UnionWith(names);
    }

    /// <summary>Reports, as errors, the fields of the config no read asked for, with their paths and the known field
    /// they are likely a misspelling of (<c>corpid: is not a field of this config (did you mean 'corpId'?)</c>). An
    /// object read as a whole (no field of it asked for, e.g. a template's <c>variables</c>) is not looked into; a
    /// path that already has an error is not reported again. Call it once, after the whole config is read.</summary>
    public void ReportUnknownFields()
    {
        if (Root.ValueKind == JsonValueKind.Object)
        {
            ReportUnknown(Root, null);
        }
    }

    /// <summary>The raw value of the field <paramref name="name"/> of <paramref name="parent"/>, for a field of a kind
    /// the other reads do not cover (a number or a string, a string or an array); false when it is absent or null. The
    /// field counts as known at <paramref name="path"/>.</summary>
    public bool TryGetField(JsonElement parent, string name, string path, out JsonElement value) =>
        TryGet(parent, name, path, out value) && value.ValueKind != JsonValueKind.Null;

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
        if (!TryGet(parent, name, path, out var value) || value.ValueKind == JsonValueKind.Null)
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
        if (!TryGet(Root, name, name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            AddError(name, "is required");
            return null;
        }

        return OptionalObject(Root, name, name);
    }

    /// <summary>Reads a required JSON array at <paramref name="name"/> of <see cref="Root"/>.</summary>
    public JsonElement? RequiredArray(string name)
    {
        if (!TryGet(Root, name, name, out var value) || value.ValueKind == JsonValueKind.Null)
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
        if (!TryGet(parent, name, path, out var value) || value.ValueKind == JsonValueKind.Null)
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
        if (!TryGet(parent, name, path, out var value) || value.ValueKind == JsonValueKind.Null)
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

            _asked.Add(PathOf(path, name));
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
        if (!TryGet(parent, name, path, out var value) || value.ValueKind == JsonValueKind.Null)
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

        if (IsPlaceholder(text))
        {
            present = PresentAs.WrongType;
            AddError(path, "is a placeholder such as <client-id>; put the real value here");
            return null;
        }

        present = PresentAs.Value;
        return text;
    }

    private bool TryGet(JsonElement parent, string name, string path, out JsonElement value)
    {
        _asked.Add(path);
        if (parent.ValueKind == JsonValueKind.Object && parent.TryGetProperty(name, out value))
        {
            return true;
        }

        value = default;
        return false;
    }

    // "<client-id>", "<your app secret>": angle brackets around a name only (no '@', '/', '=' or quote, so neither an
    // address such as <a@example.com> nor HTML is one).
    private static bool IsPlaceholder(string text)
    {
        var value = text.AsSpan().Trim();
        if (value.Length < 3 || value[0] != '<' || value[^1] != '>')
        {
            return false;
        }

        foreach (var c in value[1..^1])
        {
            if (!char.IsAsciiLetterOrDigit(c) && c is not ('-' or '_' or ' ' or '.'))
            {
                return false;
            }
        }

        return true;
    }

    private void ReportUnknown(JsonElement obj, string? path)
    {
        foreach (var property in obj.EnumerateObject())
        {
            string name;
            try
            {
                name = property.Name;
            }
            catch (InvalidOperationException)
            {
                continue; // reported where the object's properties are read
            }

            var field = path is null ? SafeText.FromProvider(name, 64) ?? "(blank)" : PathOf(path, name);
            if (!_asked.Contains(field))
            {
                if (!_errors.Exists(e => e.Path == field))
                {
                    AddError(field, Suggestion(path, name) is { } known
                        ? $"is not a field of this config (did you mean '{known}'?)"
                        : "is not a field of this config");
                }

                continue;
            }

            ReportUnknownIn(property.Value, field);
        }
    }

    private void ReportUnknownIn(JsonElement value, string path)
    {
        if (value.ValueKind == JsonValueKind.Object && AskedUnder(path + "."))
        {
            ReportUnknown(value, path);
        }
        else if (value.ValueKind == JsonValueKind.Array && AskedUnder(path + "["))
        {
            var index = 0;
            foreach (var item in value.EnumerateArray())
            {
                ReportUnknownIn(item, $"{path}[{index++}]");
            }
        }
    }

    private bool AskedUnder(string prefix)
    {
        foreach (var asked in _asked)
        {
            if (asked.StartsWith(prefix, StringComparison.Ordinal))
            {
                return true;
            }
        }

        return false;
    }

    // The known field (one asked for under the same parent) that the unknown name most likely misspells: the same but
    // for case, or at most two edits away (one for short names).
    private string? Suggestion(string? path, string name)
    {
        var prefix = path is null ? string.Empty : path + ".";
        string? best = null;
        var bestDistance = int.MaxValue;
        foreach (var asked in _asked)
        {
            if (!asked.StartsWith(prefix, StringComparison.Ordinal) || asked.AsSpan(prefix.Length).IndexOfAny('.', '[') >= 0)
            {
                continue;
            }

            var known = asked[prefix.Length..];
            var distance = string.Equals(known, name, StringComparison.OrdinalIgnoreCase) ? 0 : Distance(known, name);
            if (distance < bestDistance && distance <= (name.Length < 5 ? 1 : 2))
            {
                (best, bestDistance) = (known, distance);
            }
        }

        return best;
    }

    // Levenshtein distance, case-insensitive; names are short (the longest field name is about 40 characters).
    private static int Distance(string a, string b)
    {
        if (Math.Abs(a.Length - b.Length) > 2 || a.Length > 64 || b.Length > 64)
        {
            return int.MaxValue;
        }

        Span<int> previous = stackalloc int[b.Length + 1];
        Span<int> current = stackalloc int[b.Length + 1];
        for (var j = 0; j <= b.Length; j++)
        {
            previous[j] = j;
        }

        for (var i = 1; i <= a.Length; i++)
        {
            current[0] = i;
            for (var j = 1; j <= b.Length; j++)
            {
                var same = char.ToLowerInvariant(a[i - 1]) == char.ToLowerInvariant(b[j - 1]);
                current[j] = Math.Min(Math.Min(current[j - 1], previous[j]) + 1, previous[j - 1] + (same ? 0 : 1));
            }

            current.CopyTo(previous);
        }

        return previous[b.Length];
    }
}
