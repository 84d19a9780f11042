using System.Buffers;
using System.Text.Json;
using Connectors.Abstractions;

namespace Connectors.WeCom;

/// <summary>WeCom fields to <see cref="SocialUserInfo"/>, in one place.</summary>
internal static class WeComUserMapper
{
    private static readonly HashSet<string> Envelope = new(StringComparer.Ordinal) { "errcode", "errmsg" };

    // A user_ticket unlocks the member's private data for 30 minutes: a credential, not profile data.
    private static readonly HashSet<string> Credentials = new(StringComparer.Ordinal) { "user_ticket" };

    public static SocialUserInfo Map(string id, JsonElement identity, JsonElement? member, JsonElement? detail)
    {
        string? Pick(string name) => detail?.GetStringOrNull(name) ?? member?.GetStringOrNull(name);

        return new SocialUserInfo(id)
        {
            Name = Pick("name") ?? id,
            Email = Pick("email") ?? Pick("biz_mail"),
            Phone = ToE164(Pick("mobile")),
            AvatarUrl = Pick("avatar"),
            RawData = Merge(identity, member, detail),
        };
    }

    /// <summary>
    /// A WeCom mobile number in E.164: a leading <c>+</c> is kept, otherwise <c>+86</c> (WeCom's home country) is
    /// prefixed; spaces and hyphens are dropped; anything else but digits, or a length outside 8 to 15 digits, gives null.
    /// </summary>
    public static string? ToE164(string? mobile)
    {
        if (string.IsNullOrWhiteSpace(mobile))
        {
            return null;
        }

        var text = mobile.Trim();
        var international = text.StartsWith('+');
        Span<char> digits = stackalloc char[20];
        var count = 0;
        foreach (var c in international ? text.AsSpan(1) : text.AsSpan())
        {
            if (c is ' ' or '-')
            {
                continue;
            }

            if (!char.IsAsciiDigit(c) || count == digits.Length)
            {
                return null;
            }

            digits[count++] = c;
        }

        var number = international ? new string(digits[..count]) : "86" + new string(digits[..count]);
        return number.Length is >= 8 and <= 15 && number[0] != '0' ? "+" + number : null;
    }

    /// <summary>getuserinfo (without the user_ticket) merged with user/get and then getuserdetail (later sources
    /// win, without their errcode/errmsg). Written in one pass: a property is written from the last source that has it.</summary>
    private static JsonElement Merge(JsonElement identity, JsonElement? member, JsonElement? detail)
    {
        var buffer = new ArrayBufferWriter<byte>(1024);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            Write(writer, identity, Credentials, member, detail, includeEnvelope: true);
            if (member is { } m)
            {
                Write(writer, m, Envelope, detail, null, includeEnvelope: false);
            }

            if (detail is { } d)
            {
                Write(writer, d, Envelope, null, null, includeEnvelope: false);
            }

            writer.WriteEndObject();
        }

        var reader = new Utf8JsonReader(buffer.WrittenSpan);
        return JsonElement.ParseValue(ref reader);
    }

    private static void Write(Utf8JsonWriter writer, JsonElement source, HashSet<string> skip, JsonElement? laterA, JsonElement? laterB, bool includeEnvelope)
    {
        foreach (var property in source.EnumerateObject())
        {
            if (skip.Contains(property.Name)
                || (!(includeEnvelope && Envelope.Contains(property.Name))
                    && (Has(laterA, property.Name) || Has(laterB, property.Name))))
            {
                continue;
            }

            property.WriteTo(writer);
        }

        static bool Has(JsonElement? later, string name) => later is { } element && element.TryGetProperty(name, out _);
    }
}
