using Connectors.Abstractions;
using Connectors.Abstractions.Providers;

namespace Connectors.SendGrid;

/// <summary>A SendGrid connector config, with the field names of Logto's <c>connector-sendgrid-email</c>
/// (<c>apiKey</c>, <c>fromEmail</c>, <c>fromName</c>, <c>templates</c>).</summary>
/// <param name="ApiKey">An API key with the Mail Send permission.</param>
/// <param name="FromEmail">The sender address, a verified sender identity.</param>
/// <param name="FromName">The sender's display name, or null.</param>
/// <param name="Templates">The deliveries by usage type: Logto's list (<c>usageType</c>, <c>type</c>, <c>subject</c>,
/// <c>content</c>), optionally with a <c>locale</c>, or a dynamic template (<c>templateId</c> with <c>variables</c>).</param>
public sealed record SendGridConfig(Secret ApiKey, string FromEmail, string? FromName, EmailDeliveries Templates)
{
    internal static readonly EmailDeliveryFields Fields = new(SendGridConnectorFactory.ProviderName)
    {
        ContentType = "type",
        TemplateId = "templateId",
        StoredTemplate = "a dynamic template",
        TemplatesMayBeStored = true,
        CredentialsHint = $"check the API key (its region must match SendGridOptions.BaseAddress; EU subusers use {SendGridOptions.EuBaseAddress}) and that fromEmail is a verified sender identity the key may send as",
        RetryAfterHeader = "X-RateLimit-Reset",
    };

    /// <inheritdoc/>
    public override string ToString() => $"SendGridConfig {{ ApiKey = {ApiKey}, FromEmail = {FromEmail}, Templates = [{string.Join(", ", Templates.Keys)}] }}";

    internal static SendGridConfig? Parse(ConfigReader reader)
    {
        var apiKey = reader.RequiredString("apiKey");
        var from = EmailAddress.ReadMailbox(reader, "fromEmail", required: true, bareOnly: true); // the name goes in fromName

        var name = reader.OptionalString("fromName")?.Trim();
        var templates = EmailDeliveries.ReadTemplates(reader, Fields);
        return apiKey is null || from is null || templates is null || !reader.IsValid ? null : new SendGridConfig(new Secret(apiKey), from, name, templates);
    }
}
