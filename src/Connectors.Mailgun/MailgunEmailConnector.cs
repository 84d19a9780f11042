using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Connectors.Abstractions;
using HandlebarsDotNet;

namespace Connectors.Mailgun;

/// <summary>Sends verification emails through Mailgun's Messages API: one delivery per usage type, rendered with
/// precompiled Handlebars templates, one POST that is never repeated. Created by <see cref="MailgunConnectorFactory"/>.</summary>
public sealed class MailgunEmailConnector : IEmailConnector
{
    private const string Generic = "Generic";

    private readonly MailgunConfig _config;
    private readonly IReadOnlyDictionary<string, CompiledDelivery> _deliveries;
    private readonly MailgunOptions _options;
    private readonly ProviderHttpClient _http;
    private readonly TimeProvider _time;
    private readonly Uri _messagesUri;
    private readonly AuthenticationHeaderValue _authorization;

    internal MailgunEmailConnector(MailgunConfig config, IReadOnlyDictionary<string, CompiledDelivery> deliveries, MailgunOptions options, ProviderHttpClient http, TimeProvider time)
    {
        _config = config;
        _deliveries = deliveries;
        _options = options;
        _http = http;
        _time = time;
        _messagesUri = new Uri($"{config.Endpoint.GetLeftPart(UriPartial.Authority)}/v3/{Uri.EscapeDataString(config.Domain)}/messages");
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
    /// </remarks>
    /// <exception cref="ConnectorException">
    /// <see cref="ConnectorErrorCode.InvalidRequestParameters"/> for a recipient that is not exactly one address
    /// (before any request), a 400 or a 413; <see cref="ConnectorErrorCode.TemplateNotFound"/>;
    /// <see cref="ConnectorErrorCode.InvalidConfig"/> for 401/403 (API key, region) and 404 (domain, region);
    /// <see cref="ConnectorErrorCode.RateLimitExceeded"/> (429, with <see cref="ConnectorException.RetryAfter"/>);
    /// <see cref="ConnectorErrorCode.General"/> for 5xx, timeouts and network failures.
    /// </exception>
    public async Task<EmailSendResult> SendAsync(EmailMessage message, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(message);
        ArgumentNullException.ThrowIfNull(message.Payload);
        var to = message.To?.Trim(' '); // spaces only: a line break is an injection attempt, not padding
        if (!EmailAddress.IsValid(to))
        {
            throw new ConnectorException(
                ConnectorErrorCode.InvalidRequestParameters,
                "The recipient must be exactly one email address such as user@example.com, without a display name, comma, semicolon or line break.")
            { Provider = MailgunConnectorFactory.ProviderName };
        }

        var type = message.Type.Value;
        if (!_deliveries.TryGetValue(type, out var delivery) && !_deliveries.TryGetValue(Generic, out delivery))
        {
            throw new ConnectorException(
                ConnectorErrorCode.TemplateNotFound,
                $"The Mailgun config has no delivery for usage type '{type}' and no '{Generic}' delivery; add one under 'deliveries'.")
            { Provider = MailgunConnectorFactory.ProviderName };
        }

        var payload = message.Payload;
        delivery = delivery.ForLocale(payload.Locale ?? payload.UiLocales?.Split(' ', StringSplitOptions.RemoveEmptyEntries).FirstOrDefault());
        var fields = BuildFields(to!, type, delivery, payload);

        var json = await _http.SendAsync(
            new ProviderRequest("send", HttpMethod.Post, _messagesUri, RequestSafety.Unsafe) // no idempotency key: a repeat could send twice
            {
                Authorization = _authorization,
                Content = () => new FormUrlEncodedContent(fields),
                Inspect = Inspect,
            },
            cancellationToken).ConfigureAwait(false);

        var id = json.ValueKind == JsonValueKind.Object ? json.GetStringOrNull("id") : null;
        return id is null
            ? throw _http.Fail("send", new ProviderFailure(ConnectorErrorCode.InvalidResponse, "accepted the message but returned no id"), 200)
            : new EmailSendResult(id);
    }

    private List<KeyValuePair<string, string>> BuildFields(string to, string type, CompiledDelivery delivery, EmailPayload payload)
    {
        var context = MailgunTemplates.Context(payload);
        var fields = new List<KeyValuePair<string, string>>(10)
        {
            new("from", _config.From),
            new("to", to),
        };

        void Add(string name, HandlebarsTemplate<object, object>? template, bool singleLine = false)
        {
            if (template is null)
            {
                return;
            }

            var value = Render(template, context, type);
            fields.Add(new(name, singleLine ? value.ReplaceLineEndings(" ") : value));
        }

        Add("subject", delivery.Subject, singleLine: true);
        if (delivery.Template is { } template)
        {
            fields.Add(new("template", template));
            fields.Add(new("h:X-Mailgun-Variables", MailgunTemplates.Variables(delivery.Variables, payload)));
        }
        else
        {
            Add("html", delivery.Html);
            Add("text", delivery.Text);
        }

        Add("h:Reply-To", delivery.ReplyTo, singleLine: true);
        if (_options.TestMode)
        {
            fields.Add(new("o:testmode", "yes"));
        }

        if (_options.TagWithUsageType && type.Length <= 128 && type.All(char.IsAscii))
        {
            fields.Add(new("o:tag", type));
        }

        return fields;
    }

    private static string Render(HandlebarsTemplate<object, object> template, Dictionary<string, object?> context, string type)
    {
        try
        {
            return template(context);
        }
        catch (HandlebarsException exception)
        {
            throw new ConnectorException(
                ConnectorErrorCode.InvalidConfig,
                $"The Mailgun delivery for '{type}' could not be rendered ({exception.Message.Split('\n')[0]}); check its Handlebars templates.")
            { Provider = MailgunConnectorFactory.ProviderName };
        }
    }

    private ProviderFailure? Inspect(ProviderResponse response)
    {
        if (response.IsSuccessStatusCode)
        {
            return null;
        }

        var said = $"failed with HTTP {response.StatusCode}: {MailgunMessage(response)}";
        return response.StatusCode switch
        {
            400 => new ProviderFailure(ConnectorErrorCode.InvalidRequestParameters, $"{said}; Mailgun rejected the message"),
            401 or 403 => new ProviderFailure(ConnectorErrorCode.InvalidConfig, $"{said}; check the API key, and that the endpoint's region (US https://api.mailgun.net, EU https://api.eu.mailgun.net) matches the domain's"),
            404 => new ProviderFailure(ConnectorErrorCode.InvalidConfig, $"{said}; the domain was not found in this region: check the domain and the endpoint"),
            413 => new ProviderFailure(ConnectorErrorCode.InvalidRequestParameters, $"{said}; the message is too large"),
            429 => new ProviderFailure(ConnectorErrorCode.RateLimitExceeded, $"{said}; Mailgun is rate limiting this account, try again later") { RetryAfter = RetryAfter(response) },
            _ => new ProviderFailure(ConnectorErrorCode.General, said),
        };
    }

    /// <summary>Mailgun's explanation: JSON <c>message</c>, or a short plain-text body (<c>Forbidden</c>).</summary>
    private static string MailgunMessage(ProviderResponse response)
    {
        if (response.TryGetJson(out var json) && json.ValueKind == JsonValueKind.Object && json.GetStringOrNull("message") is { } message)
        {
            return message.Length <= 300 ? message : message[..300];
        }

        return response.MediaType is "text/plain" or null && response.Body.Length is > 0 and <= 300
            ? response.BodyText()
            : "no message";
    }

    private TimeSpan? RetryAfter(ProviderResponse response)
    {
        if (response.RetryAfter(_time) is { } retryAfter)
        {
            return retryAfter;
        }

        // Mailgun's own header: a Unix time (fractions allowed) at which sending may resume.
        if (response.Headers.TryGetValues("X-RateLimit-Reset", out var values)
            && double.TryParse(values.FirstOrDefault(), NumberStyles.Float, CultureInfo.InvariantCulture, out var reset))
        {
            var wait = DateTimeOffset.FromUnixTimeMilliseconds((long)(reset * 1000)) - _time.GetUtcNow();
            return wait > TimeSpan.Zero ? wait : TimeSpan.Zero;
        }

        return null;
    }
}
