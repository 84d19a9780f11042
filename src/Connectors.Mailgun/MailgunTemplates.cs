using System.Text.Json;
using System.Text.Json.Nodes;
using Connectors.Abstractions;
using HandlebarsDotNet;
using Microsoft.Extensions.Options;

namespace Connectors.Mailgun;

/// <summary>
/// Handlebars templates of a config's deliveries, compiled once and kept in a bounded cache keyed by the
/// deliveries' JSON content: a multi-tenant host that re-creates connectors from an unchanged stored config reuses
/// the compiled templates instead of compiling them for every connector (or, worse, every send).
/// </summary>
/// <remarks>Values inserted into <c>html</c> are HTML-escaped; <c>subject</c>, <c>text</c> and <c>replyTo</c> are not.</remarks>
public sealed class MailgunTemplates
{
    private static readonly IHandlebars Html = Handlebars.Create(new HandlebarsConfiguration());
    private static readonly IHandlebars Plain = Handlebars.Create(new HandlebarsConfiguration { NoEscape = true });

    private readonly int _capacity;
    private readonly Dictionary<string, LinkedListNode<(string Key, Lazy<IReadOnlyDictionary<string, CompiledDelivery>> Value)>> _entries = new(StringComparer.Ordinal);
    private readonly LinkedList<(string Key, Lazy<IReadOnlyDictionary<string, CompiledDelivery>> Value)> _recency = new();
    private readonly object _lock = new();
    private long _compilations;

    /// <summary>Creates the cache (a singleton registered by <c>AddMailgun</c>).</summary>
    public MailgunTemplates(IOptions<MailgunOptions> options)
    {
        ArgumentNullException.ThrowIfNull(options);
        _capacity = Math.Max(1, options.Value.TemplateCacheCapacity);
    }

    /// <summary>How many configs' deliveries have been compiled (a cache miss each).</summary>
    public long Compilations => Interlocked.Read(ref _compilations);

    /// <summary>The compiled deliveries of <paramref name="config"/>, compiled now on a cache miss. Concurrent misses
    /// for the same content wait for one compilation.</summary>
    /// <exception cref="TemplateCompileException">When a template does not compile; validation reports it first.</exception>
    internal IReadOnlyDictionary<string, CompiledDelivery> Get(MailgunConfig config)
    {
        var key = config.DeliveriesKey;
        Lazy<IReadOnlyDictionary<string, CompiledDelivery>> entry;
        lock (_lock)
        {
            if (_entries.TryGetValue(key, out var node))
            {
                _recency.Remove(node);
                _recency.AddFirst(node);
            }
            else
            {
                var deliveries = config.Deliveries;
                node = _recency.AddFirst((key, new Lazy<IReadOnlyDictionary<string, CompiledDelivery>>(() =>
                {
                    Interlocked.Increment(ref _compilations);
                    return deliveries.ToDictionary(d => d.Key, d => Compile(d.Value, $"deliveries.{d.Key}"), StringComparer.Ordinal);
                })));
                _entries[key] = node;
                if (_entries.Count > _capacity)
                {
                    _entries.Remove(_recency.Last!.Value.Key);
                    _recency.RemoveLast();
                }
            }

            entry = node.Value.Value;
        }

        return entry.Value;
    }

    /// <summary>Compiles every template of <paramref name="config"/>, reporting syntax errors with their paths.</summary>
    internal void Validate(MailgunConfig config, ConfigReader reader)
    {
        try
        {
            Get(config);
        }
        catch (TemplateCompileException exception)
        {
            reader.AddError(exception.Path, $"is not a valid Handlebars template ({exception.Reason})");
        }
    }

    private static CompiledDelivery Compile(MailgunDelivery delivery, string path) => new(
        Subject: CompilePart(Plain, delivery.Subject, $"{path}.subject"),
        Html: CompilePart(Html, delivery.Html, $"{path}.html"),
        Text: CompilePart(Plain, delivery.Text, $"{path}.text"),
        ReplyTo: CompilePart(Plain, delivery.ReplyTo, $"{path}.replyTo"),
        Template: delivery.Template,
        Variables: delivery.Variables,
        Locales: delivery.Locales.ToDictionary(l => l.Key, l => Compile(l.Value, $"{path}.locales.{l.Key}"), StringComparer.OrdinalIgnoreCase));

    private static HandlebarsTemplate<object, object>? CompilePart(IHandlebars handlebars, string? source, string path)
    {
        if (source is null)
        {
            return null;
        }

        try
        {
            return handlebars.Compile(source);
        }
        catch (HandlebarsException exception)
        {
            throw new TemplateCompileException(path, exception.Message.Split('\n')[0]);
        }
    }

    /// <summary>The template data: <c>code</c>, <c>link</c>, <c>locale</c>, <c>uiLocales</c> and every <c>Extra</c> value.</summary>
    internal static Dictionary<string, object?> Context(EmailPayload payload)
    {
        var context = new Dictionary<string, object?>(StringComparer.Ordinal);
        if (payload.Extra is { } extra)
        {
            foreach (var (key, value) in extra)
            {
                context[key] = ToObject(value);
            }
        }

        context["code"] = payload.Code;
        context["link"] = payload.Link;
        context["locale"] = payload.Locale;
        context["uiLocales"] = payload.UiLocales;
        return context;
    }

    /// <summary>The payload as JSON for <c>h:X-Mailgun-Variables</c>: <c>variables</c> first, payload values winning.</summary>
    internal static string Variables(JsonElement? variables, EmailPayload payload)
    {
        var merged = variables is { } v ? JsonObject.Create(v)!.DeepClone().AsObject() : new JsonObject();
        if (payload.Extra is { } extra)
        {
            foreach (var (key, value) in extra)
            {
                merged[key] = value?.DeepClone();
            }
        }

        void Set(string key, string? value)
        {
            if (value is not null)
            {
                merged[key] = value;
            }
        }

        Set("code", payload.Code);
        Set("link", payload.Link);
        Set("locale", payload.Locale);
        Set("uiLocales", payload.UiLocales);
        return merged.ToJsonString();
    }

    private static object? ToObject(JsonNode? node) => node switch
    {
        null => null,
        JsonObject obj => obj.ToDictionary(p => p.Key, p => ToObject(p.Value), StringComparer.Ordinal),
        JsonArray array => array.Select(ToObject).ToList(),
        JsonValue value => value.GetValueKind() switch
        {
            JsonValueKind.String => value.GetValue<string>(),
            JsonValueKind.True => true,
            JsonValueKind.False => false,
            JsonValueKind.Null => null,
            _ => value.ToJsonString(),
        },
        _ => node.ToJsonString(),
    };

    internal sealed class TemplateCompileException(string path, string reason) : Exception(reason)
    {
        public string Path { get; } = path;

        public string Reason { get; } = reason;
    }
}

/// <summary>A delivery with its templates compiled.</summary>
internal sealed record CompiledDelivery(
    HandlebarsTemplate<object, object>? Subject,
    HandlebarsTemplate<object, object>? Html,
    HandlebarsTemplate<object, object>? Text,
    HandlebarsTemplate<object, object>? ReplyTo,
    string? Template,
    JsonElement? Variables,
    IReadOnlyDictionary<string, CompiledDelivery> Locales)
{
    /// <summary>The variant for <paramref name="locale"/>: the exact tag, then the language alone, then this delivery.</summary>
    public CompiledDelivery ForLocale(string? locale)
    {
        if (string.IsNullOrEmpty(locale) || Locales.Count == 0)
        {
            return this;
        }

        if (Locales.TryGetValue(locale, out var exact))
        {
            return exact;
        }

        var dash = locale.IndexOfAny(['-', '_']);
        return dash > 0 && Locales.TryGetValue(locale[..dash], out var language) ? language : this;
    }
}
