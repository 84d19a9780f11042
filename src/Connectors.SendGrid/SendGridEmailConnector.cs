using System.Net.Http.Headers;
using System.Text.Json;
using Connectors.Abstractions;
using Connectors.Abstractions.Providers;
using Microsoft.Extensions.Logging;

namespace Connectors.SendGrid;

/// <summary>Sends verification emails through SendGrid's v3 Mail Send API on the email engine: one POST of JSON that
/// is never repeated; any 2xx is a sent message, its id SendGrid's <c>X-Message-Id</c>.</summary>
internal sealed partial class SendGridEmailConnector(SendGridConfig config, SendGridOptions options, ProviderHttpClient http, ILogger logger) : IEmailConnector
{
    private readonly Uri _sendUri = ProviderEndpoint.Combine(options.BaseAddress, "v3/mail/send");
    private readonly AuthenticationHeaderValue _authorization = new("Bearer", config.ApiKey.Reveal());

    /// <inheritdoc/>
    public ConnectorMetadata Metadata => SendGridConnectorFactory.ConnectorMetadata;

    /// <inheritdoc/>
    /// <exception cref="ConnectorException">As <see cref="EmailComposer.Compose"/> before any request; then
    /// <see cref="ConnectorErrorCode.InvalidRequestParameters"/> (400, 413), <see cref="ConnectorErrorCode.InvalidConfig"/>
    /// (401 API key, 403 sender identity or permission), <see cref="ConnectorErrorCode.RateLimitExceeded"/> (429),
    /// <see cref="ConnectorErrorCode.General"/> (5xx, timeouts, network).</exception>
    public async Task<EmailSendResult> SendAsync(EmailMessage message, CancellationToken cancellationToken = default)
    {
        var email = EmailComposer.Compose(message, config.Templates, SendGridConfig.Fields, http);
        var body = Body(email);
        var response = await http.SendAsync(
            new ProviderRequest("send", HttpMethod.Post, _sendUri, RequestSafety.Unsafe) // no idempotency key: a repeat could send twice
            {
                Authorization = _authorization,
                Content = () => new ByteArrayContent(body) { Headers = { ContentType = new MediaTypeHeaderValue("application/json") } },
                Inspect = Inspect,
                Secrets = [config.ApiKey.Reveal(), message.Payload.Code ?? string.Empty, message.Payload.Link ?? string.Empty],
                AcceptAnySuccessBody = true, // SendGrid queued the message
            },
            cancellationToken).ConfigureAwait(false);

        var id = response.Headers.TryGetValues("X-Message-Id", out var values) ? SafeText.FromProvider(values.FirstOrDefault(), 200) : null;
        if (id is null)
        {
            LogAcceptedWithoutId(logger, response.StatusCode);
        }

        return new EmailSendResult(id);
    }

    /// <summary>The Mail Send JSON of <paramref name="email"/>.</summary>
    private byte[] Body(ComposedEmail email)
    {
        using var buffer = new MemoryStream(1024);
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteStartArray("personalizations");
            json.WriteStartObject();
            json.WriteStartArray("to");
            Address(json, null, email.To, null);
            json.WriteEndArray();
            if (email.TemplateData is { } data)
            {
                json.WritePropertyName("dynamic_template_data");
                data.WriteTo(json);
            }

            json.WriteEndObject();
            json.WriteEndArray();
            Address(json, "from", config.FromEmail, config.FromName);
            if (email.ReplyTo is { } replyTo)
            {
                Address(json, "reply_to", replyTo, null);
            }

            if (email.Subject is { } subject)
            {
                json.WriteString("subject", subject);
            }

            if (email.TemplateId is { } templateId)
            {
                json.WriteString("template_id", templateId);
            }
            else
            {
                json.WriteStartArray("content"); // text/plain must come first
                Content(json, "text/plain", email.Text);
                Content(json, "text/html", email.Html);
                json.WriteEndArray();
            }

            if (options.SandboxMode)
            {
                json.WriteStartObject("mail_settings");
                json.WriteStartObject("sandbox_mode");
                json.WriteBoolean("enable", true);
                json.WriteEndObject();
                json.WriteEndObject();
            }

            json.WriteEndObject();
        }

        return buffer.ToArray();

        static void Address(Utf8JsonWriter json, string? property, string address, string? name)
        {
            if (property is null)
            {
                json.WriteStartObject();
            }
            else
            {
                json.WriteStartObject(property);
            }

            json.WriteString("email", address);
            if (name is not null)
            {
                json.WriteString("name", name);
            }

            json.WriteEndObject();
        }

        static void Content(Utf8JsonWriter json, string type, string? value)
        {
            if (value is not null)
            {
                json.WriteStartObject();
                json.WriteString("type", type);
                json.WriteString("value", value);
                json.WriteEndObject();
            }
        }
    }

    private ProviderFailure? Inspect(ProviderResponse response)
    {
        if (response.IsSuccessStatusCode)
        {
            return null;
        }

        var said = $"failed with HTTP {response.StatusCode}: {Errors(response)}";
        return response.StatusCode switch
        {
            400 => new ProviderFailure(ConnectorErrorCode.InvalidRequestParameters, $"{said}; SendGrid rejected the message"),
            401 => new ProviderFailure(ConnectorErrorCode.InvalidConfig, $"{said}; check the API key, and that its region matches SendGridOptions.BaseAddress (EU subusers use {SendGridOptions.EuBaseAddress.Host})"),
            403 => new ProviderFailure(ConnectorErrorCode.InvalidConfig, $"{said}; check that fromEmail is a verified sender identity and that the API key may send mail"),
            413 => new ProviderFailure(ConnectorErrorCode.InvalidRequestParameters, $"{said}; the message is too large"),
            429 => new ProviderFailure(ConnectorErrorCode.RateLimitExceeded, $"{said}; SendGrid is rate limiting this account, try again later")
            {
                RetryAfter = response.RetryAfter(http.TimeProvider, "X-RateLimit-Reset"), // a Unix time
            },
            _ => new ProviderFailure(ConnectorErrorCode.General, said),
        };
    }

    /// <summary>SendGrid's explanation: the messages of its <c>errors</c> array, with the fields they name.</summary>
    private static string Errors(ProviderResponse response)
    {
        if (!response.TryGetJson(out var json) || json.ValueKind != JsonValueKind.Object || !json.TryGetProperty("errors", out var errors) || errors.ValueKind != JsonValueKind.Array)
        {
            return "no message";
        }

        var messages = errors.EnumerateArray().Where(e => e.ValueKind == JsonValueKind.Object).Take(3)
            .Select(e => (e.GetStringOrNull("field") is { } field ? $"{field}: " : string.Empty) + e.GetStringOrNull("message"));
        return SafeText.FromProvider(string.Join("; ", messages), 300) ?? "no message";
    }

    [LoggerMessage(EventId = 7001, Level = LogLevel.Warning, Message = "SendGrid accepted the message (HTTP {StatusCode}) without an X-Message-Id; it is sent, without a message id")]
    private static partial void LogAcceptedWithoutId(ILogger logger, int statusCode);
}
