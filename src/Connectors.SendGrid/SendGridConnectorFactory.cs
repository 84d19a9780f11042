using Connectors.Abstractions;
using Connectors.Abstractions.Providers;
using Microsoft.Extensions.Options;

namespace Connectors.SendGrid;

/// <summary>Creates SendGrid email connectors from Logto-format JSON configs. Registered by <c>AddSendGrid</c>.</summary>
public sealed class SendGridConnectorFactory : ProviderConnectorFactory<SendGridConfig, SendGridOptions>
{
    /// <summary>The connector id (Logto's), also the key of its stored config.</summary>
    public const string ConnectorId = "sendgrid-email-service";

    /// <summary>The named <see cref="HttpClient"/> of SendGrid calls.</summary>
    public const string HttpClientName = "Connectors.SendGrid";

    internal const string ProviderName = "SendGrid";

    internal static readonly ConnectorMetadata ConnectorMetadata = new(
        ConnectorId,
        "sendgrid-mail",
        ConnectorType.Email,
        "SendGrid Mail Service",
        "SendGrid is a communication platform for transactional and marketing email.",
        [
            new FormItem("apiKey", "API Key", FormItemType.Text) { Required = true, Placeholder = "<api-key>", IsConfidential = true },
            new FormItem("fromEmail", "From Email", FormItemType.Text) { Required = true, Placeholder = "<from-email>" },
            new FormItem("fromName", "From Name", FormItemType.Text) { Placeholder = "<from-name>" },
            new FormItem("templates", "Templates", FormItemType.Json)
            {
                Required = true,
                Description = "One entry per usage type (SignIn, Register, ForgotPassword, Generic, ...): type (text/plain or text/html), subject and content, or templateId (a dynamic template) with variables; an optional locale makes an entry a language variant. Types without an entry use Generic.",
                DefaultValue = EmailDeliveries.Defaults(SendGridConfig.Fields, asTemplateList: true),
            },
        ]);

    /// <summary>Creates the factory (normally through DI).</summary>
    public SendGridConnectorFactory(ProviderServices services, IOptions<SendGridOptions> options)
        : base(services, options, ProviderName, HttpClientName)
    {
    }

    /// <inheritdoc/>
    public override ConnectorMetadata Metadata => ConnectorMetadata;

    /// <inheritdoc/>
    protected override SendGridConfig? Parse(ConfigReader reader) => SendGridConfig.Parse(reader);

    /// <inheritdoc/>
    protected override IConnector CreateConnector(SendGridConfig config) => new SendGridEmailConnector(config, Options, Http, Logger);
}
