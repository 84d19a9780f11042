using System.Text.Json;

namespace Connectors.Mailgun.Tests;

[Collection(WireMockTest.Collection)]
public sealed class ErrorTests(WireMockFixture fixture) : MailgunTestBase(fixture)
{
    private const string Deliveries = """{ "SignIn": { "subject": "Code {{code}}", "html": "<p>Secret body {{code}}</p>" } }""";

    private Task StubAsync(int status, string body, string contentType = "application/json", string headers = "") =>
        WireMock.StubAsync($$"""
            { "request": { "method": "POST", "urlPath": "/v3/example.com/messages" },
              "response": { "status": {{status}}, "body": {{JsonSerializer.Serialize(body)}}, "headers": { "Content-Type": "{{contentType}}"{{headers}} } } }
            """);

    [Theory]
    [InlineData(400, """{"message":"'to' parameter is not a valid address. please check documentation"}""", "application/json", ConnectorErrorCode.InvalidRequestParameters, "'to' parameter is not a valid address")]
    [InlineData(401, "Forbidden", "text/plain", ConnectorErrorCode.InvalidConfig, "Forbidden; check the API key, and that the endpoint's region")]
    [InlineData(403, """{"message":"Domain sandbox123.mailgun.org is not allowed to send: Sandbox subdomains are for test purposes only."}""", "application/json", ConnectorErrorCode.InvalidConfig, "Sandbox subdomains")]
    [InlineData(404, """{"message":"Domain not found: example.com"}""", "application/json", ConnectorErrorCode.InvalidConfig, "not found in this region")]
    [InlineData(404, "<html><body>404 Not Found</body></html>", "text/html", ConnectorErrorCode.InvalidConfig, "HTTP 404: no message")]
    [InlineData(413, "", "text/plain", ConnectorErrorCode.InvalidRequestParameters, "too large")]
    [InlineData(500, """{"message":"Internal Server Error"}""", "application/json", ConnectorErrorCode.General, "HTTP 500: Internal Server Error")]
    [InlineData(502, "<html>Bad Gateway</html>", "text/html", ConnectorErrorCode.General, "HTTP 502")]
    [InlineData(402, "", "text/plain", ConnectorErrorCode.General, "HTTP 402")]
    public async Task Status_codes_map_to_connector_codes_and_are_sent_once(int status, string body, string contentType, ConnectorErrorCode expected, string text)
    {
        await StubAsync(status, body, contentType);

        var act = () => Connector(Deliveries).SendAsync(Message(UsageType.SignIn));

        var error = (await act.Should().ThrowAsync<ConnectorException>()).Which;
        error.Code.Should().Be(expected);
        error.HttpStatusCode.Should().Be(status);
        error.Message.Should().Contain(text);
        (await WireMock.CountAsync("POST", "/v3/example.com/messages")).Should().Be(1);
        SecretAssertions.Texts(error).Concat(Logs.AllText).ShouldNotContainAny(ApiKey, Code, "Secret body", "YXBpOm1haWxndW4ta2V5LVMzQ1IzVA==");
    }

    [Fact]
    public async Task Rate_limit_exposes_Retry_After()
    {
        await StubAsync(429, """{"message":"Domain example.com is not allowed to send: account-requests-per-sec limit exceeded, try again after 120 seconds"}""", headers: """, "Retry-After": "120" """);

        var act = () => Connector(Deliveries).SendAsync(Message(UsageType.SignIn));

        var error = (await act.Should().ThrowAsync<ConnectorException>()).Which;
        error.Code.Should().Be(ConnectorErrorCode.RateLimitExceeded);
        error.RetryAfter.Should().Be(TimeSpan.FromSeconds(120));
        (await WireMock.CountAsync("POST", "/v3/example.com/messages")).Should().Be(1);
    }

    [Fact]
    public async Task Rate_limit_reads_X_RateLimit_Reset()
    {
        // A Unix time with a fraction, 60.5 s after the connector's (manual) clock.
        var reset = Time.GetUtcNow().AddSeconds(60.5).ToUnixTimeMilliseconds() / 1000.0;
        await StubAsync(429, """{"message":"limit"}""", headers: $$""", "X-RateLimit-Reset": "{{reset.ToString(System.Globalization.CultureInfo.InvariantCulture)}}" """);

        var act = () => Connector(Deliveries).SendAsync(Message(UsageType.SignIn));

        var error = (await act.Should().ThrowAsync<ConnectorException>()).Which;
        error.RetryAfter.Should().Be(TimeSpan.FromSeconds(60.5));
    }

    [Fact]
    public async Task Service_unavailable_is_sent_exactly_once()
    {
        await StubAsync(503, """{"message":"Service Unavailable"}""");

        var act = () => Connector(Deliveries).SendAsync(Message(UsageType.SignIn));

        (await act.Should().ThrowAsync<ConnectorException>()).Which.Code.Should().Be(ConnectorErrorCode.General);
        (await WireMock.CountAsync("POST", "/v3/example.com/messages")).Should().Be(1);
    }

    [Fact]
    public async Task Timeout_is_sent_exactly_once()
    {
        await WireMock.StubAsync("""
            { "request": { "method": "POST", "urlPath": "/v3/example.com/messages" },
              "response": { "status": 200, "fixedDelayMilliseconds": 60000, "jsonBody": { "id": "<late@example.com>", "message": "Queued. Thank you." } } }
            """);

        var send = Connector(Deliveries).SendAsync(Message(UsageType.SignIn));
        await WireMock.WaitForCountAsync("POST", "/v3/example.com/messages", 1);
        Time.Advance(new ConnectorHttpOptions().AttemptTimeout);

        var error = (await send.WaitAsync(TimeSpan.FromSeconds(60)).Awaiting(s => s).Should().ThrowAsync<ConnectorException>()).Which;
        error.Message.Should().Contain("timed out");
        (await WireMock.CountAsync("POST", "/v3/example.com/messages")).Should().Be(1);
        Logs.Entries.Should().NotContain(e => e.Id.Id == 1002, "a send that may have reached Mailgun is never repeated");
    }

    [Fact]
    public async Task Accepted_without_an_id_is_sent_without_an_id()
    {
        await StubAsync(200, """{"message":"Queued. Thank you."}""");

        var result = await Connector(Deliveries).SendAsync(Message(UsageType.SignIn));

        result.MessageId.Should().BeNull();
        (await WireMock.CountAsync("POST", "/v3/example.com/messages")).Should().Be(1);
        Logs.Entries.Should().ContainSingle(e => e.Id.Id == 3001).Which.Message.Should().Contain("a body without an id");
    }

    [Theory]
    [InlineData("ada@example.com,eve@example.com")]
    [InlineData("ada@example.com;eve@example.com")]
    [InlineData("ada@example.com eve@example.com")]
    [InlineData("ada@example.com\r\nBcc: eve@example.com")]
    [InlineData("ada@example.com\n")]
    [InlineData("Ada <ada@example.com>")]
    [InlineData("ada@example.com, ")]
    [InlineData("ada@@example.com")]
    [InlineData("ada")]
    [InlineData("")]
    [InlineData("ada@localhost")]
    public async Task Recipient_injection_is_rejected_before_any_request(string to)
    {
        await WireMock.LoadContractAsync("mailgun/messages.json");

        var act = () => Connector(Deliveries).SendAsync(Message(UsageType.SignIn, to: to));

        var error = (await act.Should().ThrowAsync<ConnectorException>()).Which;
        error.Code.Should().Be(ConnectorErrorCode.InvalidRequestParameters);
        error.Message.Should().Contain("exactly one email address");
        (await WireMock.GetRequestsAsync()).Should().BeEmpty();
    }

    [Fact]
    public async Task A_wrong_api_key_is_InvalidConfig_and_never_shown()
    {
        await WireMock.LoadContractAsync("mailgun/messages.json");
        var services = Services();
        var json = Config(Deliveries).Replace(ApiKey, "wrong-key-S3CR3T", StringComparison.Ordinal);

        var act = () => services.Create<IEmailConnector>(MailgunConnectorFactory.ConnectorId, json).SendAsync(Message(UsageType.SignIn));

        var error = (await act.Should().ThrowAsync<ConnectorException>()).Which;
        error.Code.Should().Be(ConnectorErrorCode.InvalidConfig);
        SecretAssertions.Texts(error).Concat(Logs.AllText).ShouldNotContainAny("wrong-key-S3CR3T", Code);
    }
}
