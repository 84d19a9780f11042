using System.Text.Json;

namespace Connectors.Abstractions.Providers;

/// <summary>One message, ready for a provider's send call: the recipient checked, the delivery chosen, every part
/// rendered with its escaping. A stored template has <see cref="TemplateId"/> and <see cref="TemplateData"/>
/// instead of <see cref="Html"/> and <see cref="Text"/>.</summary>
/// <param name="To">The recipient: exactly one address.</param>
/// <param name="UsageType">The usage type asked for (not the <c>Generic</c> it may have fallen back to).</param>
/// <param name="Subject">The subject, one line; null when the delivery has none.</param>
/// <param name="Html">The HTML body, payload values HTML-escaped.</param>
/// <param name="Text">The plain-text body.</param>
/// <param name="ReplyTo">The Reply-To, one line.</param>
/// <param name="TemplateId">The provider's stored template.</param>
/// <param name="TemplateData">The stored template's variables: the delivery's, then the payload's.</param>
public sealed record ComposedEmail(string To, string UsageType, string? Subject, string? Html, string? Text, string? ReplyTo, string? TemplateId, JsonElement? TemplateData)
{
    /// <summary>Redacted: the body holds the code.</summary>
    public override string ToString() => $"ComposedEmail {{ UsageType = {UsageType}, TemplateId = {TemplateId}, body redacted }}";
}

/// <summary>What every email connector does before its one send call, the same way: the recipient check, the
/// delivery for the usage type (else <c>Generic</c>, else <see cref="ConnectorErrorCode.TemplateNotFound"/>) and its
/// locale variant, the template data from the payload, and rendering; each problem a
/// <see cref="ConnectorErrorCode.InvalidRequestParameters"/> before any request, its message free of payload values.</summary>
public static class EmailComposer
{
    /// <summary>Composes <paramref name="message"/> from <paramref name="deliveries"/>.</summary>
    /// <exception cref="ConnectorException"><see cref="ConnectorErrorCode.InvalidRequestParameters"/> (recipient, payload,
    /// rendering) or <see cref="ConnectorErrorCode.TemplateNotFound"/>, through <paramref name="http"/>'s
    /// <see cref="ProviderHttpClient.Reject"/> (operation <c>send</c>).</exception>
    public static ComposedEmail Compose(EmailMessage message, EmailDeliveries deliveries, EmailDeliveryFields fields, ProviderHttpClient http)
    {
        ArgumentNullException.ThrowIfNull(message);
        ArgumentNullException.ThrowIfNull(message.Payload);
        ArgumentNullException.ThrowIfNull(deliveries);
        ArgumentNullException.ThrowIfNull(fields);
        ArgumentNullException.ThrowIfNull(http);
        var to = message.To?.Trim(' '); // spaces only: a line break is an injection attempt, not padding
        if (!EmailAddress.IsValid(to))
        {
            throw http.Reject(
                "send",
                ConnectorErrorCode.InvalidRequestParameters,
                "The recipient must be exactly one email address such as user@example.com, without a display name, comma, semicolon, line break or invisible character.");
        }

        var type = message.Type.Value;
        var payload = message.Payload;
        var delivery = (deliveries.Find(message.Type) ?? throw http.Reject(
            "send",
            ConnectorErrorCode.TemplateNotFound,
            $"The {fields.Provider} config has no delivery for usage type '{SafeText.FromProvider(type, 64)}' and no '{EmailDeliveries.Generic}' delivery; add one under '{deliveries.Field}'."))
            .ForLocale(payload.Locale, payload.UiLocales);

        // A payload of plain strings only (no extra values) renders text-and-name templates without JSON data; any
        // other payload is written as JSON first, so a value that cannot be is refused whatever the templates use.
        var plain = EmailTemplateData.IsPlain(payload);
        JsonElement? data = plain ? null : Data(payload, null, http);
        string? Render(MessageTemplate? template, TemplateEscaping escaping, bool header)
        {
            if (template is null)
            {
                return null;
            }

            string value;
            try
            {
                if (!plain || !template.TryRenderFlat(payload, EmailTemplateData.Field, escaping, out value))
                {
                    data ??= Data(payload, null, http);
                    value = template.Render(data.Value, escaping);
                }
            }
            catch (TemplateRenderException exception)
            {
                throw http.Reject("send", ConnectorErrorCode.InvalidRequestParameters, $"The {fields.Provider} delivery for '{SafeText.FromProvider(type, 64)}' could not be rendered: {exception.Message} Check the payload values it loops over.");
            }

            // A header value is one line: no control character from a payload value may reach it.
            return header ? SafeText.SingleLine(value) : value;
        }

        var subject = Render(delivery.Subject, TemplateEscaping.None, header: true);
        var replyTo = Render(delivery.ReplyTo, TemplateEscaping.None, header: true);
        if (delivery.TemplateId is { } templateId)
        {
            return new ComposedEmail(to!, type, subject, null, null, replyTo, templateId, Data(payload, delivery.Variables, http));
        }

        return new ComposedEmail(to!, type, subject, Render(delivery.Html, TemplateEscaping.Html, header: false), Render(delivery.Text, TemplateEscaping.None, header: false), replyTo, null, null);
    }

    private static JsonElement Data(EmailPayload payload, JsonElement? defaults, ProviderHttpClient http) =>
        EmailTemplateData.TryCreate(payload, defaults, out var data, out var problem)
            ? data
            : throw http.Reject("send", ConnectorErrorCode.InvalidRequestParameters, problem);

    /// <summary>
    /// How every email provider's refusal reads, for <see cref="ProviderRequest.Inspect"/>: null for a 2xx (sent,
    /// whatever the body); 400 and 413 <see cref="ConnectorErrorCode.InvalidRequestParameters"/>; 401 and 403
    /// <see cref="ConnectorErrorCode.InvalidConfig"/> (<see cref="EmailDeliveryFields.CredentialsHint"/>); 404 likewise
    /// when the provider has a <see cref="EmailDeliveryFields.NotFoundHint"/>; 429 <see cref="ConnectorErrorCode.RateLimitExceeded"/>
    /// with the time to wait; anything else <see cref="ConnectorErrorCode.General"/>.
    /// </summary>
    /// <param name="response">The provider's answer.</param>
    /// <param name="fields">The provider's words.</param>
    /// <param name="explanation">The provider's own explanation from the body, already cut and cleaned (<see cref="SafeText.FromProvider"/>).</param>
    /// <param name="time">The clock a Unix-time rate-limit header is read against.</param>
    public static ProviderFailure? ReadFailure(ProviderResponse response, EmailDeliveryFields fields, string explanation, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(response);
        ArgumentNullException.ThrowIfNull(fields);
        if (response.IsSuccessStatusCode)
        {
            return null;
        }

        var said = $"failed with HTTP {response.StatusCode}: {explanation}";
        return response.StatusCode switch
        {
            400 => new ProviderFailure(ConnectorErrorCode.InvalidRequestParameters, $"{said}; {fields.Provider} rejected the message"),
            401 or 403 => new ProviderFailure(ConnectorErrorCode.InvalidConfig, $"{said}; {fields.CredentialsHint}"),
            404 when fields.NotFoundHint is { } hint => new ProviderFailure(ConnectorErrorCode.InvalidConfig, $"{said}; {hint}"),
            413 => new ProviderFailure(ConnectorErrorCode.InvalidRequestParameters, $"{said}; the message is too large"),
            429 => new ProviderFailure(ConnectorErrorCode.RateLimitExceeded, $"{said}; {fields.Provider} is rate limiting this account, try again later")
            {
                RetryAfter = response.RetryAfter(time, fields.RetryAfterHeader),
            },
            _ => new ProviderFailure(ConnectorErrorCode.General, said),
        };
    }
}
