using Connectors.Abstractions;

namespace Connectors.Mailgun;

/// <summary>Host-level Mailgun settings (not part of a tenant's config).</summary>
public sealed class MailgunOptions
{
    /// <summary>
    /// Endpoints a config may name besides <c>https://*.mailgun.net</c>, as origins (scheme, host, port), e.g. a
    /// test double or an outbound proxy. Empty by default: a tenant's config can never send the API key elsewhere.
    /// </summary>
    public IList<Uri> AllowedEndpoints { get; } = new List<Uri>();

    /// <summary>Send <c>o:testmode=yes</c>: Mailgun accepts but does not deliver (still billed). Default false.</summary>
    public bool TestMode { get; set; }

    /// <summary>Tag each message with its usage type (<c>o:tag</c>) for Mailgun analytics. Default false.</summary>
    public bool TagWithUsageType { get; set; }

    /// <summary>Timeouts and the response size cap. A send is never retried once it may have reached Mailgun.</summary>
    public ConnectorHttpOptions Http { get; set; } = new();
}
