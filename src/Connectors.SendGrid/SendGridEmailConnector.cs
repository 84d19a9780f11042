using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
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
    /// <exception cref="ConnectorException">As <see cref="EmailComposer.Compose"/> before any request, then as
    /// <see cref="EmailComposer.ReadFailure"/> (401/403: API key, region, sender identity), timeouts and network
    /// failures <see cref="ConnectorErrorCode.General"/>.</exception>
    public async Task<EmailSendResult> SendAsync(EmailMessage message, CancellationToken cancellationToken = default)
    {
        var email = EmailComposer.Compose(message, config.Templates, SendGridConfig.Fields, http);
        var body = Encoding.UTF8.GetBytes(Body(email).ToJsonString());
        var response = await http.SendAsync(
            new ProviderRequest("send", HttpMethod.Post, _sendUri, RequestSafety.Unsafe) // no idempotency key: a repeat could send twice
            {
                Authorization = _authorization,
                Content = () => new ByteArrayContent(body) { Headers = { ContentType = new MediaTypeHeaderValue("application/json") } },
                Inspect = response => EmailComposer.ReadFailure(response, SendGridConfig.Fields, response.IsSuccessStatusCode ? string.Empty : Errors(response), http.TimeProvider),
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

    /// <summary>The Mail Send JSON of <paramref name="email"/>: a stored template's id and data, or the text/plain and
    /// text/html parts (in that order, as SendGrid requires).</summary>
    private JsonObject Body(ComposedEmail email)
    {
        var to = Object(("to", new JsonArray(Address(email.To, null))), ("dynamic_template_data", email.TemplateData is { } data ? JsonObject.Create(data) : null));
        var content = email.TemplateId is null ? new JsonArray([.. new[] { ("text/plain", email.Text), ("text/html", email.Html) }.Where(p => p.Item2 is not null).Select(p => (JsonNode)Object(("type", p.Item1), ("value", p.Item2)))]) : null;
        return Object(
            ("personalizations", new JsonArray(to)),
            ("from", Address(config.FromEmail, config.FromName)),
            ("reply_to", email.ReplyTo is { } replyTo ? Address(replyTo, null) : null),
            ("subject", email.Subject),
            ("template_id", email.TemplateId),
            ("content", content),
            ("mail_settings", options.SandboxMode ? Object(("sandbox_mode", Object(("enable", true)))) : null));

        static JsonObject Address(string address, string? name) => Object(("email", address), ("name", name));
    }

    /// <summary>An object of the properties that have a value: SendGrid refuses a null where it expects an object.</summary>
    private static JsonObject Object(params (string Name, JsonNode? Value)[] properties)
    {
        var json = new JsonObject();
        foreach (var (name, value) in properties.Where(p => p.Value is not null))
        {
            json[name] = value;
        }

        return json;
    }

    /// <summary>SendGrid's explanation: the messages of its <c>errors</c> array, with the fields they name.</summary>
    private static string Errors(ProviderResponse response) =>
        response.TryGetJson(out var json) && json.ValueKind == JsonValueKind.Object && json.TryGetProperty("errors", out var errors) && errors.ValueKind == JsonValueKind.Array
            ? SafeText.FromProvider(string.Join("; ", errors.EnumerateArray().Take(3).Select(e => (e.GetStringOrNull("field") is { } field ? $"{field}: " : string.Empty) + e.GetStringOrNull("message"))), 300) ?? "no message"
            : "no message";

    [LoggerMessage(EventId = 7001, Level = LogLevel.Warning, Message = "SendGrid accepted the message (HTTP {StatusCode}) without an X-Message-Id; it is sent, without a message id")]
    private static partial void LogAcceptedWithoutId(ILogger logger, int statusCode);
}
