using Connectors.Abstractions.Providers;

namespace Connectors.SendGrid;

/// <summary>Host-level SendGrid settings (not part of a tenant's config).</summary>
public sealed class SendGridOptions : ProviderOptions
{
    /// <summary>SendGrid's EU API, for a subuser whose data stays in the EU.</summary>
    public static readonly Uri EuBaseAddress = new("https://api.eu.sendgrid.com");

    /// <summary>The API address <c>/v3/mail/send</c> lives under: <c>https://api.sendgrid.com</c> (default) or
    /// <see cref="EuBaseAddress"/>. It receives the API key.</summary>
    public Uri BaseAddress { get; set; } = new("https://api.sendgrid.com");

    /// <summary>Send with <c>mail_settings.sandbox_mode</c>: SendGrid checks the message and does not deliver it. Default false.</summary>
    public bool SandboxMode { get; set; }

    /// <inheritdoc/>
    protected override void Validate(string name, ICollection<string> problems)
    {
        OptionsChecks.AbsoluteUri(BaseAddress, $"{name}.BaseAddress", problems, carriesCredentials: true);
        base.Validate(name, problems);
    }
}
