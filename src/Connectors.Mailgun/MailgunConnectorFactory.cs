using Connectors.Abstractions;
using Connectors.Abstractions.Providers;
using Microsoft.Extensions.Options;

namespace Connectors.Mailgun;

/// <summary>Creates <see cref="MailgunEmailConnector"/>s from Logto-format JSON configs. Registered by <c>AddMailgun</c>.</summary>
public sealed class MailgunConnectorFactory : ProviderConnectorFactory<MailgunConfig, MailgunOptions>
{
    /// <summary>The connector id, also the key of its stored config.</summary>
    public const string ConnectorId = "mailgun-email";

    /// <summary>The named <see cref="HttpClient"/> of Mailgun calls.</summary>
    public const string HttpClientName = "Connectors.Mailgun";

    internal const string ProviderName = "Mailgun";

    internal static readonly ConnectorMetadata ConnectorMetadata = new(
        ConnectorId,
        "mailgun-email",
        ConnectorType.Email,
        "Mailgun",
        "Mailgun is an email delivery service for sending, receiving, and tracking emails.",
        [
            new FormItem("endpoint", "Mailgun endpoint", FormItemType.Text) { Placeholder = "https://api.mailgun.net", Description = "https://api.mailgun.net (US, default) or https://api.eu.mailgun.net (EU); it must match the domain's region." },
            new FormItem("domain", "Domain", FormItemType.Text) { Required = true, Placeholder = "your-mailgun-domain.com" },
            new FormItem("apiKey", "API Key", FormItemType.Text) { Required = true, Placeholder = "<your-mailgun-api-key>", IsConfidential = true },
            new FormItem("from", "Email address to send from", FormItemType.Text) { Required = true, Placeholder = "Sender Name <foo@example.com>" },
            new FormItem("deliveries", "Deliveries", FormItemType.Json)
            {
                Required = true,
                Description = "One delivery per usage type (SignIn, Register, ForgotPassword, Generic, ...): either html (+ text) or a Mailgun stored template (+ variables), with optional subject, replyTo and locales. {{code}}, {{link}} and payload values such as {{application.name}} are replaced; #if, #unless, #each and #with blocks work as in Handlebars. Types without a delivery use Generic.",
                DefaultValue = EmailDeliveries.Defaults(MailgunConfig.DeliveryFields, asTemplateList: false),
            },
        ]);

    /// <summary>Creates the factory (normally through DI).</summary>
    public MailgunConnectorFactory(ProviderServices services, IOptions<MailgunOptions> options)
        : base(services, options, ProviderName, HttpClientName)
    {
    }

    /// <inheritdoc/>
    public override ConnectorMetadata Metadata => ConnectorMetadata;

    /// <inheritdoc/>
    protected override MailgunConfig? Parse(ConfigReader reader) => MailgunConfig.Parse(reader, Options);

    /// <inheritdoc/>
    protected override IConnector CreateConnector(MailgunConfig config) => new MailgunEmailConnector(config, Options, Http, Logger);
}
