using System.Buffers;
using System.Text.Json;
using Connectors.Abstractions;
using Connectors.Abstractions.Providers;

namespace Connectors.WeCom;

/// <summary>WeCom fields to <see cref="SocialUserInfo"/>, in one place.</summary>
internal static class WeComUserMapper
{
    private static readonly HashSet<string> Envelope = new(StringComparer.Ordinal) { "errcode", "errmsg" };

    // A user_ticket unlocks the member's private data for 30 minutes: a credential, not profile data.
    // Skipped from getuserinfo: the ticket and the envelope.
    private static readonly HashSet<string> Credentials = new(StringComparer.Ordinal) { "user_ticket", "errcode", "errmsg" };

    /// <summary>The member <paramref name="id"/> of corp <paramref name="corpId"/> (a userid is unique only in its corp).
    /// Email and mobile are what the corp's admin (or the member in the WeCom client) entered, never confirmed by a
    /// code: <see cref="SocialUserInfo.EmailVerified"/> and <see cref="SocialUserInfo.PhoneVerified"/> stay false.</summary>
    public static SocialUserInfo Map(string corpId, string id, JsonElement identity, JsonElement? member, JsonElement? detail)
    {
        string? Pick(string name) => detail?.GetStringOrNull(name) ?? member?.GetStringOrNull(name);

        return new SocialUserInfo(id)
        {
            Tenant = corpId,
            Name = Pick("name") ?? id,
            Email = Pick("email") ?? Pick("biz_mail"),
            Phone = ToE164(Pick("mobile")),
            AvatarUrl = Pick("avatar"),
            RawData = Merge(identity, member, detail),
        };
    }

    /// <summary>A WeCom mobile number in E.164: without a leading <c>+</c>, <c>+86</c> (WeCom's home country) is prefixed.</summary>
    public static string? ToE164(string? mobile) => PhoneNumbers.ToE164(mobile, "86");

    /// <summary>getuserinfo (without the user_ticket) merged with user/get and then getuserdetail (later sources
    /// win), without any source's errcode/errmsg: the profile, not WeCom's envelope. Written in one pass: a property is written from the last source that has
    /// it. The later sources' names are read once (a lookup per property through <c>TryGetProperty</c> measured
    /// slower than the whole HTTP layer).</summary>
    internal static JsonElement Merge(JsonElement identity, JsonElement? member, JsonElement? detail)
    {
        var memberNames = Names(member);
        var detailNames = Names(detail);
        var (buffer, writer) = Scratch ??= (new ArrayBufferWriter<byte>(2048), new Utf8JsonWriter(Stream.Null, ScratchOptions));
        buffer.ResetWrittenCount();
        writer.Reset(buffer);
        {
            writer.WriteStartObject();
            Write(writer, identity, Credentials, memberNames, detailNames);
            if (member is { } m)
            {
                Write(writer, m, Envelope, detailNames, []);
            }

            if (detail is { } d)
            {
                Write(writer, d, Envelope, [], []);
            }

            writer.WriteEndObject();
            writer.Flush();
        }

        var reader = new Utf8JsonReader(buffer.WrittenSpan);
        return JsonElement.ParseValue(ref reader); // copies: the scratch buffer is reused by the next merge on this thread
    }

    // The merged bytes are parsed straight back, so this buffer never leaves the process: no escaping beyond JSON's
    // own is needed, and one buffer per thread serves every merge (Merge is synchronous).
    private static readonly JsonWriterOptions ScratchOptions = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping, SkipValidation = true };

    [ThreadStatic]
    private static (ArrayBufferWriter<byte> Buffer, Utf8JsonWriter Writer)? Scratch;

    private static string[] Names(JsonElement? source)
    {
        if (source is not { } element)
        {
            return [];
        }

        var names = new List<string>(16);
        foreach (var property in element.EnumerateObject())
        {
            names.Add(property.Name);
        }

        return [.. names];
    }

    private static void Write(Utf8JsonWriter writer, JsonElement source, HashSet<string> skip, string[] laterA, string[] laterB)
    {
        foreach (var property in source.EnumerateObject())
        {
            var name = property.Name;
            if (skip.Contains(name) || Array.IndexOf(laterA, name) >= 0 || Array.IndexOf(laterB, name) >= 0)
            {
                continue;
            }

            // The value's bytes are copied as they are (already valid JSON): re-encoding strings is the costly part.
            writer.WritePropertyName(name);
#if NET9_0_OR_GREATER
            writer.WriteRawValue(System.Runtime.InteropServices.JsonMarshal.GetRawUtf8Value(property.Value), skipInputValidation: true);
#else
            writer.WriteRawValue(property.Value.GetRawText(), skipInputValidation: true);
#endif
        }
    }
}
