using Connectors.Abstractions.Providers;

namespace Connectors.Mailgun;

/// <summary>Host-level Mailgun settings (not part of a tenant's config).</summary>
public sealed class MailgunOptions : ProviderOptions
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

    /// <inheritdoc/>
    protected override void Validate(string name, ICollection<string> problems)
    {
        var i = 0;
        foreach (var endpoint in AllowedEndpoints)
        {
            OptionsChecks.AbsoluteUri(endpoint, $"{name}.AllowedEndpoints[{i++}]", problems);
        }

        base.Validate(name, problems);
    }
}
