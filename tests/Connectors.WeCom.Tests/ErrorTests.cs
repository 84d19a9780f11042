namespace Connectors.WeCom.Tests;

[Collection(WireMockTest.Collection)]
public sealed class ErrorTests(WireMockFixture fixture) : WeComTestBase(fixture)
{
    private const string Hint = ", hint: [1700000000_1_abc], from ip: 1.2.3.4, more info at https://open.work.weixin.qq.com/devtool/query?e=";

    private async Task StubErrcodeAsync(string path, int errcode, string errmsg) =>
        await WireMock.StubAsync($$"""
            { "priority": 1, "request": { "method": "GET", "urlPath": "{{path}}" },
              "response": { "status": 200, "jsonBody": { "errcode": {{errcode}}, "errmsg": "{{errmsg}}{{Hint}}{{errcode}}" } } }
            """);

    [Theory]
    [InlineData(40013, "invalid corpid", ConnectorErrorCode.InvalidConfig, "corpId is wrong")]
    [InlineData(40001, "invalid credential", ConnectorErrorCode.InvalidConfig, "secret was rejected")]
    [InlineData(60020, "not allow to access from your ip", ConnectorErrorCode.InvalidConfig, "trusted IP")]
    [InlineData(45009, "api freq out of limit", ConnectorErrorCode.RateLimitExceeded, "frequency limit")]
    [InlineData(41004, "corpsecret missing", ConnectorErrorCode.InvalidConfig, "secret was rejected")]
    [InlineData(40056, "invalid agentid", ConnectorErrorCode.InvalidConfig, "agentId is wrong")]
    public async Task Gettoken_errcodes_map_to_codes(int errcode, string errmsg, ConnectorErrorCode expected, string advice)
    {
        await LoadHappyPathAsync();
        await StubErrcodeAsync("/cgi-bin/gettoken", errcode, errmsg);

        var act = () => Connector().GetUserInfoAsync(Callback("code-member"));

        var error = (await act.Should().ThrowAsync<ConnectorException>()).Which;
        error.Code.Should().Be(expected);
        error.ProviderErrorCode.Should().Be(errcode.ToString(System.Globalization.CultureInfo.InvariantCulture));
        error.Operation.Should().Be("gettoken");
        error.Message.Should().Contain($"errcode {errcode} ({errmsg})").And.Contain(advice).And.NotContain("hint").And.NotContain("1.2.3.4");
        (await WireMock.CountAsync("GET", "/cgi-bin/gettoken")).Should().Be(1);
        (await WireMock.CountAsync("GET", "/cgi-bin/auth/getuserinfo")).Should().Be(0);
        SecretAssertions.Texts(error).Concat(Logs.AllText).ShouldNotContainAny(Secrets);
    }

    [Theory]
    [InlineData(40029, "invalid code", ConnectorErrorCode.SocialAuthCodeInvalid)]
    [InlineData(40163, "code been used", ConnectorErrorCode.SocialAuthCodeInvalid)]
    [InlineData(42003, "code expired", ConnectorErrorCode.SocialAuthCodeInvalid)]
    [InlineData(50001, "redirect_uri unauthorized", ConnectorErrorCode.InvalidConfig)]
    [InlineData(60020, "not allow to access from your ip", ConnectorErrorCode.InvalidConfig)]
    [InlineData(45009, "api freq out of limit", ConnectorErrorCode.RateLimitExceeded)]
    [InlineData(41009, "missing openid", ConnectorErrorCode.General)]
    [InlineData(40003, "invalid openid", ConnectorErrorCode.General)]
    public async Task Getuserinfo_errcodes_map_to_codes(int errcode, string errmsg, ConnectorErrorCode expected)
    {
        await LoadHappyPathAsync();
        await StubErrcodeAsync("/cgi-bin/auth/getuserinfo", errcode, errmsg);

        var act = () => Connector().GetUserInfoAsync(Callback("code-member"));

        var error = (await act.Should().ThrowAsync<ConnectorException>()).Which;
        error.Code.Should().Be(expected);
        error.ProviderErrorCode.Should().Be(errcode.ToString(System.Globalization.CultureInfo.InvariantCulture));
        error.Operation.Should().Be("getuserinfo");
        error.Message.Should().StartWith($"WeCom getuserinfo returned errcode {errcode} ({errmsg})");
        (await WireMock.CountAsync("GET", "/cgi-bin/auth/getuserinfo")).Should().Be(1);
        SecretAssertions.Texts(error).Concat(Logs.AllText).ShouldNotContainAny(Secrets);
    }

    [Theory]
    [InlineData("/cgi-bin/gettoken")]
    [InlineData("/cgi-bin/auth/getuserinfo")]
    public async Task System_busy_is_retried_then_General(string path)
    {
        await LoadHappyPathAsync();
        await StubErrcodeAsync(path, -1, "system busy");

        var act = () => Connector().GetUserInfoAsync(Callback("code-member"));

        var error = (await act.Should().ThrowAsync<ConnectorException>()).Which;
        error.Code.Should().Be(ConnectorErrorCode.General);
        error.ProviderErrorCode.Should().Be("-1");
        (await WireMock.CountAsync("GET", path)).Should().Be(3, "one attempt and two retries");
    }

    [Fact]
    public async Task System_busy_once_then_success_signs_in()
    {
        await LoadHappyPathAsync();
        await WireMock.StubAsync("""
            { "priority": 1, "scenarioName": "busy", "requiredScenarioState": "Started", "newScenarioState": "ok",
              "request": { "method": "GET", "urlPath": "/cgi-bin/gettoken" },
              "response": { "status": 200, "jsonBody": { "errcode": -1, "errmsg": "system busy" } } }
            """);

        var user = await Connector().GetUserInfoAsync(Callback("code-member"));

        user.Id.Should().Be("lisi");
        (await WireMock.CountAsync("GET", "/cgi-bin/gettoken")).Should().Be(2);
    }

    [Theory]
    [InlineData("""{ "status": 502, "body": "<html>Bad Gateway</html>", "headers": { "Content-Type": "text/html" } }""", ConnectorErrorCode.General, 3)]
    [InlineData("""{ "status": 200, "body": "<html>login</html>", "headers": { "Content-Type": "text/html" } }""", ConnectorErrorCode.InvalidResponse, 1)]
    [InlineData("""{ "status": 200, "body": "{\"errcode\":0,\"access_tok", "headers": { "Content-Type": "application/json" } }""", ConnectorErrorCode.InvalidResponse, 1)]
    [InlineData("""{ "status": 200, "jsonBody": { "errcode": 0, "errmsg": "ok" } }""", ConnectorErrorCode.InvalidResponse, 1)]
    [InlineData("""{ "status": 200, "jsonBody": [1, 2] }""", ConnectorErrorCode.InvalidResponse, 1)]
    public async Task Gettoken_transport_failures_are_typed(string response, ConnectorErrorCode expected, int calls)
    {
        await WireMock.StubAsync($$"""{ "request": { "method": "GET", "urlPath": "/cgi-bin/gettoken" }, "response": {{response}} }""");

        var act = () => Connector().GetUserInfoAsync(Callback("code-member"));

        (await act.Should().ThrowAsync<ConnectorException>()).Which.Code.Should().Be(expected);
        (await WireMock.CountAsync("GET", "/cgi-bin/gettoken")).Should().Be(calls);
    }

    [Fact]
    public async Task No_secret_token_code_or_ticket_appears_in_logs_of_a_full_sign_in()
    {
        await LoadHappyPathAsync();

        await Connector().GetUserInfoAsync(Callback("code-member-ticket"));

        Logs.Entries.Should().NotBeEmpty();
        Logs.AllText.ShouldNotContainAny(Secrets);
    }
}
