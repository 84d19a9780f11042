using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;

namespace Connectors.SendGrid.Tests;

[Collection(WireMockTest.Collection)]
public sealed class SendGridTests(WireMockFixture fixture) : WireMockTest(fixture), IDisposable
{
    private const string ApiKey = "SG.sendgrid-key-S3CR3T";
    private const string Code = "483920";
    private const string MessageId = "14c5d75ce93.dfd.64b469.filter0001.16648.5515E0B88.0";
    private readonly List<ServiceProvider> _providers = [];

    // Logto's default SendGrid templates (its console's form default), with one localized HTML entry and a dynamic template.
    private const string Templates = """
        [
          { "usageType": "SignIn", "type": "text/plain", "subject": "Logto SignIn Template", "content": "Your Logto sign-in verification code is {{code}}. The code will remain active for 10 minutes." },
          { "usageType": "Register", "type": "text/html", "subject": "Welcome {{user.name}}", "content": "<p>Code <b>{{code}}</b> for {{user.name}}</p>" },
          { "usageType": "Register", "locale": "de", "type": "text/html", "subject": "Willkommen", "content": "<p>Code {{code}}</p>" },
          { "usageType": "ForgotPassword", "templateId": "d-0123456789abcdef", "variables": { "product": "Bookstore" } },
          { "usageType": "Generic", "type": "text/plain", "subject": "Your code", "content": "{{code}}" }
        ]
        """;

    private ManualTimeProvider Time { get; } = new();

    private IEmailConnector Connector(string? templates = null, Action<SendGridOptions>? configure = null, string from = "\"fromEmail\": \"noreply@example.com\", \"fromName\": \"Example Sign-in\"")
    {
        var provider = ConnectorHost.Build(Logs, b => b.AddSendGrid(o =>
        {
            o.BaseAddress = WireMock.BaseUri;
            o.Http.RetryBaseDelay = TimeSpan.Zero;
            configure?.Invoke(o);
        }), Time);
        _providers.Add(provider);
        return provider.Create<IEmailConnector>(SendGridConnectorFactory.ConnectorId, $$"""{ "apiKey": "{{ApiKey}}", {{from}}, "templates": {{templates ?? Templates}} }""");
    }

    private static EmailMessage Message(UsageType type, string? locale = null, JsonObject? extra = null) =>
        new("ada@example.com", type, new EmailPayload { Code = Code, Locale = locale, Extra = extra });

    private async Task<JsonNode> SendAndReceiveAsync(IEmailConnector connector, EmailMessage message)
    {
        await WireMock.LoadContractAsync("sendgrid/mail-send.json");
        (await connector.SendAsync(message)).MessageId.Should().Be(MessageId);
        var request = (await WireMock.GetRequestsAsync()).Should().ContainSingle().Subject;
        (request.Method, request.Path).Should().Be(("POST", "/v3/mail/send"));
        request.Header("Authorization").Should().Be("Bearer " + ApiKey);
        request.Header("Content-Type").Should().StartWith("application/json");
        return JsonNode.Parse(request.Body)!;
    }

    private static void ShouldBeJson(JsonNode actual, string expected) =>
        JsonNode.DeepEquals(actual, JsonNode.Parse(expected)).Should().BeTrue("the body was {0}", actual.ToJsonString());

    [Fact]
    public async Task A_plain_text_template_is_sent_as_Logto_sends_it()
    {
        var body = await SendAndReceiveAsync(Connector(), Message(UsageType.SignIn));
        ShouldBeJson(body, """
            {
              "personalizations": [ { "to": [ { "email": "ada@example.com" } ] } ],
              "from": { "email": "noreply@example.com", "name": "Example Sign-in" },
              "subject": "Logto SignIn Template",
              "content": [ { "type": "text/plain", "value": "Your Logto sign-in verification code is 483920. The code will remain active for 10 minutes." } ]
            }
            """);
    }

    [Fact]
    public async Task An_html_template_is_rendered_with_escaping_and_its_locale_variant_chosen()
    {
        var extra = new JsonObject { ["user"] = new JsonObject { ["name"] = "Ada <admin>" } };
        var body = await SendAndReceiveAsync(Connector(), Message(UsageType.Register, extra: extra));
        body["subject"]!.GetValue<string>().Should().Be("Welcome Ada <admin>", "a subject is plain text");
        ShouldBeJson(body["content"]!, """[ { "type": "text/html", "value": "<p>Code <b>483920</b> for Ada &lt;admin&gt;</p>" } ]""");

        await WireMock.ResetAsync();
        body = await SendAndReceiveAsync(Connector(), Message(UsageType.Register, locale: "de-AT"));
        body["subject"]!.GetValue<string>().Should().Be("Willkommen");
    }

    [Fact]
    public async Task A_dynamic_template_gets_its_id_and_data_and_no_content()
    {
        var body = await SendAndReceiveAsync(Connector(configure: o => o.SandboxMode = true), Message(UsageType.ForgotPassword));
        ShouldBeJson(body, """
            {
              "personalizations": [ { "to": [ { "email": "ada@example.com" } ], "dynamic_template_data": { "product": "Bookstore", "code": "483920" } } ],
              "from": { "email": "noreply@example.com", "name": "Example Sign-in" },
              "template_id": "d-0123456789abcdef",
              "mail_settings": { "sandbox_mode": { "enable": true } }
            }
            """);
    }

    [Fact]
    public async Task Usage_types_without_a_template_use_Generic_and_a_missing_fromName_is_left_out()
    {
        var body = await SendAndReceiveAsync(Connector(from: "\"fromEmail\": \"noreply@example.com\""), Message(UsageType.MfaVerification));
        ShouldBeJson(body["from"]!, """{ "email": "noreply@example.com" }""");
        body["subject"]!.GetValue<string>().Should().Be("Your code");
    }

    [Theory]
    [InlineData(400, """{"errors":[{"message":"Does not contain a valid address.","field":"personalizations.0.to.0.email"}]}""", ConnectorErrorCode.InvalidRequestParameters, "HTTP 400: personalizations.0.to.0.email: Does not contain a valid address.; SendGrid rejected the message")]
    [InlineData(401, """{"errors":[{"message":"The provided authorization grant is invalid, expired, or revoked","field":null}]}""", ConnectorErrorCode.InvalidConfig, "check the API key (its region must match")]
    [InlineData(403, """{"errors":[{"message":"The from address does not match a verified Sender Identity.","field":"from"}]}""", ConnectorErrorCode.InvalidConfig, "verified sender identity")]
    [InlineData(413, "", ConnectorErrorCode.InvalidRequestParameters, "HTTP 413: no message; the message is too large")]
    [InlineData(500, "<html>oops</html>", ConnectorErrorCode.General, "HTTP 500: no message")]
    [InlineData(404, """{"errors":[{"message":"Not found"}]}""", ConnectorErrorCode.General, "HTTP 404: Not found")]
    public async Task Refusals_map_to_connector_codes_are_sent_once_and_never_leak_the_key_or_the_code(int status, string body, ConnectorErrorCode expected, string text)
    {
        // SendGrid may echo what it was sent: the key and the message's content must still never surface.
        var echoed = body.Length > 0 && body[0] == '{' ? body.Replace("\"Not found\"", $"\"Not found {ApiKey} {Code}\"", StringComparison.Ordinal) : body;
        await WireMock.StubAsync($$"""
            { "request": { "method": "POST", "urlPath": "/v3/mail/send" },
              "response": { "status": {{status}}, "body": {{JsonSerializer.Serialize(echoed)}}, "headers": { "Content-Type": "application/json" } } }
            """);

        var error = (await FluentActions.Awaiting(() => Connector().SendAsync(Message(UsageType.SignIn))).Should().ThrowAsync<ConnectorException>()).Which;
        (error.Code, error.HttpStatusCode).Should().Be((expected, status));
        error.Message.Should().Contain(text);
        (await WireMock.CountAsync("POST", "/v3/mail/send")).Should().Be(1);
        SecretAssertions.Texts(error).Concat(Logs.AllText).ShouldNotContainAny(ApiKey, Code);
    }

    [Fact]
    public async Task A_rate_limit_says_when_to_try_again()
    {
        var reset = Time.GetUtcNow().AddSeconds(90).ToUnixTimeSeconds();
        await WireMock.StubAsync($$"""
            { "request": { "method": "POST", "urlPath": "/v3/mail/send" },
              "response": { "status": 429, "jsonBody": { "errors": [ { "message": "too many requests" } ] }, "headers": { "X-RateLimit-Reset": "{{reset}}" } } }
            """);

        var error = (await FluentActions.Awaiting(() => Connector().SendAsync(Message(UsageType.SignIn))).Should().ThrowAsync<ConnectorException>()).Which;
        error.Code.Should().Be(ConnectorErrorCode.RateLimitExceeded);
        error.RetryAfter.Should().Be(TimeSpan.FromSeconds(90));
        (await WireMock.CountAsync("POST", "/v3/mail/send")).Should().Be(1);
    }

    [Theory]
    [InlineData(200, "<html>unexpected</html>")]
    [InlineData(202, "")]
    public async Task Any_2xx_is_sent_even_without_a_message_id(int status, string body)
    {
        await WireMock.StubAsync($$"""
            { "request": { "method": "POST", "urlPath": "/v3/mail/send" }, "response": { "status": {{status}}, "body": {{JsonSerializer.Serialize(body)}} } }
            """);

        (await Connector().SendAsync(Message(UsageType.SignIn))).MessageId.Should().BeNull();
        Logs.Entries.Should().ContainSingle(e => e.Id.Id == 7001);
        (await WireMock.CountAsync("POST", "/v3/mail/send")).Should().Be(1);
    }

    [Fact]
    public async Task A_send_that_times_out_is_not_repeated_and_counts_as_possibly_sent()
    {
        await WireMock.StubAsync("""
            { "request": { "method": "POST", "urlPath": "/v3/mail/send" }, "response": { "status": 202, "fixedDelayMilliseconds": 60000 } }
            """);
        var connector = Connector(configure: o => { o.Http.AttemptTimeout = TimeSpan.FromMinutes(10); o.Http.OverallTimeout = TimeSpan.FromMinutes(10); });

        var send = connector.SendAsync(Message(UsageType.SignIn));
        await WireMock.WaitForCountAsync("POST", "/v3/mail/send", 1);
        Time.Advance(TimeSpan.FromMinutes(11));

        var error = (await FluentActions.Awaiting(() => send).Should().ThrowAsync<ConnectorException>()).Which;
        error.OutcomeUnknown.Should().BeTrue();
        (await WireMock.StableCountAsync("POST", "/v3/mail/send")).Should().Be(1);
    }

    [Fact]
    public void Config_problems_are_listed_with_their_paths_and_the_key_never_prints()
    {
        using var provider = ConnectorHost.Build(Logs, b => b.AddSendGrid());
        var factory = provider.GetRequiredService<SendGridConnectorFactory>();
        factory.Validate(ConnectorHost.Json("""{ "fromEmail": "Ada <ada@example.com>", "templates": [ { "usageType": "SignIn", "type": "text/markdown", "subject": "s", "content": "c" } ] }"""))
            .Select(e => e.ToString()).Should().Equal(
                "apiKey: is required",
                "fromEmail: must be one bare address such as noreply@example.com",
                "templates[0].type: must be text/html or text/plain");
        factory.ParseConfig(ConnectorHost.Json($$"""{ "apiKey": "{{ApiKey}}", "fromEmail": "a@example.com", "templates": {{Templates}} }""")).ToString().Should().NotContain(ApiKey);
        factory.Validate(factory.Metadata.FormItems.Single(i => i.Key == "templates").DefaultValue is { } defaults
            ? ConnectorHost.Json($$"""{ "apiKey": "k", "fromEmail": "a@example.com", "templates": {{defaults.GetRawText()}} }""")
            : default).Should().BeEmpty("the form's default templates are a valid config");
    }

    [Fact]
    public async Task Options_are_checked_at_start()
    {
        using var provider = ConnectorHost.Build(Logs, b => b.AddSendGrid(o => o.BaseAddress = new Uri("/relative", UriKind.Relative)));
        var act = () => provider.GetRequiredService<Microsoft.Extensions.Options.IOptions<SendGridOptions>>().Value;
        act.Should().Throw<Microsoft.Extensions.Options.OptionsValidationException>().Which.Message.Should().Contain("SendGridOptions.BaseAddress");
        await Task.CompletedTask;
    }

    public void Dispose() => _providers.ForEach(p => p.Dispose());
}
