using Connectors.Abstractions;
using Connectors.Abstractions.Providers;
using Microsoft.Extensions.Options;

namespace Connectors.Smtp;

/// <summary>Creates SMTP email connectors from Logto-format JSON configs. Registered by <c>AddSmtp</c>.</summary>
public sealed class SmtpConnectorFactory(ProviderServices services, IOptions<SmtpOptions> options)
    : ProviderConnectorFactory<SmtpConfig, SmtpOptions>(services, options, ProviderName, ProviderName)
{
    /// <summary>The connector id (Logto's), also the key of its stored config.</summary>
    public const string ConnectorId = "smtp";

    internal const string ProviderName = "SMTP";

    internal static readonly ConnectorMetadata ConnectorMetadata = new(
        ConnectorId,
        "smtp",
        ConnectorType.Email,
        "SMTP",
        "The Simple Mail Transfer Protocol (SMTP) is an internet standard communication protocol for electronic mail transmission.",
        [
            new FormItem("host", "Host", FormItemType.Text) { Required = true, Placeholder = "smtp.example.com" },
            new FormItem("port", "Port", FormItemType.Number) { Placeholder = "587", Description = "Default 465 with secure: true (TLS from the start), else 587 (STARTTLS, required)." },
            new FormItem("auth", "Auth", FormItemType.Json) { Required = true, Description = "{ \"user\": ..., \"pass\": ... } (login)." },
            new FormItem("fromEmail", "From Email", FormItemType.Text) { Required = true, Placeholder = "Sender Name <noreply@example.com>" },
            new FormItem("templates", "Templates", FormItemType.Json) { Required = true, DefaultValue = EmailDeliveries.Defaults(SmtpConfig.Fields, asTemplateList: true), Description = "One entry per usage type (SignIn, Register, ForgotPassword, Generic, ...): contentType (text/plain or text/html), subject and content; an optional locale makes an entry a language variant. Types without an entry use Generic." },
        ]);

    /// <inheritdoc/>
    public override ConnectorMetadata Metadata => ConnectorMetadata;

    /// <inheritdoc/>
    protected override SmtpConfig? Parse(ConfigReader reader) => SmtpConfig.Parse(reader, Options);

    /// <inheritdoc/>
    protected override IConnector CreateConnector(SmtpConfig config) => new SmtpEmailConnector(config, Options, Http);
}
