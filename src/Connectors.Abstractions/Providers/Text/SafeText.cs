using System.Globalization;
using System.Text;

namespace Connectors.Abstractions.Providers;

/// <summary>
/// The one way text from outside (a provider's error text, a callback parameter, a rendered header value) is made
/// safe to put into an exception message, a log line or a mail header: control characters cannot break a line or
/// forge a log entry, bidirectional overrides cannot disguise text, known secret values are redacted, and length is
/// bounded.
/// </summary>
public static class SafeText
{
    /// <summary>What a redacted secret value is replaced with.</summary>
    public const string Redacted = "***";

    /// <summary>
    /// Provider- or browser-supplied text for a message or a log: every secret in <paramref name="secrets"/> replaced by
    /// <see cref="Redacted"/>, flattened to one line (<see cref="SingleLine"/>), trimmed and cut to
    /// <paramref name="maxLength"/> characters (an ellipsis marks the cut). Null or blank gives null.
    /// </summary>
    public static string? FromProvider(string? text, int maxLength = 200, IReadOnlyList<string>? secrets = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxLength, 1);
        if (string.IsNullOrWhiteSpace(text))
        {
            return null;
        }

        // Cut generously first: a provider can send a megabyte, and redaction and flattening are linear.
        var bounded = text.Length > maxLength * 4 + 256 ? text[..(maxLength * 4 + 256)] : text;
        var flat = SingleLine(Redact(bounded, secrets)).Trim();
        return flat.Length <= maxLength ? flat : string.Concat(flat.AsSpan(0, maxLength), "…");
    }

    /// <summary>Replaces every occurrence of each non-empty value of <paramref name="secrets"/> with <see cref="Redacted"/>.</summary>
    public static string Redact(string text, IReadOnlyList<string>? secrets)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (secrets is null)
        {
            return text;
        }

        foreach (var secret in secrets)
        {
            // Very short values (a 1-character code) would redact ordinary text; verification codes are 4+ characters.
            if (secret is { Length: >= 4 } && text.Contains(secret, StringComparison.Ordinal))
            {
                text = text.Replace(secret, Redacted, StringComparison.Ordinal);
            }
        }

        return text;
    }

    /// <summary>
    /// One line for a header or a log: control characters (CR, LF, NUL, tab, vertical tab...) and the line and
    /// paragraph separators become spaces (CR LF one space); bidirectional embedding, override and isolate characters
    /// are removed.
    /// </summary>
    public static string SingleLine(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (text.AsSpan().IndexOfAnyExceptInRange(' ', '~') < 0)
        {
            return text; // printable ASCII only, the usual subject or header
        }

        var clean = true;
        foreach (var c in text)
        {
            if (Replacement(c) != c)
            {
                clean = false;
                break;
            }
        }

        if (clean)
        {
            return text;
        }

        var builder = new StringBuilder(text.Length);
        for (var i = 0; i < text.Length; i++)
        {
            var r = Replacement(text[i]);
            if (r != '\0')
            {
                builder.Append(r);
            }

            if (text[i] == '\r' && i + 1 < text.Length && text[i + 1] == '\n')
            {
                i++; // CR LF is one line break: one space
            }
        }

        return builder.ToString();
    }

    /// <summary>Whether <paramref name="c"/> is a bidirectional control character (U+202A-U+202E, U+2066-U+2069, U+200E, U+200F, U+061C).</summary>
    public static bool IsBidiControl(char c) => c is (>= '\u202A' and <= '\u202E') or (>= '\u2066' and <= '\u2069') or '\u200E' or '\u200F' or '\u061C';

    // The character to write instead of c: itself, a space, or '\0' for "drop it".
    private static char Replacement(char c) =>
        char.IsControl(c) || c is '\u2028' or '\u2029' || CharUnicodeInfo.GetUnicodeCategory(c) == UnicodeCategory.LineSeparator ? ' '
        : IsBidiControl(c) ? '\0'
        : c;
}
