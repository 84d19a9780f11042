using System.Text.Json;

namespace Connectors.WeCom.Tests;

[Collection(WireMockTest.Collection)]
public sealed class UserInfoTests(WireMockFixture fixture) : WeComTestBase(fixture)
{
    [Fact]
    public async Task Member_with_ticket_makes_four_calls_and_merges_the_details()
    {
        await LoadHappyPathAsync();

        var user = await Connector().GetUserInfoAsync(Callback("code-member-ticket"));

        user.Id.Should().Be("zhangsan");
        user.Tenant.Should().Be(CorpId, "a userid names a member of one corp only");
        user.ProviderKey.Should().Be(CorpId + "|zhangsan");
        user.Name.Should().Be("张三");
        user.Email.Should().Be("zhangsan@gzdev.com");
        user.EmailVerified.Should().BeFalse("set by the corp's admin, never confirmed by the member");
        user.Phone.Should().Be("+8613800000000");
        user.PhoneVerified.Should().BeFalse();
        user.AvatarUrl.Should().Be("http://shp.qpic.cn/bizmp/xxxxxxxxxxx/0");
        user.Tokens.Should().BeNull();
        var raw = user.RawData!.Value;
        raw.GetProperty("userid").GetString().Should().Be("zhangsan");
        raw.GetProperty("position").GetString().Should().Be("工程师");
        raw.GetProperty("gender").GetString().Should().Be("1");
        raw.GetProperty("biz_mail").GetString().Should().Be("zhangsan@qyycs2.wecom.work");
        raw.TryGetProperty("errcode", out _).Should().BeFalse("WeCom's envelope is not the profile");
        raw.TryGetProperty("errmsg", out _).Should().BeFalse();
        raw.TryGetProperty("user_ticket", out _).Should().BeFalse("the ticket is a credential and is not handed on");

        var requests = await WireMock.GetRequestsAsync();
        requests.Select(r => $"{r.Method} {r.Path}").Should().BeEquivalentTo(
            "GET /cgi-bin/gettoken", "GET /cgi-bin/auth/getuserinfo", "GET /cgi-bin/user/get", "POST /cgi-bin/auth/getuserdetail");
        requests.Single(r => r.Path == "/cgi-bin/gettoken").Query.Should().Equal(new Dictionary<string, string> { ["corpid"] = CorpId, ["corpsecret"] = Secret });
        requests.Single(r => r.Path == "/cgi-bin/auth/getuserinfo").Query.Should().Equal(new Dictionary<string, string> { ["access_token"] = Token1, ["code"] = "code-member-ticket" });
        requests.Single(r => r.Path == "/cgi-bin/user/get").Query.Should().Equal(new Dictionary<string, string> { ["access_token"] = Token1, ["userid"] = "zhangsan" });
        var detail = requests.Single(r => r.Path == "/cgi-bin/auth/getuserdetail");
        detail.Query.Should().Equal(new Dictionary<string, string> { ["access_token"] = Token1 });
        detail.Header("Content-Type").Should().StartWith("application/json");
        JsonDocument.Parse(detail.Body).RootElement.GetRawText().Should().Be("""{"user_ticket":"ticket-T1CKET"}""");
        requests[0].Path.Should().Be("/cgi-bin/gettoken");
        requests[1].Path.Should().Be("/cgi-bin/auth/getuserinfo");
    }

    [Fact]
    public async Task Member_without_ticket_gets_the_name_from_user_get()
    {
        await LoadHappyPathAsync();

        var user = await Connector().GetUserInfoAsync(Callback("code-member"));

        user.Should().BeEquivalentTo(new { Id = "lisi", Name = "李四", Email = (string?)null, Phone = (string?)null, AvatarUrl = (string?)null });
        (await WireMock.GetRequestsAsync()).Select(r => r.Path).Should().Equal("/cgi-bin/gettoken", "/cgi-bin/auth/getuserinfo", "/cgi-bin/user/get");
    }

    [Fact]
    public async Task Non_member_is_identified_by_openid_without_a_user_get_call()
    {
        await LoadHappyPathAsync();

        var user = await Connector().GetUserInfoAsync(Callback("code-external"));

        user.Id.Should().Be("oEXTERNAL0001");
        user.Name.Should().Be("oEXTERNAL0001");
        user.RawData!.Value.GetProperty("external_userid").GetString().Should().Be("wmEXTERNAL0001");
        (await WireMock.GetRequestsAsync()).Select(r => r.Path).Should().Equal("/cgi-bin/gettoken", "/cgi-bin/auth/getuserinfo");
    }

    [Theory]
    [InlineData("""{ "status": 200, "jsonBody": { "errcode": 48002, "errmsg": "api forbidden, hint: [x]" } }""")]
    [InlineData("""{ "status": 500, "body": "oops" }""")]
    [InlineData("""{ "fault": "CONNECTION_RESET_BY_PEER" }""")]
    public async Task Detail_failure_falls_back_to_user_get(string response)
    {
        await LoadHappyPathAsync();
        await WireMock.StubAsync($$"""{ "priority": 1, "request": { "method": "POST", "urlPath": "/cgi-bin/auth/getuserdetail" }, "response": {{response}} }""");

        var user = await Connector().GetUserInfoAsync(Callback("code-member-ticket"));

        user.Should().BeEquivalentTo(new { Id = "zhangsan", Name = "张三", Email = (string?)null, Phone = (string?)null });
        Logs.Entries.Should().Contain(e => e.Id.Id == 2002 && e.Message.Contains("getuserdetail", StringComparison.Ordinal));
        Logs.AllText.ShouldNotContainAny(Secrets);
    }

    [Fact]
    public async Task User_get_failure_falls_back_to_the_id_and_keeps_the_details()
    {
        await LoadHappyPathAsync();
        await WireMock.StubAsync("""{ "priority": 1, "request": { "method": "GET", "urlPath": "/cgi-bin/user/get" }, "response": { "status": 200, "jsonBody": { "errcode": 60011, "errmsg": "no privilege to access/modify contact/party/agent" } } }""");

        var user = await Connector().GetUserInfoAsync(Callback("code-member-ticket"));

        user.Name.Should().Be("zhangsan");
        user.Email.Should().Be("zhangsan@gzdev.com");
        user.Phone.Should().Be("+8613800000000");
        Logs.Entries.Should().Contain(e => e.Id.Id == 2002 && e.Message.Contains("user/get", StringComparison.Ordinal) && e.Message.Contains("60011", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Email_falls_back_to_biz_mail()
    {
        await LoadHappyPathAsync();
        await WireMock.StubAsync("""
            { "priority": 1, "request": { "method": "POST", "urlPath": "/cgi-bin/auth/getuserdetail" },
              "response": { "status": 200, "jsonBody": { "errcode": 0, "errmsg": "ok", "userid": "zhangsan", "biz_mail": "zs@corp.wecom.work", "mobile": "+1 415-555-0100" } } }
            """);

        var user = await Connector().GetUserInfoAsync(Callback("code-member-ticket"));

        user.Email.Should().Be("zs@corp.wecom.work");
        user.Phone.Should().Be("+14155550100");
    }

    [Fact]
    public async Task Missing_code_is_AuthorizationFailed_without_any_request()
    {
        var act = () => Connector().GetUserInfoAsync(SocialCallback.FromQueryString("state=abc"));

        (await act.Should().ThrowAsync<ConnectorException>()).Which.Code.Should().Be(ConnectorErrorCode.AuthorizationFailed);
        (await WireMock.GetRequestsAsync()).Should().BeEmpty();
    }

    [Fact]
    public async Task Neither_userid_nor_openid_is_InvalidResponse()
    {
        await WireMock.LoadContractAsync("wecom/gettoken.json");
        await WireMock.StubAsync("""{ "request": { "method": "GET", "urlPath": "/cgi-bin/auth/getuserinfo" }, "response": { "status": 200, "jsonBody": { "errcode": 0, "errmsg": "ok" } } }""");

        var act = () => Connector().GetUserInfoAsync(Callback("code-member"));

        var error = (await act.Should().ThrowAsync<ConnectorException>()).Which;
        error.Code.Should().Be(ConnectorErrorCode.InvalidResponse);
        error.Message.Should().Contain("neither a userid");
    }

    [Theory]
    [InlineData("13800000000", "+8613800000000")]
    [InlineData("12345678901", "+8612345678901")]
    [InlineData("+12345678901", "+12345678901")]
    [InlineData("+86 138-0000-0000", "+8613800000000")]
    [InlineData("138 0000 0000", "+8613800000000")]
    [InlineData("not-a-number", null)]
    [InlineData("+", null)]
    [InlineData("+0123456789", null)]
    [InlineData("+1234567890123456", null)]
    [InlineData("", null)]
    public void Mobile_numbers_become_E164(string mobile, string? expected) =>
        WeComUserMapper.ToE164(mobile).Should().Be(expected);
}
