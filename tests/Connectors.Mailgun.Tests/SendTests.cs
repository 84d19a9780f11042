using System.Net;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;

namespace Connectors.Mailgun.Tests;

[Collection(WireMockTest.Collection)]
public sealed class SendTests(WireMockFixture fixture) : MailgunTestBase(fixture)
{
    private const string HtmlDelivery = """{ "SignIn": { "subject": "Sign-in code {{code}}", "html": "<p>Your code is {{code}}</p>" } }""";

    [Fact]
    public async Task Html_delivery_renders_code_in_subject_and_body()
    {
        var request = await SendAndReceiveAsync(Connector(HtmlDelivery), Message(UsageType.SignIn));

        request.Form.Should().Equal(new Dictionary<string, string>
        {
            ["from"] = "Example Sign-in <noreply@example.com>",
            ["to"] = "ada@example.com",
            ["subject"] = $"Sign-in code {Code}",
            ["html"] = $"<p>Your code is {Code}</p>",
        });
    }

    [Fact]
    public async Task Text_part_and_reply_to_are_rendered()
    {
        var connector = Connector("""
            { "Register": { "subject": "Welcome", "html": "<b>{{code}}</b>", "text": "Code: {{code}}", "replyTo": "support+{{application.name}}@example.com" } }
            """);

        var request = await SendAndReceiveAsync(connector, Message(UsageType.Register, extra: new JsonObject { ["application"] = new JsonObject { ["name"] = "bookstore" } }));

        request.Form.Should().Equal(new Dictionary<string, string>
        {
            ["from"] = "Example Sign-in <noreply@example.com>",
            ["to"] = "ada@example.com",
            ["subject"] = "Welcome",
            ["html"] = $"<b>{Code}</b>",
            ["text"] = $"Code: {Code}",
            ["h:Reply-To"] = "support+bookstore@example.com",
        });
    }

    [Fact]
    public async Task Stored_template_sends_variables_merged_with_the_payload()
    {
        var connector = Connector("""{ "Generic": { "template": "verification", "subject": "Code {{code}}", "variables": { "foo": "bar" } } }""");

        var request = await SendAndReceiveAsync(connector, Message(UsageType.Generic));

        request.Form.Should().Equal(new Dictionary<string, string>
        {
            ["from"] = "Example Sign-in <noreply@example.com>",
            ["to"] = "ada@example.com",
            ["subject"] = $"Code {Code}",
            ["template"] = "verification",
            ["h:X-Mailgun-Variables"] = """{"foo":"bar","code":"483920"}""",
        });
    }

    [Fact]
    public async Task Payload_wins_over_template_variables()
    {
        var connector = Connector("""{ "SignIn": { "template": "t", "variables": { "code": "from-config", "brand": { "color": "red" } } } }""");
        var extra = new JsonObject { ["user"] = new JsonObject { ["primaryEmail"] = "ada@example.com" } };

        var request = await SendAndReceiveAsync(connector, Message(UsageType.SignIn, link: "https://id.example.com/l", locale: "en", extra: extra));

        request.Form["h:X-Mailgun-Variables"].Should().Be(
            """{"code":"483920","brand":{"color":"red"},"user":{"primaryEmail":"ada@example.com"},"link":"https://id.example.com/l","locale":"en"}""");
        request.Form.Should().NotContainKey("subject").And.NotContainKey("html");
    }

    [Fact]
    public async Task Unknown_usage_type_falls_back_to_Generic()
    {
        var connector = Connector("""{ "Generic": { "subject": "Generic {{code}}", "html": "generic" }, "SignIn": { "html": "sign-in" } }""");

        var request = await SendAndReceiveAsync(connector, Message(UsageType.ForgotPassword));

        request.Form["subject"].Should().Be($"Generic {Code}");
        request.Form["html"].Should().Be("generic");
    }

    [Theory]
    [InlineData("{}", "Generic")]
    [InlineData("""{ "SignIn": { "html": "x" } }""", "foo")]
    public async Task No_delivery_and_no_Generic_is_TemplateNotFound_without_a_request(string deliveries, string type)
    {
        var act = () => Connector(deliveries).SendAsync(Message(type));

        var error = (await act.Should().ThrowAsync<ConnectorException>()).Which;
        error.Code.Should().Be(ConnectorErrorCode.TemplateNotFound);
        error.Message.Should().Contain($"'{type}'");
        (await WireMock.GetRequestsAsync()).Should().BeEmpty();
    }

    [Fact]
    public async Task Organization_invitation_renders_the_link()
    {
        var connector = Connector("""{ "OrganizationInvitation": { "subject": "Join us", "html": "<a href=\"{{link}}\">Accept</a>" } }""");

        var request = await SendAndReceiveAsync(connector, Message(UsageType.OrganizationInvitation, link: "https://id.example.com/invite?token=abc&org=1"));

        request.Form["html"].Should().Be("<a href=\"https://id.example.com/invite?token&#x3D;abc&amp;org&#x3D;1\">Accept</a>");
    }

    [Fact]
    public async Task Nested_payload_values_are_rendered()
    {
        var connector = Connector("""{ "Generic": { "subject": "{{application.name}} code", "html": "<p>Hi {{user.primaryEmail}}, {{code}}</p>", "text": "{{organization.name}}|{{missing.value}}|" } }""");
        var extra = new JsonObject
        {
            ["user"] = new JsonObject { ["primaryEmail"] = "ada@example.com" },
            ["application"] = new JsonObject { ["name"] = "Bookstore" },
            ["organization"] = new JsonObject { ["name"] = "Analytical Engines" },
        };

        var request = await SendAndReceiveAsync(connector, Message(UsageType.Generic, extra: extra));

        request.Form["subject"].Should().Be("Bookstore code");
        request.Form["html"].Should().Be($"<p>Hi ada@example.com, {Code}</p>");
        request.Form["text"].Should().Be("Analytical Engines||");
    }

    [Fact]
    public async Task Values_are_HTML_escaped_in_html_but_not_in_text_or_subject()
    {
        var connector = Connector("""{ "Generic": { "subject": "{{application.name}}", "html": "<p>{{application.name}}</p>", "text": "{{application.name}}" } }""");
        var extra = new JsonObject { ["application"] = new JsonObject { ["name"] = "<script>alert(1)</script>" } };

        var request = await SendAndReceiveAsync(connector, Message(UsageType.Generic, extra: extra));

        request.Form["html"].Should().Be("<p>&lt;script&gt;alert(1)&lt;/script&gt;</p>");
        request.Form["text"].Should().Be("<script>alert(1)</script>");
        request.Form["subject"].Should().Be("<script>alert(1)</script>");
    }

    [Fact]
    public async Task Line_breaks_in_subject_and_reply_to_values_are_flattened()
    {
        var connector = Connector("""{ "Generic": { "subject": "Code for {{application.name}}", "html": "x", "replyTo": "{{application.name}}" } }""");
        var extra = new JsonObject { ["application"] = new JsonObject { ["name"] = "App\r\nBcc: victim@example.com" } };

        var request = await SendAndReceiveAsync(connector, Message(UsageType.Generic, extra: extra));

        request.Form["subject"].Should().Be("Code for App Bcc: victim@example.com");
        request.Form["h:Reply-To"].Should().NotContain("\n").And.NotContain("\r");
    }

    [Theory]
    [InlineData("zh-CN", "验证码 483920")]
    [InlineData("zh-TW", "中文 483920")]
    [InlineData("fr", "Code 483920")]
    [InlineData(null, "Code 483920")]
    public async Task Locale_picks_the_exact_tag_then_the_language_then_the_delivery(string? locale, string subject)
    {
        var connector = Connector("""
            { "SignIn": { "subject": "Code {{code}}", "html": "en",
                          "locales": { "zh-CN": { "subject": "验证码 {{code}}", "html": "zh-CN" }, "zh": { "subject": "中文 {{code}}", "html": "zh" } } } }
            """);

        var request = await SendAndReceiveAsync(connector, Message(UsageType.SignIn, locale: locale));

        request.Form["subject"].Should().Be(subject);
    }

    [Fact]
    public async Task Test_mode_and_usage_type_tag_come_from_host_options()
    {
        var connector = Connector(HtmlDelivery, o =>
        {
            o.TestMode = true;
            o.TagWithUsageType = true;
        });

        var request = await SendAndReceiveAsync(connector, Message(UsageType.SignIn));

        request.Form["o:testmode"].Should().Be("yes");
        request.Form["o:tag"].Should().Be("SignIn");
    }

    [Fact]
    public async Task EU_endpoint_sends_to_the_EU_host()
    {
        var handler = new RecordingHandler();
        var connector = Services(services: s => s.AddHttpClient(MailgunConnectorFactory.HttpClientName).ConfigurePrimaryHttpMessageHandler(() => handler))
            .Create<IEmailConnector>(MailgunConnectorFactory.ConnectorId, Config(HtmlDelivery, "https://api.eu.mailgun.net"));

        var result = await connector.SendAsync(Message(UsageType.SignIn));

        result.MessageId.Should().Be("<eu@example.com>");
        handler.Requests.Should().ContainSingle().Which.Should().Be("POST https://api.eu.mailgun.net/v3/example.com/messages");
    }

    [Fact]
    public async Task Thousand_concurrent_sends_through_connectors_created_from_the_same_JSON_each_send_once()
    {
        await WireMock.LoadContractAsync("mailgun/messages.json");
        var services = Services();
        var registry = services.GetRequiredService<IConnectorRegistry>();
        var json = ConnectorHost.Json(Config(HtmlDelivery));

        // The HTTP timeouts run on the manual clock: however slowly a busy machine works through 1,000 sends, none times out.
        await Parallel.ForEachAsync(Enumerable.Range(0, 1000), new ParallelOptions { MaxDegreeOfParallelism = 16 }, async (_, ct) =>
        {
            var connector = (IEmailConnector)registry.Create(MailgunConnectorFactory.ConnectorId, json);
            (await connector.SendAsync(Message(UsageType.SignIn), ct)).MessageId.Should().Be(MessageId);
        }).WaitAsync(TimeSpan.FromMinutes(3));

        (await WireMock.CountAsync("POST", "/v3/example.com/messages")).Should().Be(1000);
        (await WireMock.GetRequestsAsync()).Should().OnlyContain(r => r.Form["subject"] == $"Sign-in code {Code}");
    }

    private sealed class RecordingHandler : HttpMessageHandler
    {
        public List<string> Requests { get; } = [];

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            Requests.Add($"{request.Method} {request.RequestUri}");
            return Task.FromResult(new HttpResponseMessage(HttpStatusCode.OK)
            {
                Content = new StringContent("""{"id":"<eu@example.com>","message":"Queued. Thank you."}""", System.Text.Encoding.UTF8, "application/json"),
            });
        }
    }
}
