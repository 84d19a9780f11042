using System.Collections;
using System.Diagnostics.CodeAnalysis;
using System.Text.Json;

namespace Connectors.Abstractions.Providers;

/// <summary>How one usage type is mailed: rendered <c>html</c> (+ <c>text</c>) or a provider-side stored template
/// (+ <c>variables</c>), with an optional <c>subject</c> and <c>replyTo</c>, and optional per-locale variants. The
/// templates are parsed once, with the config.</summary>
/// <param name="Subject">The subject template.</param>
/// <param name="Html">The HTML body template (rendered mode).</param>
/// <param name="Text">The plain-text body template (rendered mode).</param>
/// <param name="TemplateId">The provider's stored template (stored mode).</param>
/// <param name="Variables">Variables for the stored template; payload values win.</param>
/// <param name="ReplyTo">The Reply-To template.</param>
/// <param name="Locales">Variants by language tag (<c>zh-CN</c>, <c>en</c>), each a whole delivery.</param>
public sealed record EmailDelivery(
    MessageTemplate? Subject,
    MessageTemplate? Html,
    MessageTemplate? Text,
    string? TemplateId,
    JsonElement? Variables,
    MessageTemplate? ReplyTo,
    IReadOnlyDictionary<string, EmailDelivery> Locales)
{
    /// <summary>The variant for <paramref name="locale"/> (else the first of <paramref name="uiLocales"/>): the exact tag,
    /// then the language alone, then this delivery (<see cref="LocaleVariants"/>).</summary>
    public EmailDelivery ForLocale(string? locale, string? uiLocales = null) => LocaleVariants.Pick(Locales, locale, uiLocales) ?? this;
}

/// <summary>An email provider's words: its deliveries' config field names and what its refusals mean, what an email
/// connector declares to get <see cref="EmailDeliveries"/> and <see cref="EmailComposer"/>.</summary>
/// <param name="Provider">The provider's name in messages, e.g. <c>Mailgun</c>.</param>
public sealed record EmailDeliveryFields(string Provider)
{
    /// <summary>The config field holding the deliveries by usage type; default <c>deliveries</c>.</summary>
    public string Deliveries { get; init; } = "deliveries";

    /// <summary>The delivery field naming a stored template; default <c>template</c>.</summary>
    public string TemplateId { get; init; } = "template";

    /// <summary>What a stored template is called in messages; default <c>a stored template</c>.</summary>
    public string StoredTemplate { get; init; } = "a stored template";

    /// <summary>The config field holding Logto's template list (<see cref="EmailDeliveries.ReadTemplates"/>); default <c>templates</c>.</summary>
    public string Templates { get; init; } = "templates";

    /// <summary>The template list's content-type field: <c>contentType</c> (Logto's SMTP, the default) or <c>type</c> (Logto's SendGrid).</summary>
    public string ContentType { get; init; } = "contentType";

    /// <summary>Whether the template list may name stored templates (<see cref="TemplateId"/> with <c>variables</c>); default false.</summary>
    public bool TemplatesMayBeStored { get; init; }

    /// <summary>What to check when the provider refuses the credentials (401, 403), for <see cref="EmailComposer.ReadFailure"/>; default <c>check the API key</c>.</summary>
    public string CredentialsHint { get; init; } = "check the API key";

    /// <summary>What to check on a 404, which is then <see cref="ConnectorErrorCode.InvalidConfig"/>; null (default) leaves it <see cref="ConnectorErrorCode.General"/>.</summary>
    public string? NotFoundHint { get; init; }

    /// <summary>The provider's header holding, as a Unix time, when a rate-limited account may send again (besides <c>Retry-After</c>).</summary>
    public string? RetryAfterHeader { get; init; }
}

/// <summary>
/// The deliveries of an email connector's config, by usage type (any string key, Logto's template types among them),
/// read and checked with paths, within <see cref="MaxDeliveries"/> and <see cref="MaxTemplateCharacters"/>.
/// <see cref="Find"/> falls back to <c>Generic</c>.
/// </summary>
public sealed class EmailDeliveries : IReadOnlyDictionary<string, EmailDelivery>
{
    /// <summary>The usage type whose delivery serves types without one of their own.</summary>
    public const string Generic = "Generic";

    /// <summary>The most deliveries one config may hold, locale variants included: 1,000.</summary>
    public const int MaxDeliveries = 1000;

    /// <summary>The most template text one config may hold, all deliveries together: 1 Mi characters. With
    /// <see cref="MaxDeliveries"/> this bounds the cost of validating a tenant's config.</summary>
    public const int MaxTemplateCharacters = 1024 * 1024;

    private readonly Dictionary<string, EmailDelivery> _deliveries;

    private EmailDeliveries(Dictionary<string, EmailDelivery> deliveries, string field) => (_deliveries, Field) = (deliveries, field);

    /// <summary>The config field they were read from (<c>deliveries</c>, <c>templates</c>), for messages.</summary>
    public string Field { get; }

    /// <summary>The delivery for <paramref name="type"/>, else the <c>Generic</c> one; null when there is neither.</summary>
    public EmailDelivery? Find(UsageType type) =>
        _deliveries.TryGetValue(type.Value, out var delivery) || _deliveries.TryGetValue(Generic, out delivery) ? delivery : null;

    /// <summary>Reads the required object <see cref="EmailDeliveryFields.Deliveries"/>: each usage type is
    /// <c>html</c> (optionally with <c>text</c>) or a stored template (optionally with <c>variables</c>), with an
    /// optional <c>subject</c>, <c>replyTo</c> and <c>locales</c> (one level). Problems go to <paramref name="reader"/>
    /// with their paths; null then.</summary>
    public static EmailDeliveries? Read(ConfigReader reader, EmailDeliveryFields fields)
    {
        ArgumentNullException.ThrowIfNull(reader);
        ArgumentNullException.ThrowIfNull(fields);
        var deliveries = new Dictionary<string, EmailDelivery>(StringComparer.Ordinal);
        if (reader.RequiredObject(fields.Deliveries) is not { } map)
        {
            return null;
        }

        var errors = reader.Errors.Count;
        var budget = new Budget(reader, fields.Deliveries);
        foreach (var (name, value) in reader.Properties(map, fields.Deliveries))
        {
            CheckCase(reader, name, ConfigReader.PathOf(fields.Deliveries, name));
            if (ReadDelivery(reader, fields, value, ConfigReader.PathOf(fields.Deliveries, name), allowLocales: true, budget) is { } delivery)
            {
                deliveries[name] = delivery;
            }

            if (budget.Exceeded)
            {
                break; // reported once; reading on would only cost time
            }
        }

        return reader.Errors.Count > errors ? null : new EmailDeliveries(deliveries, fields.Deliveries);
    }

    /// <summary>
    /// Reads Logto's template list, the required array <see cref="EmailDeliveryFields.Templates"/> (Logto's SendGrid and
    /// SMTP connectors): each entry has a <c>usageType</c>, a <c>subject</c>, a <c>content</c> and its content type
    /// (<see cref="EmailDeliveryFields.ContentType"/>: <c>text/html</c> or <c>text/plain</c>), or, where the provider has
    /// them, a stored template (<see cref="EmailDeliveryFields.TemplateId"/>, optionally with <c>variables</c>); optionally
    /// a <c>replyTo</c> and a <c>locale</c>. Entries of one usage type with a <c>locale</c> are its variants, the one
    /// without is sent for every other language. A usage type and locale listed twice is an error (Logto would silently
    /// use the first). Problems go to <paramref name="reader"/> with their paths; null then.
    /// </summary>
    public static EmailDeliveries? ReadTemplates(ConfigReader reader, EmailDeliveryFields fields)
    {
        ArgumentNullException.ThrowIfNull(reader);
        ArgumentNullException.ThrowIfNull(fields);
        if (reader.RequiredArray(fields.Templates) is not { } list)
        {
            return null;
        }

        var errors = reader.Errors.Count;
        var budget = new Budget(reader, fields.Templates);
        var entries = new List<(string Type, string? Locale, EmailDelivery Delivery, string Path)>();
        var index = -1;
        foreach (var element in list.EnumerateArray())
        {
            var path = $"{fields.Templates}[{++index}]";
            if (element.ValueKind != JsonValueKind.Object)
            {
                reader.AddError(path, "must be a JSON object");
                continue;
            }

            if (!budget.TakeDelivery())
            {
                break;
            }

            var before = reader.Errors.Count;
            var type = reader.RequiredString(element, "usageType", $"{path}.usageType")?.Trim();
            if (type is not null)
            {
                CheckCase(reader, type, $"{path}.usageType");
            }

            var locale = reader.OptionalString(element, "locale", $"{path}.locale")?.Trim();
            var stored = fields.TemplatesMayBeStored ? reader.OptionalString(element, fields.TemplateId, $"{path}.{fields.TemplateId}")?.Trim() : null;
            var variables = fields.TemplatesMayBeStored ? reader.OptionalObject(element, "variables", $"{path}.variables") : null;
            string? content = null, contentType = null;
            if (stored is null)
            {
                content = reader.RequiredString(element, "content", $"{path}.content");
                contentType = reader.RequiredString(element, fields.ContentType, $"{path}.{fields.ContentType}")?.Trim().ToLowerInvariant();
                if (contentType is not (null or "text/html" or "text/plain"))
                {
                    reader.AddError($"{path}.{fields.ContentType}", "must be text/html or text/plain");
                }

                if (variables is not null)
                {
                    reader.AddError($"{path}.variables", $"go with {fields.StoredTemplate} ({fields.TemplateId}), not with content");
                }
            }
            else if (element.TryGetProperty("content", out _))
            {
                reader.AddError($"{path}.content", $"goes without {fields.TemplateId}: give one of them");
            }

            var subject = stored is null ? reader.RequiredString(element, "subject", $"{path}.subject") : reader.OptionalString(element, "subject", $"{path}.subject");
            var replyTo = reader.OptionalString(element, "replyTo", $"{path}.replyTo");
            var subjectTemplate = budget.Parse(subject, $"{path}.subject");
            var body = budget.Parse(content, $"{path}.content");
            var replyToTemplate = budget.Parse(replyTo, $"{path}.replyTo");
            if (reader.Errors.Count > before || type is null)
            {
                continue;
            }

            var html = contentType == "text/html";
            entries.Add((type, locale, new EmailDelivery(subjectTemplate, html ? body : null, html ? null : body, stored, variables?.Clone(), replyToTemplate, Empty), path));
        }

        var deliveries = new Dictionary<string, EmailDelivery>(StringComparer.Ordinal);
        foreach (var group in entries.GroupBy(e => e.Type, StringComparer.Ordinal))
        {
            var seen = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
            foreach (var entry in group)
            {
                if (!seen.TryAdd(entry.Locale ?? string.Empty, entry.Path))
                {
                    reader.AddError(entry.Path, $"repeats usage type '{SafeText.FromProvider(entry.Type, 64)}'{(entry.Locale is null ? string.Empty : $" for locale '{SafeText.FromProvider(entry.Locale, 35)}'")} of {seen[entry.Locale ?? string.Empty]}; keep one of them");
                }
            }

            var basis = group.FirstOrDefault(e => e.Locale is null);
            if (basis.Delivery is null)
            {
                reader.AddError(group.First().Path, $"has a locale, and no entry of usage type '{SafeText.FromProvider(group.Key, 64)}' has none: add one, sent for every other language");
                continue;
            }

            var locales = group.Where(e => e.Locale is not null).GroupBy(e => e.Locale!, StringComparer.OrdinalIgnoreCase).ToDictionary(g => g.Key, g => g.First().Delivery, StringComparer.OrdinalIgnoreCase);
            deliveries[group.Key] = basis.Delivery with { Locales = locales };
        }

        return reader.Errors.Count > errors ? null : new EmailDeliveries(deliveries, fields.Templates);
    }

    /// <summary>The sign-in, sign-up, password-reset and generic code emails, for a provider's form default: as
    /// <see cref="EmailDeliveryFields.Deliveries"/> (subject, html, text) or, with <paramref name="asTemplateList"/>,
    /// as Logto's template list (usageType, the content-type field, subject, plain-text content).</summary>
    public static JsonElement Defaults(EmailDeliveryFields fields, bool asTemplateList)
    {
        ArgumentNullException.ThrowIfNull(fields);
        var buffer = new System.Buffers.ArrayBufferWriter<byte>(2048);
        using (var json = new Utf8JsonWriter(buffer))
        {
            if (asTemplateList)
            {
                json.WriteStartArray();
            }
            else
            {
                json.WriteStartObject();
            }

            foreach (var (type, kind) in new[] { ("SignIn", "sign-in "), ("Register", "sign-up "), ("ForgotPassword", "password reset "), ("Generic", string.Empty) })
            {
                var text = $"Your {kind}verification code is {{{{code}}}}. The code will remain active for 10 minutes.";
                if (asTemplateList)
                {
                    json.WriteStartObject();
                    json.WriteString("usageType", type);
                    json.WriteString(fields.ContentType, "text/plain");
                }
                else
                {
                    json.WriteStartObject(type);
                }

                json.WriteString("subject", $"Your {kind}verification code is {{{{code}}}}");
                if (asTemplateList)
                {
                    json.WriteString("content", text);
                }
                else
                {
                    json.WriteString("html", $"<p>Your {kind}verification code is <strong>{{{{code}}}}</strong>.</p><p>The code will remain active for 10 minutes.</p>");
                    json.WriteString("text", text);
                }

                json.WriteEndObject();
            }

            if (asTemplateList)
            {
                json.WriteEndArray();
            }
            else
            {
                json.WriteEndObject();
            }
        }

        var reader = new Utf8JsonReader(buffer.WrittenSpan);
        return JsonElement.ParseValue(ref reader);
    }

    private static readonly IReadOnlyDictionary<string, EmailDelivery> Empty = new Dictionary<string, EmailDelivery>();

    private sealed class Budget(ConfigReader reader, string field)
    {
        private int _deliveries;
        private int _characters;

        public bool Exceeded { get; private set; }

        public bool TakeDelivery()
        {
            if (!Exceeded && ++_deliveries > MaxDeliveries)
            {
                reader.AddError(field, $"holds more than {MaxDeliveries} deliveries (locale variants included)");
                Exceeded = true;
            }

            return !Exceeded;
        }

        public bool TakeCharacters(int count)
        {
            _characters += count;
            if (!Exceeded && _characters > MaxTemplateCharacters)
            {
                reader.AddError(field, $"holds more than {MaxTemplateCharacters} characters of templates");
                Exceeded = true;
            }

            return !Exceeded;
        }

        /// <summary>The template of <paramref name="source"/>, counted against the budget; null (a syntax error
        /// reported at <paramref name="path"/>) when it does not parse.</summary>
        public MessageTemplate? Parse(string? source, string path)
        {
            if (source is null || Exceeded || !TakeCharacters(source.Length))
            {
                return null;
            }

            try
            {
                return MessageTemplate.Parse(source);
            }
            catch (TemplateSyntaxException exception)
            {
                reader.AddError(path, $"is not a valid template: {exception.Message}");
                return null;
            }
        }
    }

    // Any usage type is allowed, but one that is Logto's in other case ("signin") would never be sent: they are case-sensitive.
    private static void CheckCase(ConfigReader reader, string type, string path)
    {
        if (Array.Find(KnownTypes, known => !string.Equals(known, type, StringComparison.Ordinal) && string.Equals(known, type, StringComparison.OrdinalIgnoreCase)) is { } known)
        {
            reader.AddError(path, $"is the usage type '{known}' in other case; usage types are case-sensitive");
        }
    }

    private static readonly string[] KnownTypes = [UsageType.SignIn.Value, UsageType.Register.Value, UsageType.ForgotPassword.Value, Generic, UsageType.OrganizationInvitation.Value,
        UsageType.UserPermissionValidation.Value, UsageType.BindNewIdentifier.Value, UsageType.MfaVerification.Value, UsageType.BindMfa.Value];

    private static EmailDelivery? ReadDelivery(ConfigReader reader, EmailDeliveryFields fields, JsonElement element, string path, bool allowLocales, Budget budget)
    {
        if (element.ValueKind != JsonValueKind.Object)
        {
            reader.AddError(path, "must be a JSON object");
            return null;
        }

        if (!budget.TakeDelivery())
        {
            return null;
        }

        var errors = reader.Errors.Count;
        var html = reader.OptionalString(element, "html", $"{path}.html");
        var template = reader.OptionalString(element, fields.TemplateId, $"{path}.{fields.TemplateId}");
        var text = reader.OptionalString(element, "text", $"{path}.text");
        var subject = reader.OptionalString(element, "subject", $"{path}.subject");
        var replyTo = reader.OptionalString(element, "replyTo", $"{path}.replyTo");
        var variables = reader.OptionalObject(element, "variables", $"{path}.variables");
        if (html is not null && template is not null)
        {
            reader.AddError(path, $"has both html and {fields.TemplateId}; give one of them");
        }
        else if (html is null && template is null)
        {
            reader.AddError(path, text is null
                ? $"needs html (optionally with text) or {fields.StoredTemplate}; it has neither"
                : $"has only text; add html (the text part is sent with it) or use {fields.StoredTemplate}");
        }
        else if (template is not null && text is not null)
        {
            reader.AddError($"{path}.text", "goes with html, not with a stored template");
        }
        else if (html is not null && variables is not null)
        {
            reader.AddError($"{path}.variables", "go with a stored template, not with html");
        }

        var subjectTemplate = budget.Parse(subject, $"{path}.subject");
        var htmlTemplate = budget.Parse(html, $"{path}.html");
        var textTemplate = budget.Parse(text, $"{path}.text");
        var replyToTemplate = budget.Parse(replyTo, $"{path}.replyTo");

        var locales = new Dictionary<string, EmailDelivery>(StringComparer.OrdinalIgnoreCase);
        if (reader.OptionalObject(element, "locales", $"{path}.locales") is { } localeMap)
        {
            if (!allowLocales)
            {
                reader.AddError($"{path}.locales", "cannot be nested inside a locale");
            }
            else
            {
                foreach (var (name, value) in reader.Properties(localeMap, $"{path}.locales"))
                {
                    if (budget.Exceeded)
                    {
                        break;
                    }

                    if (ReadDelivery(reader, fields, value, ConfigReader.PathOf($"{path}.locales", name), allowLocales: false, budget) is { } localized)
                    {
                        locales[name] = localized;
                    }
                }
            }
        }

        return reader.Errors.Count > errors
            ? null
            : new EmailDelivery(subjectTemplate, htmlTemplate, textTemplate, template, variables?.Clone(), replyToTemplate, locales); // detached from the caller's JsonDocument
    }

    /// <inheritdoc/>
    public EmailDelivery this[string key] => _deliveries[key];

    /// <inheritdoc/>
    public IEnumerable<string> Keys => _deliveries.Keys;

    /// <inheritdoc/>
    public IEnumerable<EmailDelivery> Values => _deliveries.Values;

    /// <inheritdoc/>
    public int Count => _deliveries.Count;

    /// <inheritdoc/>
    public bool ContainsKey(string key) => _deliveries.ContainsKey(key);

    /// <inheritdoc/>
    public bool TryGetValue(string key, [MaybeNullWhen(false)] out EmailDelivery value) => _deliveries.TryGetValue(key, out value);

    /// <inheritdoc/>
    public IEnumerator<KeyValuePair<string, EmailDelivery>> GetEnumerator() => _deliveries.GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}
