using System.Buffers;
using System.Text.Json;

namespace Connectors.Abstractions;

/// <summary>The data an email is rendered with: one JSON object made from an <see cref="EmailPayload"/>.</summary>
public static class EmailTemplateData
{
    /// <summary>
    /// The payload as one JSON object: first <paramref name="defaults"/> (e.g. a stored template's configured
    /// variables), then every <see cref="EmailPayload.Extra"/> value, then <c>code</c>, <c>link</c>, <c>locale</c>
    /// and <c>uiLocales</c> when set; later values win over earlier ones of the same name. Values keep their JSON
    /// types; .NET values in <see cref="EmailPayload.Extra"/> such as <see cref="DateTime"/>, <see cref="DateTimeOffset"/>,
    /// <see cref="Guid"/> or <see cref="char"/> are written as JSON writes them (ISO 8601 dates, strings).
    /// </summary>
    /// <exception cref="ArgumentException">When an <see cref="EmailPayload.Extra"/> value cannot be written as JSON
    /// (a <c>JsonValue</c> wrapping a type System.Text.Json has no contract for); the message names the key.</exception>
    public static JsonElement Create(EmailPayload payload, JsonElement? defaults = null)
    {
        ArgumentNullException.ThrowIfNull(payload);
        var fields = new (string Name, string? Value)[]
        {
            ("code", payload.Code), ("link", payload.Link), ("locale", payload.Locale), ("uiLocales", payload.UiLocales),
        };
        bool IsField(string name) => Array.Exists(fields, f => f.Value is not null && f.Name == name);

        var buffer = new ArrayBufferWriter<byte>(256);
        var current = string.Empty;
        try
        {
            using var writer = new Utf8JsonWriter(buffer);
            writer.WriteStartObject();
            // As JavaScript's {...defaults, ...extra, ...fields} (Logto): a later value replaces an earlier one in the
            // earlier one's position; new names follow in order.
            var written = new HashSet<string>(StringComparer.Ordinal);
            void WriteLatest(string name)
            {
                current = name;
                if (Array.Find(fields, f => f.Value is not null && f.Name == name) is { Value: { } field })
                {
                    writer.WriteString(name, field);
                }
                else
                {
                    var value = payload.Extra![name];
                    writer.WritePropertyName(name);
                    if (value is null)
                    {
                        writer.WriteNullValue();
                    }
                    else
                    {
                        value.WriteTo(writer);
                    }
                }
            }

            if (defaults is { ValueKind: JsonValueKind.Object } values)
            {
                foreach (var property in values.EnumerateObject())
                {
                    if (!written.Add(property.Name))
                    {
                        continue;
                    }

                    if (IsField(property.Name) || payload.Extra?.ContainsKey(property.Name) == true)
                    {
                        WriteLatest(property.Name);
                    }
                    else
                    {
                        property.WriteTo(writer);
                    }
                }
            }

            if (payload.Extra is { } extra)
            {
                foreach (var (key, _) in extra)
                {
                    if (written.Add(key))
                    {
                        WriteLatest(key);
                    }
                }
            }

            foreach (var (name, value) in fields)
            {
                if (value is not null && written.Add(name))
                {
                    WriteLatest(name);
                }
            }

            writer.WriteEndObject();
        }
        catch (Exception exception) when (exception is InvalidOperationException or NotSupportedException or JsonException or ArgumentException)
        {
            // Never the value itself: it may be the code.
            throw new ArgumentException($"The payload value '{SafeText.FromProvider(current, 60)}' cannot be written as JSON (an unsupported .NET type or invalid Unicode); give it as a JSON string, number, boolean, object or array.", nameof(payload));
        }

        var reader = new Utf8JsonReader(buffer.WrittenSpan);
        return JsonElement.ParseValue(ref reader);
    }
}
