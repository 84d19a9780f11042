namespace Connectors.Abstractions.Providers;

/// <summary>Phone numbers from providers, in E.164 (<c>+8613800000000</c>) or not at all.</summary>
public static class PhoneNumbers
{
    /// <summary>
    /// <paramref name="number"/> in E.164: spaces, hyphens, dots and parentheses are dropped; a leading <c>+</c> keeps
    /// the number international, otherwise <paramref name="defaultCountryCode"/> (digits, e.g. <c>86</c>) is prefixed,
    /// or, without one, the number is not used. Anything else but digits, a leading 0 after the country code's place,
    /// or a length outside 8 to 15 digits gives null.
    /// </summary>
    public static string? ToE164(string? number, string? defaultCountryCode = null)
    {
        if (string.IsNullOrWhiteSpace(number))
        {
            return null;
        }

        var text = number.Trim();
        var international = text.StartsWith('+');
        if (!international && defaultCountryCode is null)
        {
            return null;
        }

        Span<char> digits = stackalloc char[20];
        var count = 0;
        foreach (var c in international ? text.AsSpan(1) : text.AsSpan())
        {
            if (c is ' ' or '-' or '.' or '(' or ')')
            {
                continue;
            }

            if (!char.IsAsciiDigit(c) || count == digits.Length)
            {
                return null;
            }

            digits[count++] = c;
        }

        var all = international ? new string(digits[..count]) : defaultCountryCode + new string(digits[..count]);
        return all.Length is >= 8 and <= 15 && all[0] != '0' && all.All(char.IsAsciiDigit) ? "+" + all : null;
    }
}
