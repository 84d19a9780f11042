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
/// <param name="Deliveries">The delivery per usage type (any string key), templates parsed; stored templates are
/// Mailgun's <c>template</c> (+ <c>variables</c>).</param>
public sealed record MailgunConfig(Uri Endpoint, string Domain, Secret ApiKey, string From, EmailDeliveries Deliveries)
{
    /// <summary>Mailgun's US endpoint, the default.</summary>
    public static readonly Uri DefaultEndpoint = new("https://api.mailgun.net");

    /// <summary>Mailgun's words for the deliveries (Logto's <c>deliveries</c>, a stored template by <c>template</c>).</summary>
    internal static readonly EmailDeliveryFields DeliveryFields = new(MailgunConnectorFactory.ProviderName)
    {
        StoredTemplate = "a stored Mailgun template",
        CredentialsHint = "check the API key, and that the endpoint's region (US https://api.mailgun.net, EU https://api.eu.mailgun.net) matches the domain's",
        NotFoundHint = "the domain was not found in this region: check the domain and the endpoint",
        RetryAfterHeader = "X-RateLimit-Reset", // Mailgun's own header: a Unix time (fractions allowed) at which sending may resume
    };

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
        var from = EmailAddress.ReadMailbox(reader, "from", required: true);

        var deliveries = EmailDeliveries.Read(reader, DeliveryFields);
        return endpoint is null || domain is null || apiKey is null || from is null || deliveries is null || !reader.IsValid
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
}
