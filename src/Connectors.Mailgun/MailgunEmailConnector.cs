using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Connectors.Abstractions;
using Connectors.Abstractions.Providers;
using Microsoft.Extensions.Logging;

namespace Connectors.Mailgun;

/// <summary>Sends verification emails through Mailgun's Messages API: one delivery per usage type, rendered from the
/// templates parsed with the config, one POST that is never repeated, and a 2xx is always a sent message. Created by
/// <see cref="MailgunConnectorFactory"/>.</summary>
internal sealed partial class MailgunEmailConnector : IEmailConnector
{
    private readonly MailgunConfig _config;
    private readonly MailgunOptions _options;
    private readonly ProviderHttpClient _http;
    private readonly ILogger _logger;
    private readonly Uri _messagesUri;
    private readonly AuthenticationHeaderValue _authorization;

    internal MailgunEmailConnector(MailgunConfig config, MailgunOptions options, ProviderHttpClient http, ILogger logger)
    {
        _config = config;
        _options = options;
        _http = http;
        _logger = logger;
        _messagesUri = ProviderEndpoint.Combine(config.Endpoint, $"v3/{Uri.EscapeDataString(config.Domain)}/messages");
        _authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes("api:" + config.ApiKey.Reveal())));
    }

    /// <inheritdoc/>
    public ConnectorMetadata Metadata => MailgunConnectorFactory.ConnectorMetadata;

    /// <summary>The config this connector was created from (its API key prints as <c>***</c>).</summary>
    public MailgunConfig Config => _config;

    /// <inheritdoc/>
    /// <remarks>
    /// The delivery is the one for <see cref="EmailMessage.Type"/>, else <c>Generic</c>; its locale variant is chosen
    /// by <see cref="EmailPayload.Locale"/> (else the first of <see cref="EmailPayload.UiLocales"/>): the exact tag,
    /// then the language alone, then the delivery itself. Never retried once the request may have reached Mailgun.
    /// Any 2xx answer is a sent message, whatever its body: the result's <see cref="EmailSendResult.MessageId"/> is
    /// Mailgun's id when the body carries one, null otherwise (logged as a warning, event 3001).
    /// </remarks>
    /// <exception cref="ConnectorException">
    /// <see cref="ConnectorErrorCode.InvalidRequestParameters"/> for a recipient that is not exactly one address or a
    /// payload value that cannot be used (before any request), a 400 or a 413; <see cref="ConnectorErrorCode.TemplateNotFound"/>;
    /// <see cref="ConnectorErrorCode.InvalidConfig"/> for 401/403 (API key, region) and 404 (domain, region);
    /// <see cref="ConnectorErrorCode.RateLimitExceeded"/> (429, with <see cref="ConnectorException.RetryAfter"/>);
    /// <see cref="ConnectorErrorCode.General"/> for 5xx, timeouts and network failures.
    /// </exception>
    public async Task<EmailSendResult> SendAsync(EmailMessage message, CancellationToken cancellationToken = default)
    {
        var email = EmailComposer.Compose(message, _config.Deliveries, MailgunConfig.DeliveryFields, _http);
        var fields = Fields(email);
        var payload = message.Payload;

        var response = await _http.SendAsync(
            new ProviderRequest("send", HttpMethod.Post, _messagesUri, RequestSafety.Unsafe) // no idempotency key: a repeat could send twice
            {
                Authorization = _authorization,
                Content = () => new FormUrlEncodedContent(fields),
                Inspect = Inspect,
                Secrets = [_config.ApiKey.Reveal(), _authorization.Parameter!, payload.Code ?? string.Empty, payload.Link ?? string.Empty],
                AcceptAnySuccessBody = true, // Mailgun queued the message: reporting a failure now could make the host send it again
            },
            cancellationToken).ConfigureAwait(false);

        var id = response.TryGetJson(out var json) && json.ValueKind == JsonValueKind.Object ? json.GetStringOrNull("id") : null;
        if (id is null)
        {
            LogAcceptedWithoutId(_logger, response.StatusCode, response.BodyProblem ?? (response.Body.IsEmpty ? "an empty body" : "a body without an id"));
        }

        return new EmailSendResult(id);
    }

    /// <summary>The Messages API form of <paramref name="email"/>.</summary>
    private List<KeyValuePair<string, string>> Fields(ComposedEmail email)
    {
        var fields = new List<KeyValuePair<string, string>>(10) { new("from", _config.From), new("to", email.To) };
        void Add(string name, string? value)
        {
            if (value is not null)
            {
                fields.Add(new(name, value));
            }
        }

        Add("subject", email.Subject);
        Add("template", email.TemplateId);
        Add("h:X-Mailgun-Variables", email.TemplateData?.GetRawText());
        Add("html", email.Html);
        Add("text", email.Text);
        Add("h:Reply-To", email.ReplyTo);
        if (_options.TestMode)
        {
            fields.Add(new("o:testmode", "yes"));
        }

        var type = email.UsageType;
        if (_options.TagWithUsageType && type.Length <= 128 && type.All(c => c is > ' ' and < '\u007F'))
        {
            fields.Add(new("o:tag", type));
        }

        return fields;
    }

    private ProviderFailure? Inspect(ProviderResponse response) =>
        EmailComposer.ReadFailure(response, MailgunConfig.DeliveryFields, response.IsSuccessStatusCode ? string.Empty : MailgunMessage(response), _http.TimeProvider);

    /// <summary>Mailgun's explanation: JSON <c>message</c>, or a short plain-text body (<c>Forbidden</c>).</summary>
    private static string MailgunMessage(ProviderResponse response)
    {
        if (response.TryGetJson(out var json) && json.ValueKind == JsonValueKind.Object && SafeText.FromProvider(json.GetStringOrNull("message"), 300) is { } message)
        {
            return message;
        }

        return response.MediaType is "text/plain" or null && response.Body.Length is > 0 and <= 300
            ? response.BodyText(300) ?? "no message"
            : "no message";
    }

    [LoggerMessage(EventId = 3001, Level = LogLevel.Warning, Message = "Mailgun accepted the message (HTTP {StatusCode}) but answered with {What}; it is sent, without a message id")]
    private static partial void LogAcceptedWithoutId(ILogger logger, int statusCode, string what);
}
