using System.Text.Json;
using Connectors.Abstractions;
using Connectors.Abstractions.Providers;

namespace Connectors.Mailgun;

/// <summary>A Mailgun connector config, with Logto's field names (<c>endpoint</c>, <c>domain</c>, <c>apiKey</c>,
/// <c>from</c>, <c>deliveries</c>).</summary>
/// <param name="Endpoint">The API base, e.g. <c>https://api.mailgun.net</c> or <c>https://api.eu.mailgun.net</c>.</param>
/// <param name="Domain">The sending domain.</param>
/// <param name="ApiKey">The API key.</param>
/// <param name="From">The sender, <c>Name &lt;addr@domain&gt;</c> or a bare address.</param>
/// <param name="Deliveries">The delivery per usage type (any string key), templates parsed.</param>
public sealed record MailgunConfig(Uri Endpoint, string Domain, Secret ApiKey, string From, IReadOnlyDictionary<string, MailgunDelivery> Deliveries)
{
    /// <summary>Mailgun's US endpoint, the default.</summary>
    public static readonly Uri DefaultEndpoint = new("https://api.mailgun.net");

    /// <summary>The most deliveries one config may hold, locale variants included: 1,000.</summary>
    public const int MaxDeliveries = 1000;

    /// <summary>The most template text one config may hold, all deliveries together: 1 Mi characters. With
    /// <see cref="MaxDeliveries"/> this bounds the cost of validating a tenant's config.</summary>
    public const int MaxTemplateCharacters = 1024 * 1024;

    /// <inheritdoc/>
    public override string ToString() =>
        $"MailgunConfig {{ Endpoint = {Endpoint}, Domain = {Domain}, ApiKey = {ApiKey}, From = {From}, Deliveries = [{string.Join(", ", Deliveries.Keys)}] }}";

    internal static MailgunConfig? Parse(ConfigReader reader, MailgunOptions options)
    {
        var endpoint = ParseEndpoint(reader, options);
        var domain = reader.RequiredString("domain")?.Trim();
        if (domain is not null && !EmailAddress.IsValidDomain(domain))
        {
            reader.AddError("domain", "must be a bare domain such as mg.example.com (no scheme, port or slash)");
            domain = null;
        }

        var apiKey = reader.RequiredString("apiKey");
        var from = reader.RequiredString("from")?.Trim();
        if (from is not null && !EmailAddress.IsValidMailbox(from))
        {
            reader.AddError("from", "must be 'Sender Name <sender@example.com>' or a bare address");
            from = null;
        }

        var deliveries = new Dictionary<string, MailgunDelivery>(StringComparer.Ordinal);
        if (reader.RequiredObject("deliveries") is { } map)
        {
            var budget = new Budget();
            foreach (var (name, value) in reader.Properties(map, "deliveries"))
            {
                if (ParseDelivery(reader, value, ConfigReader.PathOf("deliveries", name), allowLocales: true, budget) is { } delivery)
                {
                    deliveries[name] = delivery;
                }

                if (budget.Exceeded)
                {
                    break; // reported once; reading on would only cost time
                }
            }
        }

        return endpoint is null || domain is null || apiKey is null || from is null || !reader.IsValid
            ? null
            : new MailgunConfig(endpoint, domain, new Secret(apiKey), from, deliveries);
    }

    private static Uri? ParseEndpoint(ConfigReader reader, MailgunOptions options)
    {
        var text = reader.OptionalString("endpoint")?.Trim();
        if (text is null)
        {
            return DefaultEndpoint;
        }

        // The API key goes to this host: only Mailgun's own hosts, or origins the host application allows. The host is
        // checked as it will be connected to (IDN-mapped to ASCII): a name with look-alike characters that only
        // appears to end in .mailgun.net is refused.
        if (Uri.TryCreate(text.TrimEnd('/'), UriKind.Absolute, out var uri)
            && uri.AbsolutePath == "/" && uri.Query.Length == 0 && uri.Fragment.Length == 0 && uri.UserInfo.Length == 0
            && ConnectHost(uri) is { } host
            && ((uri.Scheme == Uri.UriSchemeHttps && uri.IsDefaultPort && IsMailgunHost(host))
                || options.AllowedEndpoints.Any(allowed => allowed.Scheme == uri.Scheme && allowed.Port == uri.Port && ConnectHost(allowed) == host)))
        {
            return uri;
        }

        reader.AddError("endpoint", "must be an https Mailgun API host such as https://api.mailgun.net or https://api.eu.mailgun.net (no path), or an endpoint the host application allows");
        return null;
    }

    /// <summary>The host name as the connection uses it, lower-case ASCII; null when it is not plain letters, digits,
    /// dots and hyphens after IDN mapping (or an IP literal).</summary>
    private static string? ConnectHost(Uri uri)
    {
        string host;
        try
        {
            host = uri.IdnHost.ToLowerInvariant();
        }
        catch (Exception exception) when (exception is UriFormatException or ArgumentException or InvalidOperationException)
        {
            return null;
        }

        if (uri.HostNameType is UriHostNameType.IPv4 or UriHostNameType.IPv6)
        {
            return host;
        }

        return host.Length > 0 && host.All(c => c is (>= 'a' and <= 'z') or (>= '0' and <= '9') or '.' or '-') ? host : null;
    }

    private static bool IsMailgunHost(string host) => host == "mailgun.net" || host.EndsWith(".mailgun.net", StringComparison.Ordinal);

    private sealed class Budget
    {
        public int Deliveries { get; set; }

        public int Characters { get; set; }

        public bool Exceeded { get; set; }
    }

    private static MailgunDelivery? ParseDelivery(ConfigReader reader, JsonElement element, string path, bool allowLocales, Budget budget)
    {
        if (element.ValueKind != JsonValueKind.Object)
        {
            reader.AddError(path, "must be a JSON object");
            return null;
        }

        if (++budget.Deliveries > MaxDeliveries)
        {
            reader.AddError("deliveries", $"holds more than {MaxDeliveries} deliveries (locale variants included)");
            budget.Exceeded = true;
            return null;
        }

        var errors = reader.Errors.Count;
        var html = reader.OptionalString(element, "html", $"{path}.html");
        var template = reader.OptionalString(element, "template", $"{path}.template");
        var text = reader.OptionalString(element, "text", $"{path}.text");
        var subject = reader.OptionalString(element, "subject", $"{path}.subject");
        var replyTo = reader.OptionalString(element, "replyTo", $"{path}.replyTo");
        var variables = reader.OptionalObject(element, "variables", $"{path}.variables");
        if (html is not null && template is not null)
        {
            reader.AddError(path, "has both html and template; give one of them");
        }
        else if (html is null && template is null)
        {
            reader.AddError(path, text is null
                ? "needs html (optionally with text) or a stored Mailgun template; it has neither"
                : "has only text; add html (the text part is sent with it) or use a stored Mailgun template");
        }
        else if (template is not null && text is not null)
        {
            reader.AddError($"{path}.text", "goes with html, not with a stored template");
        }
        else if (html is not null && variables is not null)
        {
            reader.AddError($"{path}.variables", "go with a stored template, not with html");
        }

        MessageTemplate? Compile(string? source, string part)
        {
            if (source is null || budget.Exceeded)
            {
                return null;
            }

            budget.Characters += source.Length;
            if (budget.Characters > MaxTemplateCharacters)
            {
                reader.AddError("deliveries", $"holds more than {MaxTemplateCharacters} characters of templates");
                budget.Exceeded = true;
                return null;
            }

            try
            {
                return MessageTemplate.Parse(source);
            }
            catch (TemplateSyntaxException exception)
            {
                reader.AddError($"{path}.{part}", $"is not a valid template: {exception.Message}");
                return null;
            }
        }

        var subjectTemplate = Compile(subject, "subject");
        var htmlTemplate = Compile(html, "html");
        var textTemplate = Compile(text, "text");
        var replyToTemplate = Compile(replyTo, "replyTo");

        var locales = new Dictionary<string, MailgunDelivery>(StringComparer.OrdinalIgnoreCase);
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

                    if (ParseDelivery(reader, value, ConfigReader.PathOf($"{path}.locales", name), allowLocales: false, budget) is { } localized)
                    {
                        locales[name] = localized;
                    }
                }
            }
        }

        return reader.Errors.Count > errors
            ? null
            : new MailgunDelivery(subjectTemplate, htmlTemplate, textTemplate, template, variables?.Clone(), replyToTemplate, locales); // detached from the caller's JsonDocument
    }
}

/// <summary>How one usage type is sent: raw <c>html</c> (+ <c>text</c>) or a Mailgun stored <c>template</c>
/// (+ <c>variables</c>), with an optional <c>subject</c> and <c>replyTo</c>, and optional per-locale variants.</summary>
/// <param name="Subject">The subject template.</param>
/// <param name="Html">The HTML body template (raw mode).</param>
/// <param name="Text">The plain-text body template (raw mode).</param>
/// <param name="Template">The Mailgun stored template name (template mode).</param>
/// <param name="Variables">Variables for the stored template; payload values win.</param>
/// <param name="ReplyTo">The Reply-To template.</param>
/// <param name="Locales">Variants by language tag (<c>zh-CN</c>, <c>en</c>), each a whole delivery.</param>
public sealed record MailgunDelivery(
    MessageTemplate? Subject,
    MessageTemplate? Html,
    MessageTemplate? Text,
    string? Template,
    JsonElement? Variables,
    MessageTemplate? ReplyTo,
    IReadOnlyDictionary<string, MailgunDelivery> Locales)
{
    /// <summary>The variant for <paramref name="locale"/> (else the first of <paramref name="uiLocales"/>): the exact tag,
    /// then the language alone, then this delivery (<see cref="LocaleVariants"/>).</summary>
    public MailgunDelivery ForLocale(string? locale, string? uiLocales = null) => LocaleVariants.Pick(Locales, locale, uiLocales) ?? this;
}
