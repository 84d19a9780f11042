using System.Buffers;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Connectors.Abstractions.Providers;

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
    public static JsonElement Create(EmailPayload payload, JsonElement? defaults = null) =>
        TryCreate(payload, defaults, out var data, out var problem) ? data : throw new ArgumentException(problem, nameof(payload));

    /// <summary>As <see cref="Create"/>, with a problem instead of an exception: for a connector, which reports it as
    /// <see cref="ConnectorErrorCode.InvalidRequestParameters"/> (<see cref="EmailComposer"/>).</summary>
    /// <param name="payload">The payload.</param>
    /// <param name="defaults">Values the payload's override.</param>
    /// <param name="data">The data, when it could be written.</param>
    /// <param name="problem">Why it could not, naming the key and never the value (it may be the code).</param>
    public static bool TryCreate(EmailPayload payload, JsonElement? defaults, out JsonElement data, [System.Diagnostics.CodeAnalysis.NotNullWhen(false)] out string? problem)
    {
        ArgumentNullException.ThrowIfNull(payload);
        var (buffer, writer) = Scratch ??= (new ArrayBufferWriter<byte>(512), new Utf8JsonWriter(Stream.Null, new JsonWriterOptions { MaxDepth = MaxDepth }));
        buffer.ResetWrittenCount();
        writer.Reset(buffer);
        var current = string.Empty;
        try
        {
            writer.WriteStartObject();
            if (defaults is not { ValueKind: JsonValueKind.Object } && payload.Extra is not { Count: > 0 })
            {
                // The common case, a code and a locale: no merging.
                WriteField(writer, "code", payload.Code, ref current);
                WriteField(writer, "link", payload.Link, ref current);
                WriteField(writer, "locale", payload.Locale, ref current);
                WriteField(writer, "uiLocales", payload.UiLocales, ref current);
            }
            else
            {
                WriteMerged(writer, payload, defaults, ref current);
            }

            writer.WriteEndObject();
            writer.Flush();
        }
        catch (Exception exception) when (exception is InvalidOperationException or NotSupportedException or JsonException or ArgumentException)
        {
            Scratch = null; // the writer may be mid-value
            // Never the value itself: it may be the code.
            (data, problem) = (default, $"The payload value '{SafeText.FromProvider(current, 60)}' cannot be written as JSON (an unsupported .NET type or invalid Unicode); give it as a JSON string, number, boolean, object or array.");
            return false;
        }

        // As deep as the writer allows (its default, 1,000): whatever was written can be read back.
        // A copy (the scratch buffer is reused by the next call on this thread), read in place in one pass.
        (data, problem) = (JsonDocument.Parse(buffer.WrittenSpan.ToArray(), new JsonDocumentOptions { MaxDepth = MaxDepth }).RootElement, null);
        return true;
    }

    private const int MaxDepth = 1000;

    // One writer and buffer per thread: Create is synchronous and the result is a copy.
    [ThreadStatic]
    private static (ArrayBufferWriter<byte> Buffer, Utf8JsonWriter Writer)? Scratch;

    private static void WriteField(Utf8JsonWriter writer, string name, string? value, ref string current)
    {
        if (value is not null)
        {
            current = name;
            writer.WriteString(name, value);
        }
    }

    /// <summary>As JavaScript's <c>{...defaults, ...extra, ...fields}</c> (Logto): a later value replaces an earlier one
    /// in the earlier one's position; new names follow in order.</summary>
    private static void WriteMerged(Utf8JsonWriter writer, EmailPayload payload, JsonElement? defaults, ref string current)
    {
        var extra = payload.Extra;
        var values = defaults is { ValueKind: JsonValueKind.Object } d ? d : (JsonElement?)null;
        if (values is { } defaultValues)
        {
            foreach (var property in defaultValues.EnumerateObject())
            {
                var name = property.Name;
                if (Field(payload, name) is { } field)
                {
                    current = name;
                    writer.WriteString(name, field);
                }
                else if (extra is not null && extra.TryGetPropertyValue(name, out var value))
                {
                    WriteNode(writer, name, value, ref current);
                }
                else
                {
                    property.WriteTo(writer);
                }
            }
        }

        if (extra is not null)
        {
            foreach (var (key, value) in extra)
            {
                if (values?.TryGetProperty(key, out _) == true)
                {
                    continue;
                }

                if (Field(payload, key) is { } field)
                {
                    current = key;
                    writer.WriteString(key, field);
                }
                else
                {
                    WriteNode(writer, key, value, ref current);
                }
            }
        }

        foreach (var name in FieldNames)
        {
            if (Field(payload, name) is { } field && values?.TryGetProperty(name, out _) != true && extra?.ContainsKey(name) != true)
            {
                current = name;
                writer.WriteString(name, field);
            }
        }
    }

    private static readonly string[] FieldNames = ["code", "link", "locale", "uiLocales"];

    /// <summary>Whether the data of <paramref name="payload"/> is its four strings alone and each reads back from JSON
    /// unchanged (no <see cref="EmailPayload.Extra"/>, no surrogate): looked up by <see cref="Field"/> it renders as
    /// <see cref="Create"/>'s object does.</summary>
    internal static bool IsPlain(EmailPayload payload) =>
        payload.Extra is not { Count: > 0 } && NoSurrogate(payload.Code) && NoSurrogate(payload.Link) && NoSurrogate(payload.Locale) && NoSurrogate(payload.UiLocales);

    // A lone surrogate reads back from JSON as U+FFFD; any surrogate is rare enough here to take the JSON path.
    private static bool NoSurrogate(string? value) => value is null || value.AsSpan().IndexOfAnyInRange('\uD800', '\uDFFF') < 0;

    /// <summary>The payload's own value of <paramref name="name"/>: <c>code</c>, <c>link</c>, <c>locale</c>, <c>uiLocales</c>.</summary>
    internal static string? Field(EmailPayload payload, string name) => name switch
    {
        "code" => payload.Code,
        "link" => payload.Link,
        "locale" => payload.Locale,
        "uiLocales" => payload.UiLocales,
        _ => null,
    };

    private static void WriteNode(Utf8JsonWriter writer, string name, JsonNode? value, ref string current)
    {
        current = name;
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
