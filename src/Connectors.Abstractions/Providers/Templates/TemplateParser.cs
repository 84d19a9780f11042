using System.Text;

namespace Connectors.Abstractions.Providers;

/// <summary>
/// Parses the template syntax of <see cref="MessageTemplate"/> in one left-to-right pass with an explicit stack of
/// open blocks (no recursion over the input, so nesting cannot exhaust the call stack), bounded by
/// <see cref="MessageTemplate.MaxSourceLength"/> and <see cref="MessageTemplate.MaxDepth"/>.
/// </summary>
internal static class TemplateParser
{
    private const string Supported = "only {{path}}, {{{path}}}, {{#if}}, {{#unless}}, {{#each}}, {{#with}} and {{else}} are supported";

    private sealed class OpenBlock(BlockKind kind, string name, TemplatePath path, int position, bool chained)
    {
        public BlockKind Kind { get; } = kind;

        public string Name { get; } = name;

        public TemplatePath Path { get; } = path;

        public int Position { get; } = position;

        /// <summary>Opened by <c>{{else if x}}</c>: closed together with the block it continues.</summary>
        public bool Chained { get; } = chained;

        public List<TemplateNode> Program { get; } = [];

        public List<TemplateNode>? Inverse { get; set; }

        public List<TemplateNode> Current => Inverse ?? Program;
    }

    public static TemplateNode[] Parse(string source)
    {
        if (source.Length > MessageTemplate.MaxSourceLength)
        {
            throw new TemplateSyntaxException($"the template is longer than {MessageTemplate.MaxSourceLength} characters", MessageTemplate.MaxSourceLength);
        }

        var root = new List<TemplateNode>();
        var stack = new Stack<OpenBlock>();
        var text = new StringBuilder();
        var stripLeading = false;
        var pos = 0;

        List<TemplateNode> Current() => stack.Count == 0 ? root : stack.Peek().Current;

        void FlushText()
        {
            if (text.Length > 0)
            {
                Current().Add(new TextNode(text.ToString()));
                text.Clear();
            }
        }

        while (pos < source.Length)
        {
            var open = source.IndexOf("{{", pos, StringComparison.Ordinal);
            if (open < 0)
            {
                AppendText(text, source.AsSpan(pos), ref stripLeading);
                break;
            }

            // \{{ is a literal "{{"; the text after it is plain text.
            if (open > 0 && source[open - 1] == '\\')
            {
                AppendText(text, source.AsSpan(pos, open - 1 - pos), ref stripLeading);
                text.Append("{{");
                pos = open + 2;
                continue;
            }

            AppendText(text, source.AsSpan(pos, open - pos), ref stripLeading);
            var tag = ReadTag(source, open);

            if (tag.StripBefore)
            {
                TrimEnd(text);
            }

            // A block tag, else or comment alone on its line takes its line with it, as in Handlebars.
            var end = tag.End;
            if (tag.Kind is TagKind.Open or TagKind.Close or TagKind.Else or TagKind.Comment && !tag.StripBefore && !tag.StripAfter
                && StandaloneLine(source, open, end, out var lineStart, out var lineEnd))
            {
                text.Length -= open - lineStart;
                end = lineEnd;
            }

            pos = end;
            stripLeading = tag.StripAfter;

            switch (tag.Kind)
            {
                case TagKind.Comment:
                    break;

                case TagKind.Value:
                    FlushText();
                    Current().Add(new ValueNode(tag.Path!, tag.Raw));
                    break;

                case TagKind.Open:
                    FlushText();
                    if (stack.Count >= MessageTemplate.MaxDepth)
                    {
                        throw new TemplateSyntaxException($"blocks are nested more than {MessageTemplate.MaxDepth} deep", open);
                    }

                    stack.Push(new OpenBlock(tag.Block, tag.Name!, tag.Path!, open, chained: false));
                    break;

                case TagKind.Else:
                    FlushText();
                    if (stack.Count == 0)
                    {
                        throw new TemplateSyntaxException("'{{else}}' is outside any block", open);
                    }

                    var block = stack.Peek();
                    if (block.Inverse is not null)
                    {
                        throw new TemplateSyntaxException($"'{{{{#{block.Name}}}}}' has two '{{{{else}}}}'", open);
                    }

                    block.Inverse = [];
                    if (tag.Path is not null)
                    {
                        if (stack.Count >= MessageTemplate.MaxDepth)
                        {
                            throw new TemplateSyntaxException($"blocks are nested more than {MessageTemplate.MaxDepth} deep", open);
                        }

                        stack.Push(new OpenBlock(BlockKind.If, "if", tag.Path, open, chained: true));
                    }

                    break;

                case TagKind.Close:
                    FlushText();
                    while (stack.Count > 0 && stack.Peek().Chained)
                    {
                        var chained = stack.Pop();
                        stack.Peek().Current.Add(Close(chained));
                    }

                    if (stack.Count == 0)
                    {
                        throw new TemplateSyntaxException($"'{{{{/{tag.Name}}}}}' closes no open block", open);
                    }

                    var closing = stack.Pop();
                    if (closing.Name != tag.Name)
                    {
                        throw new TemplateSyntaxException($"'{{{{#{closing.Name}}}}}' is closed by '{{{{/{tag.Name}}}}}'", open);
                    }

                    Current().Add(Close(closing));
                    break;
            }
        }

        FlushText();
        if (stack.Count > 0)
        {
            var unclosed = stack.Peek();
            while (stack.Count > 0 && stack.Peek().Chained)
            {
                stack.Pop();
            }

            unclosed = stack.Count > 0 ? stack.Peek() : unclosed;
            throw new TemplateSyntaxException($"'{{{{#{unclosed.Name}}}}}' is not closed", unclosed.Position);
        }

        return [.. root];
    }

    private static BlockNode Close(OpenBlock block) => new(block.Kind, block.Path, [.. block.Program], [.. block.Inverse ?? []]);

    private static void AppendText(StringBuilder text, ReadOnlySpan<char> span, ref bool stripLeading)
    {
        if (stripLeading)
        {
            span = span.TrimStart();
            stripLeading = span.IsEmpty;
        }

        text.Append(span);
    }

    private static void TrimEnd(StringBuilder text)
    {
        var length = text.Length;
        while (length > 0 && char.IsWhiteSpace(text[length - 1]))
        {
            length--;
        }

        text.Length = length;
    }

    /// <summary>Whether only spaces and tabs surround [<paramref name="start"/>, <paramref name="end"/>) up to the line
    /// ends; <paramref name="lineEnd"/> is then just past the line break (or the end of the source).</summary>
    private static bool StandaloneLine(string source, int start, int end, out int lineStart, out int lineEnd)
    {
        lineStart = start;
        while (lineStart > 0 && source[lineStart - 1] is ' ' or '\t')
        {
            lineStart--;
        }

        lineEnd = end;
        if (lineStart > 0 && source[lineStart - 1] != '\n')
        {
            return false;
        }

        while (lineEnd < source.Length && source[lineEnd] is ' ' or '\t')
        {
            lineEnd++;
        }

        if (lineEnd == source.Length)
        {
            return true;
        }

        if (source[lineEnd] == '\n')
        {
            lineEnd++;
            return true;
        }

        if (source[lineEnd] == '\r' && lineEnd + 1 < source.Length && source[lineEnd + 1] == '\n')
        {
            lineEnd += 2;
            return true;
        }

        return false;
    }

    private enum TagKind
    {
        Comment,
        Value,
        Open,
        Close,
        Else,
    }

    private readonly record struct Tag(TagKind Kind, int End, bool StripBefore, bool StripAfter, bool Raw, BlockKind Block, string? Name, TemplatePath? Path);

    /// <summary>Reads the tag that starts at <paramref name="open"/> (<c>{{</c>).</summary>
    private static Tag ReadTag(string source, int open)
    {
        var triple = string.CompareOrdinal(source, open, "{{{", 0, 3) == 0;
        var pos = open + (triple ? 3 : 2);
        var stripBefore = pos < source.Length && source[pos] == '~';
        if (stripBefore)
        {
            pos++;
        }

        // Comments may contain "}}" when written {{!-- --}}.
        if (!triple && pos < source.Length && source[pos] == '!')
        {
            var longForm = string.CompareOrdinal(source, pos, "!--", 0, 3) == 0;
            var close = longForm ? source.IndexOf("--", pos + 3, StringComparison.Ordinal) : source.IndexOf("}}", pos, StringComparison.Ordinal);
            while (longForm && close >= 0 && !ClosesAt(source, close + 2))
            {
                close = source.IndexOf("--", close + 1, StringComparison.Ordinal);
            }

            if (close < 0)
            {
                throw new TemplateSyntaxException("a comment is not closed", open);
            }

            var after = longForm ? close + 2 : close;
            var stripAfterComment = longForm ? source[after] == '~' : close > pos && source[close - 1] == '~';
            var endOfComment = source.IndexOf("}}", after, StringComparison.Ordinal) + 2;
            return new Tag(TagKind.Comment, endOfComment, stripBefore, stripAfterComment, false, default, null, null);
        }

        var closer = triple ? "}}}" : "}}";
        var end = source.IndexOf(closer, pos, StringComparison.Ordinal);
        if (end < 0)
        {
            throw new TemplateSyntaxException($"'{(triple ? "{{{" : "{{")}' is not closed by '{closer}'", open);
        }

        var stripAfter = end > pos && source[end - 1] == '~';
        var body = source.AsSpan(pos, end - pos - (stripAfter ? 1 : 0)).Trim();
        var tagEnd = end + closer.Length;
        if (body.IsEmpty)
        {
            throw new TemplateSyntaxException("an empty '{{}}'", open);
        }

        if (triple)
        {
            return new Tag(TagKind.Value, tagEnd, stripBefore, stripAfter, true, default, null, ReadPath(SingleArgument(body, open, "{{{ }}}"), open));
        }

        switch (body[0])
        {
            case '&':
                return new Tag(TagKind.Value, tagEnd, stripBefore, stripAfter, true, default, null, ReadPath(SingleArgument(body[1..].Trim(), open, "{{& }}"), open));

            case '#':
            {
                var words = Words(body[1..]);
                var name = words.Count > 0 ? words[0] : string.Empty;
                var kind = name switch
                {
                    "if" => BlockKind.If,
                    "unless" => BlockKind.Unless,
                    "each" => BlockKind.Each,
                    "with" => BlockKind.With,
                    _ => throw new TemplateSyntaxException($"the block '{{{{#{Shorten(name)}}}}}' is not supported; {Supported}", open),
                };
                if (words.Count != 2)
                {
                    throw new TemplateSyntaxException($"'{{{{#{name}}}}}' takes exactly one value (helpers, subexpressions and hash arguments are not supported)", open);
                }

                return new Tag(TagKind.Open, tagEnd, stripBefore, stripAfter, false, kind, name, ReadPath(words[1], open));
            }

            case '/':
            {
                var words = Words(body[1..]);
                if (words.Count != 1)
                {
                    throw new TemplateSyntaxException("a closing tag names only its block, e.g. '{{/if}}'", open);
                }

                return new Tag(TagKind.Close, tagEnd, stripBefore, stripAfter, false, default, words[0], null);
            }

            case '>':
                throw new TemplateSyntaxException($"partials ('{{{{>') are not supported; {Supported}", open);

            case '^':
                throw new TemplateSyntaxException($"inverse sections ('{{{{^') are not supported; use '{{{{else}}}}' or '{{{{#unless}}}}'", open);

            case '*':
                throw new TemplateSyntaxException($"decorators ('{{{{*') are not supported; {Supported}", open);
        }

        var parts = Words(body);
        if (parts[0] == "else")
        {
            if (parts.Count == 1)
            {
                return new Tag(TagKind.Else, tagEnd, stripBefore, stripAfter, false, default, null, null);
            }

            if (parts.Count == 3 && parts[1] == "if")
            {
                return new Tag(TagKind.Else, tagEnd, stripBefore, stripAfter, false, default, null, ReadPath(parts[2], open));
            }

            throw new TemplateSyntaxException("'{{else}}' takes nothing, or 'if' and one value", open);
        }

        return new Tag(TagKind.Value, tagEnd, stripBefore, stripAfter, false, default, null, ReadPath(SingleArgument(body, open, "{{ }}"), open));
    }

    private static bool ClosesAt(string source, int index) =>
        index + 1 < source.Length && source[index] == '}' && source[index + 1] == '}'
        || index + 2 < source.Length && source[index] == '~' && source[index + 1] == '}' && source[index + 2] == '}';

    private static string SingleArgument(ReadOnlySpan<char> body, int position, string form)
    {
        var words = Words(body);
        if (words.Count != 1)
        {
            throw new TemplateSyntaxException($"'{Shorten(words[0])}' is followed by arguments: helpers are not supported in {form}; {Supported}", position);
        }

        return words[0];
    }

    /// <summary>Splits on whitespace, keeping <c>[...]</c> segments whole.</summary>
    private static List<string> Words(ReadOnlySpan<char> body)
    {
        var words = new List<string>();
        var i = 0;
        while (i < body.Length)
        {
            while (i < body.Length && char.IsWhiteSpace(body[i]))
            {
                i++;
            }

            var start = i;
            while (i < body.Length && !char.IsWhiteSpace(body[i]))
            {
                if (body[i] == '[')
                {
                    var close = body[i..].IndexOf(']');
                    if (close < 0)
                    {
                        i = body.Length; // unclosed: the path reader reports it
                        break;
                    }

                    i += close;
                }

                i++;
            }

            if (i > start)
            {
                words.Add(body[start..i].ToString());
            }
        }

        if (words.Count == 0)
        {
            words.Add(string.Empty);
        }

        return words;
    }

    /// <summary>Reads <c>a.b.0</c>, <c>a/b</c>, <c>this</c>, <c>.</c>, <c>../a</c>, <c>@root.a</c>, <c>@index</c>, <c>[a b].c</c>.</summary>
    private static TemplatePath ReadPath(string text, int position)
    {
        if (text.Length == 0)
        {
            throw new TemplateSyntaxException("a value is missing", position);
        }

        if (text[0] is '(' or '"' or '\'' || text.Contains('='))
        {
            throw new TemplateSyntaxException($"'{Shorten(text)}' is not a value path: subexpressions, literals and hash arguments are not supported", position);
        }

        var rest = text.AsSpan();
        var up = 0;
        while (rest.StartsWith("../"))
        {
            up++;
            rest = rest[3..];
        }

        if (rest.StartsWith("@"))
        {
            if (up > 0)
            {
                throw new TemplateSyntaxException($"'{Shorten(text)}' mixes '../' and '@'", position);
            }

            var name = rest[1..];
            var dot = name.IndexOfAny('.', '/');
            var head = (dot < 0 ? name : name[..dot]).ToString();
            if (head == "root")
            {
                return new TemplatePath(0, true, null, dot < 0 ? [] : Segments(name[(dot + 1)..], text, position));
            }

            if (dot < 0 && head is "index" or "key" or "first" or "last")
            {
                return new TemplatePath(0, false, head, []);
            }

            throw new TemplateSyntaxException($"'{Shorten(text)}' is not a known variable (@index, @key, @first, @last, @root)", position);
        }

        if (rest.SequenceEqual(".") || rest.SequenceEqual("this"))
        {
            return new TemplatePath(up, false, null, []);
        }

        if (rest.StartsWith("this.") || rest.StartsWith("this/"))
        {
            rest = rest[5..];
        }
        else if (rest.StartsWith("./"))
        {
            rest = rest[2..];
        }

        return new TemplatePath(up, false, null, Segments(rest, text, position));
    }

    private static string[] Segments(ReadOnlySpan<char> path, string text, int position)
    {
        var segments = new List<string>();
        var i = 0;
        while (true)
        {
            string segment;
            if (i < path.Length && path[i] == '[')
            {
                var close = path[i..].IndexOf(']');
                if (close < 0)
                {
                    throw new TemplateSyntaxException($"'{Shorten(text)}' has an unclosed '['", position);
                }

                segment = path.Slice(i + 1, close - 1).ToString();
                i += close + 1;
            }
            else
            {
                var start = i;
                while (i < path.Length && path[i] is not ('.' or '/'))
                {
                    if (!IsIdentifierChar(path[i]))
                    {
                        throw new TemplateSyntaxException($"'{Shorten(text)}' is not a value path: helpers, subexpressions and literals are not supported", position);
                    }

                    i++;
                }

                segment = path[start..i].ToString();
            }

            if (segment.Length == 0)
            {
                throw new TemplateSyntaxException($"'{Shorten(text)}' has an empty segment", position);
            }

            segments.Add(segment);
            if (i == path.Length)
            {
                return [.. segments];
            }

            if (path[i] is not ('.' or '/') || i + 1 == path.Length)
            {
                throw new TemplateSyntaxException($"'{Shorten(text)}' is not a value path", position);
            }

            i++;
        }
    }

    // Handlebars' identifier: anything but whitespace and !"#%&'()*+,./;<=>@[\]^`{|}~
    private static bool IsIdentifierChar(char c) =>
        !char.IsWhiteSpace(c) && !char.IsControl(c) && "!\"#%&'()*+,./;<=>@[\\]^`{|}~".IndexOf(c) < 0;

    // Template text is configuration, not a secret, but keep error messages short.
    private static string Shorten(string text) => text.Length <= 40 ? text : text[..40] + "…";
}
