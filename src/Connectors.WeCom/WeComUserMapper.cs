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
    /// win, without their errcode/errmsg).</summary>
    private static JsonElement Merge(JsonElement identity, JsonElement? member, JsonElement? detail)
    {
        var merged = new Dictionary<string, JsonElement>(StringComparer.Ordinal);
        var order = new List<string>();
        void Add(JsonElement source, HashSet<string> skip)
        {
            foreach (var property in source.EnumerateObject())
            {
                if (skip.Contains(property.Name))
                {
                    continue;
                }

                if (!merged.ContainsKey(property.Name))
                {
                    order.Add(property.Name);
                }

                merged[property.Name] = property.Value;
            }
        }

        Add(identity, Credentials);
        if (member is { } m)
        {
            Add(m, Envelope);
        }

        if (detail is { } d)
        {
            Add(d, Envelope);
        }

        var buffer = new ArrayBufferWriter<byte>(1024);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            foreach (var name in order)
            {
                writer.WritePropertyName(name);
                merged[name].WriteTo(writer);
            }

            writer.WriteEndObject();
        }

        var reader = new Utf8JsonReader(buffer.WrittenSpan);
        return JsonElement.ParseValue(ref reader);
    }
}
