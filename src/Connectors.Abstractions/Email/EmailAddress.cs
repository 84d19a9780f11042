namespace Connectors.Abstractions;

/// <summary>
/// Strict email address checks for what is sent to a provider: exactly one <c>local@domain</c>, no display-name
/// tricks, no separators (<c>,</c> <c>;</c>), no whitespace or control characters (CR/LF header injection).
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

        foreach (var c in local)
        {
            if (!char.IsAsciiLetterOrDigit(c) && !LocalSpecials.Contains(c, StringComparison.Ordinal) && (c < 0x80 || char.IsControl(c) || char.IsWhiteSpace(c)))
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

            foreach (var c in label)
            {
                if (!char.IsAsciiLetterOrDigit(c) && c != '-' && (c < 0x80 || !char.IsLetterOrDigit(c)))
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
}
