using System.Text;
using System.Text.Json;

namespace Connectors.Abstractions.Providers;

/// <summary>How a template's values are escaped when inserted.</summary>
public enum TemplateEscaping
{
    /// <summary>Values are inserted as they are (subjects, plain text, header values).</summary>
    None,

    /// <summary><c>{{value}}</c> is HTML-escaped as Handlebars escapes it (<c>&amp; &lt; &gt; " ' ` =</c>);
    /// <c>{{{value}}}</c> and <c>{{&amp; value}}</c> are inserted as they are.</summary>
    Html,
}

/// <summary>
/// A parsed message template: Logto's <c>{{ path.to.value }}</c> placeholders and the Handlebars blocks
/// <c>#if</c>, <c>#unless</c>, <c>#each</c>, <c>#with</c> (with <c>{{else}}</c> and <c>{{else if x}}</c>), comments,
/// <c>{{{raw}}}</c>, <c>~</c> whitespace control and <c>\{{</c> escapes. Parsed once into a tree and interpreted: no
/// code is generated at run time (AOT-safe), size and nesting are bounded, and anything else (helpers, partials,
/// subexpressions, hash arguments) is refused when the template is parsed, so a template that parses renders.
/// </summary>
/// <remarks>
/// <para>Data is a <see cref="JsonElement"/>. A path walks object properties and, for a numeric segment, array
/// elements; <c>this</c>, <c>../</c>, <c>@root</c>, and inside <c>#each</c> <c>@index</c>, <c>@key</c>,
/// <c>@first</c>, <c>@last</c> work as in Handlebars. A value that is absent or null renders empty; a string renders as
/// it is, a number as written in JSON, a boolean as <c>true</c>/<c>false</c>, an object or array renders empty.</para>
/// <para>Falsy for <c>#if</c>/<c>#unless</c>/<c>#with</c>: absent, null, false, <c>""</c>, <c>0</c> and <c>[]</c>.
/// A block tag, <c>{{else}}</c> or comment alone on its line removes that line, as in Handlebars.</para>
/// <para>Instances are immutable and thread-safe.</para>
/// </remarks>
public sealed class MessageTemplate
{
    /// <summary>The longest template source accepted: 256 Ki characters.</summary>
    public const int MaxSourceLength = 256 * 1024;

    /// <summary>The deepest block nesting accepted: 16.</summary>
    public const int MaxDepth = 16;

    /// <summary>The longest rendered text: 1 Mi characters (a loop over a large payload value cannot grow without end).</summary>
    public const int MaxOutputLength = 1024 * 1024;

    /// <summary>The most work one render may do: 1,000,000 steps, each a node rendered or a loop iteration begun. Nested
    /// loops over the data (<c>{{#each @root}}</c> inside itself) multiply; the budget ends every render in bounded time
    /// whatever the data, where the output cap alone would not (such loops may write nothing).</summary>
    public const int MaxRenderSteps = 1_000_000;

    private readonly TemplateNode[] _nodes;

    // Text and top-level names only ({{code}}, {{ link }}, {{{raw}}}): rendered by concatenation, without data as JSON.
    private readonly bool _flat;

    private MessageTemplate(string source, TemplateNode[] nodes)
    {
        Source = source;
        _nodes = nodes;
        _flat = nodes.All(node => node is TextNode or ValueNode { Path: { Variable: null, Up: 0, Segments.Length: 1 } });
    }

    /// <summary>The template text as given.</summary>
    public string Source { get; }

    /// <summary>Parses <paramref name="source"/>.</summary>
    /// <exception cref="TemplateSyntaxException">When the template is not valid or not supported; its message says
    /// what and where (never quoting values).</exception>
    public static MessageTemplate Parse(string source)
    {
        ArgumentNullException.ThrowIfNull(source);
        return new MessageTemplate(source, TemplateParser.Parse(source));
    }

    /// <summary>Renders the template with <paramref name="data"/> (usually an object).</summary>
    /// <exception cref="TemplateRenderException">When the output would exceed <see cref="MaxOutputLength"/>, or the
    /// render <see cref="MaxRenderSteps"/>.</exception>
    public string Render(JsonElement data, TemplateEscaping escaping)
    {
        var renderer = new TemplateRenderer(data, escaping, Source.Length + 32);
        renderer.Render(_nodes);
        return renderer.Output;
    }

    /// <summary>
    /// Renders a template of text and top-level names only from named string values, as <see cref="Render"/> renders
    /// an object of those strings (a name for which <paramref name="lookup"/> gives null renders empty); false, with
    /// nothing done, for a template with blocks or deeper paths. The common verification email, without JSON data.
    /// </summary>
    /// <exception cref="TemplateRenderException">When the output would exceed <see cref="MaxOutputLength"/>.</exception>
    internal bool TryRenderFlat<TState>(TState state, Func<TState, string, string?> lookup, TemplateEscaping escaping, out string text)
    {
        if (!_flat)
        {
            text = string.Empty;
            return false;
        }

        var output = new System.Runtime.CompilerServices.DefaultInterpolatedStringHandler(Source.Length, _nodes.Length);
        var length = 0;
        foreach (var node in _nodes)
        {
            string part;
            if (node is ValueNode value)
            {
                part = lookup(state, value.Path.Segments[0]) ?? string.Empty;
                part = escaping == TemplateEscaping.Html && !value.Raw ? TemplateRenderer.EscapeHtml(part) : part;
            }
            else
            {
                part = ((TextNode)node).Text;
            }

            length += part.Length;
            if (length > MaxOutputLength)
            {
                output.ToStringAndClear();
                throw TemplateRenderer.TooLong();
            }

            output.AppendLiteral(part);
        }

        text = output.ToStringAndClear();
        return true;
    }

    /// <inheritdoc/>
    public override string ToString() => Source;
}

/// <summary>A template that cannot be parsed, or uses syntax this library does not render.</summary>
public sealed class TemplateSyntaxException : FormatException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="reason">What is wrong, e.g. <c>'{{#if}}' is not closed</c>.</param>
    /// <param name="position">The zero-based character offset where the problem is.</param>
    public TemplateSyntaxException(string reason, int position)
        : base($"{reason} (at character {position})")
    {
        Reason = reason;
        Position = position;
    }

    /// <summary>What is wrong.</summary>
    public string Reason { get; }

    /// <summary>The zero-based character offset where the problem is.</summary>
    public int Position { get; }
}

/// <summary>A template whose output would exceed <see cref="MessageTemplate.MaxOutputLength"/>, or whose rendering would
/// take more than <see cref="MessageTemplate.MaxRenderSteps"/>.</summary>
public sealed class TemplateRenderException(string message) : InvalidOperationException(message);

internal abstract record TemplateNode;

internal sealed record TextNode(string Text) : TemplateNode;

internal sealed record ValueNode(TemplatePath Path, bool Raw) : TemplateNode;

internal enum BlockKind
{
    If,
    Unless,
    Each,
    With,
}

internal sealed record BlockNode(BlockKind Kind, TemplatePath Path, TemplateNode[] Program, TemplateNode[] Inverse) : TemplateNode;

/// <summary>A path: <paramref name="Up"/> contexts up (<c>../</c>), from the root (<c>@root</c>) or an
/// iteration variable (<c>@index</c>...), then property names or array indexes.</summary>
internal sealed record TemplatePath(int Up, bool FromRoot, string? Variable, string[] Segments);

internal sealed class TemplateRenderer(JsonElement root, TemplateEscaping escaping, int capacity)
{
    private readonly StringBuilder _output = new(Math.Min(capacity, MessageTemplate.MaxOutputLength));
    private readonly Frame _root = new(root, null, null, false, false);
    private List<Frame>? _pushed; // scopes opened by #each and #with, innermost last; most templates open none
    private int _steps;

    public string Output => _output.ToString();

    private readonly record struct Frame(JsonElement? Context, int? Index, string? Key, bool First, bool Last);

    public void Render(TemplateNode[] nodes)
    {
        foreach (var node in nodes)
        {
            Step();
            switch (node)
            {
                case TextNode text:
                    Append(text.Text);
                    break;
                case ValueNode value:
                    var textValue = TextOf(Resolve(value.Path));
                    Append(escaping == TemplateEscaping.Html && !value.Raw ? EscapeHtml(textValue) : textValue);
                    break;
                case BlockNode block:
                    RenderBlock(block);
                    break;
            }
        }
    }

    private void RenderBlock(BlockNode block)
    {
        var value = Resolve(block.Path);
        switch (block.Kind)
        {
            case BlockKind.If:
                Render(IsTruthy(value) ? block.Program : block.Inverse);
                break;
            case BlockKind.Unless:
                Render(IsTruthy(value) ? block.Inverse : block.Program);
                break;
            case BlockKind.With:
                if (IsTruthy(value))
                {
                    Push(new Frame(value, null, null, false, false), block.Program);
                }
                else
                {
                    Render(block.Inverse);
                }

                break;
            case BlockKind.Each:
                var any = false;
                if (value is { ValueKind: JsonValueKind.Array } array)
                {
                    var count = array.GetArrayLength();
                    var index = 0;
                    foreach (var item in array.EnumerateArray())
                    {
                        any = true;
                        Push(new Frame(item, index, null, index == 0, index == count - 1), block.Program);
                        index++;
                    }
                }
                else if (value is { ValueKind: JsonValueKind.Object } obj)
                {
                    var properties = obj.EnumerateObject().ToArray();
                    for (var index = 0; index < properties.Length; index++)
                    {
                        any = true;
                        Push(new Frame(properties[index].Value, index, properties[index].Name, index == 0, index == properties.Length - 1), block.Program);
                    }
                }

                if (!any)
                {
                    Render(block.Inverse);
                }

                break;
        }
    }

    private void Push(Frame frame, TemplateNode[] program)
    {
        Step();
        (_pushed ??= []).Add(frame);
        Render(program);
        _pushed.RemoveAt(_pushed.Count - 1);
    }

    private int Depth => 1 + (_pushed?.Count ?? 0);

    private Frame FrameAt(int index) => index == 0 ? _root : _pushed![index - 1];

    private JsonElement? Resolve(TemplatePath path)
    {
        JsonElement? current;
        if (path.Variable is { } variable)
        {
            var frame = FrameAt(Depth - 1);
            return variable switch
            {
                "index" when frame.Index is { } i => Number(i),
                "key" when frame.Key is { } k => String(k),
                "first" when frame.Index is not null => Bool(frame.First),
                "last" when frame.Index is not null => Bool(frame.Last),
                _ => null,
            };
        }

        if (path.FromRoot)
        {
            current = _root.Context;
        }
        else
        {
            var at = Depth - 1 - path.Up;
            current = at >= 0 ? FrameAt(at).Context : null;
        }

        foreach (var segment in path.Segments)
        {
            if (current is not { } element)
            {
                return null;
            }

            if (element.ValueKind == JsonValueKind.Object)
            {
                current = element.TryGetProperty(segment, out var child) ? child : null;
            }
            else if (element.ValueKind == JsonValueKind.Array && int.TryParse(segment, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var index))
            {
                current = index < element.GetArrayLength() ? element[index] : null;
            }
            else
            {
                return null;
            }
        }

        return current;
    }

    private static JsonElement Number(int value) => JsonDocument.Parse(value.ToString(System.Globalization.CultureInfo.InvariantCulture)).RootElement;

    private static JsonElement String(string value) => JsonSerializer.SerializeToElement(value, TemplateJsonContext.Default.String);

    private static JsonElement Bool(bool value) => JsonDocument.Parse(value ? "true" : "false").RootElement;

    /// <summary>Handlebars' truthiness: absent, null, false, "", 0 and [] are false.</summary>
    internal static bool IsTruthy(JsonElement? value) => value is { } e && e.ValueKind switch
    {
        JsonValueKind.Undefined or JsonValueKind.Null or JsonValueKind.False => false,
        JsonValueKind.String => !e.ValueEquals(string.Empty),
        JsonValueKind.Number => e.GetDouble() != 0,
        JsonValueKind.Array => e.GetArrayLength() > 0,
        _ => true,
    };

    private static string TextOf(JsonElement? value)
    {
        if (value is not { } e)
        {
            return string.Empty;
        }

        switch (e.ValueKind)
        {
            case JsonValueKind.String:
                try
                {
                    return e.GetString()!;
                }
                catch (InvalidOperationException)
                {
                    return "\uFFFD"; // a lone surrogate: not text
                }

            case JsonValueKind.Number:
                return e.GetRawText();
            case JsonValueKind.True:
                return "true";
            case JsonValueKind.False:
                return "false";
            default:
                return string.Empty;
        }
    }

    private void Step()
    {
        if (++_steps > MessageTemplate.MaxRenderSteps)
        {
            throw new TemplateRenderException($"Rendering would take more than {MessageTemplate.MaxRenderSteps} steps (nested loops over the data multiply); simplify the template.");
        }
    }

    private void Append(string text)
    {
        if (_output.Length + text.Length > MessageTemplate.MaxOutputLength)
        {
            throw TooLong();
        }

        _output.Append(text);
    }

    internal static TemplateRenderException TooLong() => new($"The rendered text would be longer than {MessageTemplate.MaxOutputLength} characters.");

    /// <summary>Escapes as Handlebars does.</summary>
    internal static string EscapeHtml(string text)
    {
        if (text.AsSpan().IndexOfAny("&<>\"'`=") < 0)
        {
            return text;
        }

        var builder = new StringBuilder(text.Length + 16);
        foreach (var c in text)
        {
            switch (c)
            {
                case '&': builder.Append("&amp;"); break;
                case '<': builder.Append("&lt;"); break;
                case '>': builder.Append("&gt;"); break;
                case '"': builder.Append("&quot;"); break;
                case '\'': builder.Append("&#x27;"); break;
                case '`': builder.Append("&#x60;"); break;
                case '=': builder.Append("&#x3D;"); break;
                default: builder.Append(c); break;
            }
        }

        return builder.ToString();
    }
}

[System.Text.Json.Serialization.JsonSerializable(typeof(string))]
internal sealed partial class TemplateJsonContext : System.Text.Json.Serialization.JsonSerializerContext;
