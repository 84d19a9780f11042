using System.Text.Json;
using Connectors.Abstractions;

namespace Connectors.Mailgun;

/// <summary>A Mailgun connector config, with Logto's field names (<c>endpoint</c>, <c>domain</c>, <c>apiKey</c>,
/// <c>from</c>, <c>deliveries</c>).</summary>
/// <param name="Endpoint">The API base, e.g. <c>https://api.mailgun.net</c> or <c>https://api.eu.mailgun.net</c>.</param>
/// <param name="Domain">The sending domain.</param>
/// <param name="ApiKey">The API key.</param>
/// <param name="From">The sender, <c>Name &lt;addr@domain&gt;</c> or a bare address.</param>
/// <param name="Deliveries">The delivery per usage type (any string key).</param>
public sealed record MailgunConfig(Uri Endpoint, string Domain, Secret ApiKey, string From, IReadOnlyDictionary<string, MailgunDelivery> Deliveries)
{
    /// <summary>Mailgun's US endpoint, the default.</summary>
    public static readonly Uri DefaultEndpoint = new("https://api.mailgun.net");

    /// <summary>The key of the compiled-template cache: a hash of the <c>deliveries</c> JSON as given, computed once
    /// when the config is read.</summary>
    internal string DeliveriesKey { get; init; } = string.Empty;

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
        var deliveriesJson = reader.RequiredObject("deliveries");
        if (deliveriesJson is { } map)
        {
            foreach (var property in map.EnumerateObject())
            {
                if (ParseDelivery(reader, property.Value, $"deliveries.{property.Name}", allowLocales: true) is { } delivery)
                {
                    deliveries[property.Name] = delivery;
                }
            }
        }

        return endpoint is null || domain is null || apiKey is null || from is null || !reader.IsValid
            ? null
            : new MailgunConfig(endpoint, domain, new Secret(apiKey), from, deliveries) { DeliveriesKey = Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(deliveriesJson!.Value.GetRawText()))) };
    }

    private static Uri? ParseEndpoint(ConfigReader reader, MailgunOptions options)
    {
        var text = reader.OptionalString("endpoint")?.Trim();
        if (text is null)
        {
            return DefaultEndpoint;
        }

        // The API key goes to this host: only Mailgun's own hosts, or origins the host application allows.
        if (Uri.TryCreate(text.TrimEnd('/'), UriKind.Absolute, out var uri)
            && uri.AbsolutePath == "/" && uri.Query.Length == 0 && uri.Fragment.Length == 0 && uri.UserInfo.Length == 0
            && ((uri.Scheme == Uri.UriSchemeHttps && uri.IsDefaultPort && IsMailgunHost(uri.Host))
                || options.AllowedEndpoints.Any(allowed => Uri.Compare(allowed, uri, UriComponents.SchemeAndServer, UriFormat.Unescaped, StringComparison.OrdinalIgnoreCase) == 0)))
        {
            return uri;
        }

        reader.AddError("endpoint", "must be an https Mailgun API host such as https://api.mailgun.net or https://api.eu.mailgun.net (no path), or an endpoint the host application allows");
        return null;
    }

    private static bool IsMailgunHost(string host) =>
        host.Equals("mailgun.net", StringComparison.OrdinalIgnoreCase) || host.EndsWith(".mailgun.net", StringComparison.OrdinalIgnoreCase);

    private static MailgunDelivery? ParseDelivery(ConfigReader reader, JsonElement element, string path, bool allowLocales)
    {
        if (element.ValueKind != JsonValueKind.Object)
        {
            reader.AddError(path, "must be a JSON object");
            return null;
        }

        var errors = reader.Errors.Count;
        var html = reader.OptionalString(element, "html", $"{path}.html");
        var template = reader.OptionalString(element, "template", $"{path}.template");
        var text = reader.OptionalString(element, "text", $"{path}.text");
        var subject = reader.OptionalString(element, "subject", $"{path}.subject");
        var replyTo = reader.OptionalString(element, "replyTo", $"{path}.replyTo");
        var variables = reader.OptionalObject(element, "variables", $"{path}.variables");
        if ((html is null) == (template is null))
        {
            reader.AddError(path, "needs either html or template, not both");
        }
        else if (template is not null && text is not null)
        {
            reader.AddError($"{path}.text", "goes with html, not with a stored template");
        }
        else if (html is not null && variables is not null)
        {
            reader.AddError($"{path}.variables", "go with a stored template, not with html");
        }

        var locales = new Dictionary<string, MailgunDelivery>(StringComparer.OrdinalIgnoreCase);
        if (reader.OptionalObject(element, "locales", $"{path}.locales") is { } localeMap)
        {
            if (!allowLocales)
            {
                reader.AddError($"{path}.locales", "cannot be nested inside a locale");
            }
            else
            {
                foreach (var locale in localeMap.EnumerateObject())
                {
                    if (ParseDelivery(reader, locale.Value, $"{path}.locales.{locale.Name}", allowLocales: false) is { } localized)
                    {
                        locales[locale.Name] = localized;
                    }
                }
            }
        }

        return reader.Errors.Count > errors
            ? null
            : new MailgunDelivery(subject, html, text, template, variables?.Clone(), replyTo, locales); // detached from the caller's JsonDocument
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
    string? Subject,
    string? Html,
    string? Text,
    string? Template,
    JsonElement? Variables,
    string? ReplyTo,
    IReadOnlyDictionary<string, MailgunDelivery> Locales);
