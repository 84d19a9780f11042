namespace Connectors.Abstractions.Providers;

/// <summary>
/// Strict email address checks for what is sent to a provider: exactly one <c>local@domain</c>, no display-name
/// tricks, no separators (<c>,</c> <c>;</c>), no whitespace or control characters (CR/LF header injection), and
/// outside ASCII only letters, digits and marks: no invisible format or bidirectional characters (U+200B, U+202E,
/// U+FEFF) and no look-alikes of <c>@</c> or <c>,</c> (U+FF20, U+FF0C). International domain names are allowed.
/// </summary>
public static class EmailAddress
{
    private const string LocalSpecials = "!#$%&'*+/=?^_`{|}~.-";

    /// <summary>Whether <paramref name="address"/> is one bare address such as <c>ada@example.com</c>.</summary>
    public static bool IsValid(string? address)
    {
        if (string.IsNullOrEmpty(address) || address.Length > 254)
        {
            return false;
        }

        var at = address.LastIndexOf('@');
        if (at <= 0 || at > 64 || at == address.Length - 1 || address.IndexOf('@') != at)
        {
            return false;
        }

        var local = address.AsSpan(0, at);
        if (local[0] == '.' || local[^1] == '.' || local.Contains("..", StringComparison.Ordinal))
        {
            return false;
        }

        foreach (var rune in local.EnumerateRunes())
        {
            if (rune.IsAscii ? !char.IsAsciiLetterOrDigit((char)rune.Value) && !LocalSpecials.Contains((char)rune.Value, StringComparison.Ordinal) : !IsInternationalLetter(rune))
            {
                return false;
            }
        }

        return IsValidDomain(address.AsSpan(at + 1), requireDot: true);
    }

    /// <summary>Whether <paramref name="domain"/> is a host name such as <c>mg.example.com</c> (letters, digits, hyphens, dots; no scheme, port or path).</summary>
    public static bool IsValidDomain(ReadOnlySpan<char> domain, bool requireDot = true)
    {
        if (domain.IsEmpty || domain.Length > 253 || (requireDot && !domain.Contains('.')))
        {
            return false;
        }

        // span.Split(char) is .NET 9+; walk the labels by hand for .NET 8.
        while (true)
        {
            var dot = domain.IndexOf('.');
            var label = dot < 0 ? domain : domain[..dot];
            domain = dot < 0 ? [] : domain[(dot + 1)..];
            if (label.IsEmpty || label.Length > 63 || label[0] == '-' || label[^1] == '-')
            {
                return false;
            }

            foreach (var rune in label.EnumerateRunes())
            {
                if (rune.IsAscii ? !char.IsAsciiLetterOrDigit((char)rune.Value) && rune.Value != '-' : !IsInternationalLetter(rune))
                {
                    return false;
                }
            }

            if (dot < 0)
            {
                return true;
            }
        }
    }

    // Letters, digits and combining marks of any script; never format characters (Cf), punctuation or symbols, which
    // is where invisible and look-alike characters live. A lone surrogate reads as U+FFFD, a symbol.
    private static bool IsInternationalLetter(System.Text.Rune rune) => System.Text.Rune.GetUnicodeCategory(rune) switch
    {
        System.Globalization.UnicodeCategory.UppercaseLetter or System.Globalization.UnicodeCategory.LowercaseLetter
            or System.Globalization.UnicodeCategory.TitlecaseLetter or System.Globalization.UnicodeCategory.ModifierLetter
            or System.Globalization.UnicodeCategory.OtherLetter or System.Globalization.UnicodeCategory.NonSpacingMark
            or System.Globalization.UnicodeCategory.SpacingCombiningMark or System.Globalization.UnicodeCategory.DecimalDigitNumber => true,
        _ => false,
    };

    /// <summary>
    /// Reads a sender such as <c>Sender Name &lt;noreply@example.com&gt;</c> or a bare address. The display name may be
    /// quoted; it must not contain <c>&lt;</c>, <c>&gt;</c> or control characters.
    /// </summary>
    public static bool IsValidMailbox(string? mailbox)
    {
        if (string.IsNullOrWhiteSpace(mailbox))
        {
            return false;
        }

        var text = mailbox.Trim();
        if (!text.EndsWith('>'))
        {
            return IsValid(text);
        }

        var open = text.LastIndexOf('<');
        if (open < 0)
        {
            return false;
        }

        var name = text.AsSpan(0, open).Trim();
        foreach (var c in name)
        {
            if (char.IsControl(c) || c is '<' or '>')
            {
                return false;
            }
        }

        return IsValid(text[(open + 1)..^1]);
    }

    /// <summary>Reads the sender or reply-to field <paramref name="name"/> of a config's root: <c>Name &lt;addr@domain&gt;</c>
    /// or a bare address (<see cref="IsValidMailbox"/>), or, with <paramref name="bareOnly"/>, a bare address only;
    /// trimmed, reported at <paramref name="name"/>. Null when absent (reported when <paramref name="required"/>) or invalid.</summary>
    public static string? ReadMailbox(ConfigReader reader, string name, bool required, bool bareOnly = false)
    {
        ArgumentNullException.ThrowIfNull(reader);
        var value = (required ? reader.RequiredString(name) : reader.OptionalString(name))?.Trim();
        if (value is null || (bareOnly ? IsValid(value) : IsValidMailbox(value)))
        {
            return value;
        }

        reader.AddError(name, bareOnly ? "must be one bare address such as noreply@example.com" : "must be 'Sender Name <sender@example.com>' or a bare address");
        return null;
    }
}
