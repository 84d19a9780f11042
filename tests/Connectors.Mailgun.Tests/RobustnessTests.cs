using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;

namespace Connectors.Mailgun.Tests;

/// <summary>What an attack run and a review found (issue 11): accepted sends, odd headers, recipients, header values,
/// endpoints, templates, payload values, provider text echoing secrets, the failure path.</summary>
[Collection(WireMockTest.Collection)]
public sealed class RobustnessTests(WireMockFixture fixture) : MailgunTestBase(fixture)
{
    private const string Deliveries = """{ "SignIn": { "subject": "Code {{code}}", "html": "<p>{{code}}</p>" } }""";

    private MailgunConnectorFactory Factory() => Services().GetRequiredService<MailgunConnectorFactory>();

    [Theory]
    [InlineData("OK", "text/plain", "a body without an id")]
    [InlineData("", "text/plain", "an empty body")]
    [InlineData("<html><body>Queued</body></html>", "text/html", "a body without an id")]
    [InlineData("{\"id\":", "application/json", "a body without an id")]
    [InlineData("{\"\\ud800x\":1,\"id\":\"<x@example.com>\"}", "application/json", "a body without an id")]
    public async Task A_2xx_is_a_sent_message_whatever_its_body(string body, string contentType, string logged)
    {
        await WireMock.StubAsync($$"""
            { "request": { "method": "POST", "urlPath": "/v3/example.com/messages" },
              "response": { "status": 200, "body": {{JsonSerializer.Serialize(body)}}, "headers": { "Content-Type": "{{contentType}}" } } }
            """);

        var result = await Connector(Deliveries).SendAsync(Message(UsageType.SignIn));

        result.MessageId.Should().BeNull();
        (await WireMock.CountAsync("POST", "/v3/example.com/messages")).Should().Be(1);
        Logs.Entries.Should().ContainSingle(e => e.Id.Id == 3001).Which.Message.Should().Contain(logged);
    }

    [Fact]
    public async Task A_template_whose_nested_loops_explode_fails_fast_and_typed_without_a_request()
    {
        var html = string.Concat(Enumerable.Repeat("{{#each @root}}", 12)) + "x" + string.Concat(Enumerable.Repeat("{{/each}}", 12));
        var connector = Connector($$$"""{ "SignIn": { "subject": "Code {{code}}", "html": {{{JsonSerializer.Serialize(html)}}} } }""");
        var extra = new JsonObject { ["a"] = 1, ["b"] = 2, ["c"] = 3 };
        var watch = System.Diagnostics.Stopwatch.StartNew();

        var error = (await connector.Awaiting(c => c.SendAsync(Message(UsageType.SignIn, extra: extra))).Should().ThrowAsync<ConnectorException>()).Which;

        watch.Stop();
        error.Code.Should().Be(ConnectorErrorCode.InvalidRequestParameters);
        error.Message.Should().Contain("steps");
        watch.Elapsed.Should().BeLessThan(TimeSpan.FromSeconds(30), "the render budget ends it (measured under 1 s on a quiet machine; the bound is for a busy one)");
        (await WireMock.CountAsync("POST", "/v3/example.com/messages")).Should().Be(0);
    }

    [Fact]
    public async Task A_payload_and_stored_variables_nested_deeper_than_64_are_sent()
    {
        JsonNode Deep(int depth)
        {
            JsonNode node = "leaf";
            for (var i = 0; i < depth; i++)
            {
                node = new JsonObject { ["n"] = node };
            }

            return node;
        }

        var connector = Connector("""{ "SignIn": { "template": "t", "variables": { "brand": "x" } } }""");

        var request = await SendAndReceiveAsync(connector, Message(UsageType.SignIn, extra: new JsonObject { ["deep"] = Deep(100) }));

        request.Form["h:X-Mailgun-Variables"].Should().Contain(string.Concat(Enumerable.Repeat("{\"n\":", 100)) + "\"leaf\"");
    }

    [Fact]
    public async Task A_send_Mailgun_accepts_but_answers_after_the_timeout_is_maybe_sent_and_twenty_requests_give_one_mail()
    {
        // Mailgun takes the send and answers 60 s (real time) later; the attempt timeout runs on the manual clock.
        await WireMock.StubAsync($$"""
            { "request": { "method": "POST", "urlPath": "/v3/example.com/messages" },
              "response": { "status": 200, "fixedDelayMilliseconds": 60000, "jsonBody": { "id": "{{MessageId}}", "message": "Queued. Thank you." } } }
            """);
        var services = Services(o => o.Http.AttemptTimeout = TimeSpan.FromSeconds(10), s => s.AddConnectors().AddVerificationCodes()); // shorter than the 60 s cooldown
        var connector = services.Create<IEmailConnector>(MailgunConnectorFactory.ConnectorId, Config(Deliveries));
        var codes = services.GetRequiredService<VerificationCodeService>();

        var first = codes.SendAsync(connector, "ada@example.com", UsageType.SignIn, "203.0.113.7");
        await WireMock.WaitForCountAsync("POST", "/v3/example.com/messages", 1);
        Time.Advance(TimeSpan.FromSeconds(10));
        var sent = await first.WaitAsync(TimeSpan.FromSeconds(60));
        var refused = 0;
        for (var i = 1; i < 20; i++)
        {
            try
            {
                await codes.SendAsync(connector, "ada@example.com", UsageType.SignIn, "203.0.113.7");
            }
            catch (ConnectorException exception) when (exception.Code == ConnectorErrorCode.RateLimitExceeded)
            {
                refused++;
            }
        }

        sent.DeliveryUnknown.Should().BeTrue("the provider may have accepted: the caller is told maybe sent, not failed");
        refused.Should().Be(19, "the cooldown counts the maybe-sent mail");
        (await WireMock.CountAsync("POST", "/v3/example.com/messages")).Should().Be(1);
        Logs.AllText.Should().NotContain(Code);
    }

    [Theory]
    [InlineData("named client, HttpClientHandler")]
    [InlineData("host-wide defaults, SocketsHttpHandler")]
    public async Task A_redirect_is_not_followed_whatever_primary_handler_the_host_configures(string host)
    {
        using var elsewhere = new ConnectionCounter();
        await WireMock.StubAsync($$"""
            { "request": { "method": "POST", "urlPath": "/v3/example.com/messages" }, "response": { "status": 307, "headers": { "Location": "{{elsewhere.BaseUri}}v3/example.com/messages" } } }
            """);
        Action<IServiceCollection> configure = host.StartsWith("named", StringComparison.Ordinal)
            ? s => s.AddHttpClient(MailgunConnectorFactory.HttpClientName).ConfigurePrimaryHttpMessageHandler(() => new HttpClientHandler { AllowAutoRedirect = true })
            : s => s.ConfigureHttpClientDefaults(h => h.ConfigurePrimaryHttpMessageHandler(() => new SocketsHttpHandler { AllowAutoRedirect = true }));
        var connector = Services(services: configure).Create<IEmailConnector>(MailgunConnectorFactory.ConnectorId, Config(Deliveries));

        var error = (await connector.Awaiting(c => c.SendAsync(Message(UsageType.SignIn))).Should().ThrowAsync<ConnectorException>()).Which;

        error.HttpStatusCode.Should().Be(307);
        (await WireMock.CountAsync("POST", "/v3/example.com/messages")).Should().Be(1);
        elsewhere.Connections.Should().Be(0, "the email, with its code, must not be sent to the address a redirect names");
    }

    [Fact]
    public async Task A_2xx_whose_body_is_over_the_cap_is_sent()
    {
        await WireMock.StubAsync("""
            { "request": { "method": "POST", "urlPath": "/v3/example.com/messages" },
              "response": { "status": 200, "body": "{\"id\":\"<x@example.com>\",\"pad\":\"0123456789012345678901234567890123456789\"}", "headers": { "Content-Type": "application/json" } } }
            """);

        var result = await Connector(Deliveries, o => o.Http.MaxResponseBytes = 16).SendAsync(Message(UsageType.SignIn));

        result.MessageId.Should().BeNull();
        Logs.Entries.Should().ContainSingle(e => e.Id.Id == 3001).Which.Message.Should().Contain("larger than the 16 byte limit");
    }

    [Theory]
    [InlineData("1e20", 86400.0)]
    [InlineData("Infinity", null)]
    [InlineData("-1e300", 0.0)]
    [InlineData("NaN", null)]
    [InlineData("soon", null)]
    public async Task An_unreadable_or_extreme_X_RateLimit_Reset_is_clamped(string reset, double? seconds)
    {
        await WireMock.StubAsync($$"""
            { "request": { "method": "POST", "urlPath": "/v3/example.com/messages" },
              "response": { "status": 429, "jsonBody": { "message": "limit" }, "headers": { "X-RateLimit-Reset": "{{reset}}" } } }
            """);

        var error = (await Connector(Deliveries).Awaiting(c => c.SendAsync(Message(UsageType.SignIn))).Should().ThrowAsync<ConnectorException>()).Which;

        error.Code.Should().Be(ConnectorErrorCode.RateLimitExceeded);
        error.RetryAfter.Should().Be(seconds is { } s ? TimeSpan.FromSeconds(s) : null);
    }

    [Theory]
    [InlineData("a\u202E@b.com")]
    [InlineData("a\u200B@b.com")]
    [InlineData("\uFEFFa@b.com")]
    [InlineData("a\uFF20evil.com@b.com")]
    [InlineData("a\uFF0Cc@b.com")]
    [InlineData("a\uFE6Bevil.com@b.com")]
    [InlineData("a@b\u200B.com")]
    [InlineData("a\ud800@b.com")]
    public async Task Invisible_and_look_alike_characters_in_the_recipient_are_refused_before_any_request(string to)
    {
        await WireMock.LoadContractAsync("mailgun/messages.json");

        var error = (await Connector(Deliveries).Awaiting(c => c.SendAsync(Message(UsageType.SignIn, to: to))).Should().ThrowAsync<ConnectorException>()).Which;

        error.Code.Should().Be(ConnectorErrorCode.InvalidRequestParameters);
        (await WireMock.GetRequestsAsync()).Should().BeEmpty();
    }

    [Theory]
    [InlineData("ada@例え.jp")]
    [InlineData("jörg@müller.de")]
    [InlineData("用户@例子.广告")]
    public async Task International_addresses_are_sent(string to)
    {
        var request = await SendAndReceiveAsync(Connector(Deliveries), Message(UsageType.SignIn, to: to));

        request.Form["to"].Should().Be(to);
    }

    [Theory]
    [InlineData("x\0X", "x X")]
    [InlineData("x\vX", "x X")]
    [InlineData("x\u2028X", "x X")]
    [InlineData("x\u202EX", "xX")]
    public async Task Control_characters_never_reach_header_fields(string name, string expected)
    {
        var connector = Connector("""{ "Generic": { "subject": "{{user.name}}", "html": "<p>{{user.name}}</p>", "replyTo": "{{user.name}}" } }""");
        var extra = new JsonObject { ["user"] = new JsonObject { ["name"] = name } };

        var request = await SendAndReceiveAsync(connector, Message(UsageType.Generic, extra: extra));

        request.Form["subject"].Should().Be(expected);
        request.Form["h:Reply-To"].Should().Be(expected);
    }

    [Theory]
    [InlineData("https://evil.com\uFF0F.mailgun.net")]
    [InlineData("https://evil.com\uFF03.mailgun.net")]
    [InlineData("https://evil.com\uFE6B.mailgun.net")]
    public void Look_alike_hosts_are_refused(string endpoint)
    {
        var errors = Factory().Validate(ConnectorHost.Json(Config(Deliveries, endpoint)));

        errors.Should().ContainSingle().Which.Path.Should().Be("endpoint");
    }

    [Fact]
    public async Task A_host_with_other_unicode_is_accepted_only_as_the_mailgun_net_host_it_connects_to()
    {
        // U+2215 has no compatibility mapping to '/': it stays inside a label, which maps to an xn-- label under mailgun.net.
        var handler = new RecordingHandler();
        var connector = Services(services: s => s.AddHttpClient(MailgunConnectorFactory.HttpClientName).ConfigurePrimaryHttpMessageHandler(() => handler))
            .Create<IEmailConnector>(MailgunConnectorFactory.ConnectorId, Config(Deliveries, "https://evil.com\u2215.mailgun.net"));

        await connector.SendAsync(Message(UsageType.SignIn));

        handler.Hosts.Should().ContainSingle().Which.Should().EndWith(".mailgun.net").And.StartWith("evil.xn--");
    }

    private sealed class RecordingHandler : HttpMessageHandler
    {
        public List<string> Hosts { get; } = [];

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            Hosts.Add(request.RequestUri!.IdnHost);
            return Task.FromResult(new HttpResponseMessage(System.Net.HttpStatusCode.OK) { Content = new StringContent("""{"id":"<x@example.com>"}""") });
        }
    }

    public static TheoryData<string> TemplatesThatCannotBeSent => new()
    {
        "{{> partial}}",
        "{{log code}}",
        "{{undefinedHelper code}}",
        "{{a key=value}}",
        "{{#if (eq a b)}}x{{/if}}",
        "{{#each}}{{/each}}",
        "{{#unless}}{{/unless}}",
        "{{#if a}}{{else}}{{else}}{{/if}}",
        "{{#lookup a}}x{{/lookup}}",
        "{{#with a b}}x{{/with}}",
    };

    [Theory]
    [MemberData(nameof(TemplatesThatCannotBeSent))]
    public void A_template_that_would_fail_every_send_is_refused_by_validation(string html)
    {
        var errors = Factory().Validate(ConnectorHost.Json(Config($$"""{ "SignIn": { "html": {{JsonSerializer.Serialize(html)}} } }""")));

        errors.Should().ContainSingle().Which.Path.Should().Be("deliveries.SignIn.html");
    }

    [Fact]
    public void Deep_and_huge_templates_are_InvalidConfig_without_crashing_the_host()
    {
        var deepEach = string.Concat(Enumerable.Repeat("{{#each a}}", 2000)) + "x" + string.Concat(Enumerable.Repeat("{{/each}}", 2000));
        var deepSubexpression = "{{a " + string.Concat(Enumerable.Repeat("(b ", 3000)) + string.Concat(Enumerable.Repeat(")", 3000)) + "}}";
        var huge = new string('x', 1100 * 1024);
        var many = "{" + string.Join(",", Enumerable.Range(0, 1001).Select(i => $"\"T{i}\": {{ \"html\": \"x\" }}")) + "}";

        foreach (var deliveries in new[]
        {
            $$"""{ "SignIn": { "html": {{JsonSerializer.Serialize(deepEach)}} } }""",
            $$"""{ "SignIn": { "html": {{JsonSerializer.Serialize(deepSubexpression)}} } }""",
            $$"""{ "SignIn": { "html": "{{huge}}" } }""",
            many,
        })
        {
            var json = Config(deliveries);
            Factory().Validate(ConnectorHost.Json(json)).Should().NotBeEmpty();
            ((Action)(() => Services().Create<IEmailConnector>(MailgunConnectorFactory.ConnectorId, json))).Should().Throw<ConnectorException>()
                .Which.Code.Should().Be(ConnectorErrorCode.InvalidConfig);
        }
    }

    [Fact]
    public void A_config_with_lone_surrogates_is_InvalidConfig()
    {
        var json = Config("""{ "Sign\ud800In": { "html": "x" }, "Generic": { "html": "\udc00", "subject": "ok" } }""").Replace("example.com\"", "example.com\\ud800\"", StringComparison.Ordinal);

        var errors = Factory().Validate(ConnectorHost.Json(json));

        errors.Should().NotBeEmpty();
        errors.Select(e => e.Path).Should().Contain("deliveries").And.Contain("deliveries.Generic.html");
    }

    [Fact]
    public async Task Dotnet_values_in_the_payload_are_written_as_JSON_writes_them()
    {
        var connector = Connector("""{ "Generic": { "subject": "s", "text": "{{at}}|{{offset}}|{{id}}|{{letter}}", "html": "x" } }""");
        var extra = new JsonObject
        {
            ["at"] = JsonValue.Create(new DateTime(2026, 1, 2, 3, 4, 5, DateTimeKind.Utc)),
            ["offset"] = JsonValue.Create(new DateTimeOffset(2026, 1, 2, 3, 4, 5, TimeSpan.FromHours(8))),
            ["id"] = JsonValue.Create(Guid.Parse("3f2504e0-4f89-11d3-9a0c-0305e82c3301")),
            ["letter"] = JsonValue.Create('Z'),
        };

        var request = await SendAndReceiveAsync(connector, Message(UsageType.Generic, extra: extra));

        request.Form["text"].Should().Be("2026-01-02T03:04:05Z|2026-01-02T03:04:05+08:00|3f2504e0-4f89-11d3-9a0c-0305e82c3301|Z");
    }

    [Fact]
    public async Task Provider_text_that_echoes_the_api_key_or_the_code_is_redacted()
    {
        await WireMock.StubAsync($$"""
            { "request": { "method": "POST", "urlPath": "/v3/example.com/messages" },
              "response": { "status": 400, "jsonBody": { "message": "bad key {{ApiKey}} for body <p>{{Code}}</p>" } } }
            """);

        var error = (await Connector(Deliveries).Awaiting(c => c.SendAsync(Message(UsageType.SignIn))).Should().ThrowAsync<ConnectorException>()).Which;

        error.Message.Should().Contain("bad key *** for body <p>***</p>");
        SecretAssertions.Texts(error).Concat(Logs.AllText).ShouldNotContainAny(ApiKey, Code);
    }

    [Fact]
    public async Task Failures_before_any_request_go_through_the_failure_path()
    {
        var services = Services();
        using var metrics = services.FailureMetrics();
        var connector = services.Create<IEmailConnector>(MailgunConnectorFactory.ConnectorId, Config("""{ "SignIn": { "html": "x" } }"""));

        var badRecipient = (await connector.Awaiting(c => c.SendAsync(Message(UsageType.SignIn, to: "a,b@example.com"))).Should().ThrowAsync<ConnectorException>()).Which;
        var noTemplate = (await connector.Awaiting(c => c.SendAsync(Message(UsageType.Register))).Should().ThrowAsync<ConnectorException>()).Which;
        var badConfig = ((Action)(() => services.Create<IEmailConnector>(MailgunConnectorFactory.ConnectorId, "[]"))).Should().Throw<ConnectorException>().Which;

        foreach (var (error, operation) in new[] { (badRecipient, "send"), (noTemplate, "send"), (badConfig, "create") })
        {
            error.Provider.Should().Be("Mailgun");
            error.Operation.Should().Be(operation);
            metrics.Failures().Should().Contain(("Mailgun", operation, error.WireCode));
        }

        Logs.Entries.Count(e => e.Id.Id == 1003).Should().BeGreaterThanOrEqualTo(3);
    }
}
