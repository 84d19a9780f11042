using System.Text;
using Microsoft.Extensions.Caching.Distributed;
using Microsoft.Extensions.DependencyInjection;

namespace Connectors.WeCom.Tests;

/// <summary>What an attack run and a review found (issue 11): status mapping per call, the shared token cache,
/// unreadable provider text, provider text that echoes a secret, the sign-in's time budget, the failure path.</summary>
[Collection(WireMockTest.Collection)]
public sealed class RobustnessTests(WireMockFixture fixture) : WeComTestBase(fixture)
{
    private Task StubStatusAsync(string method, string path, int status) =>
        WireMock.StubAsync($$"""{ "priority": 1, "request": { "method": "{{method}}", "urlPath": "{{path}}" }, "response": { "status": {{status}}, "body": "refused" } }""");

    [Theory]
    [InlineData("/cgi-bin/gettoken", 401, ConnectorErrorCode.InvalidConfig, 1, 0)]
    [InlineData("/cgi-bin/gettoken", 403, ConnectorErrorCode.InvalidConfig, 1, 0)]
    [InlineData("/cgi-bin/auth/getuserinfo", 401, ConnectorErrorCode.SocialAccessTokenInvalid, 2, 2)]
    [InlineData("/cgi-bin/auth/getuserinfo", 403, ConnectorErrorCode.General, 1, 1)]
    public async Task Http_401_and_403_map_per_call(string path, int status, ConnectorErrorCode expected, int gettokens, int getuserinfos)
    {
        await LoadHappyPathAsync();
        await StubStatusAsync("GET", path, status);

        var act = () => Connector().GetUserInfoAsync(Callback("code-member"));

        var error = (await act.Should().ThrowAsync<ConnectorException>()).Which;
        error.Code.Should().Be(expected);
        error.HttpStatusCode.Should().Be(status);
        (await WireMock.CountAsync("GET", "/cgi-bin/gettoken")).Should().Be(gettokens, "a 401 at getuserinfo rejects the token: it is refreshed once");
        (await WireMock.CountAsync("GET", "/cgi-bin/auth/getuserinfo")).Should().Be(getuserinfos);
        SecretAssertions.Texts(error).Concat(Logs.AllText).ShouldNotContainAny(Secrets);
    }

    [Theory]
    [InlineData("GET", "/cgi-bin/user/get", "user/get")]
    [InlineData("POST", "/cgi-bin/auth/getuserdetail", "getuserdetail")]
    public async Task Http_401_at_a_detail_call_refreshes_once_then_signs_in_without_the_details(string method, string path, string operation)
    {
        await LoadHappyPathAsync();
        await StubStatusAsync(method, path, 401);

        var user = await Connector().GetUserInfoAsync(Callback("code-member-ticket"));

        user.Id.Should().Be("zhangsan");
        (await WireMock.CountAsync(method, path)).Should().Be(2);
        Logs.Entries.Should().Contain(e => e.Id.Id == 2002 && e.Value("Operation") == operation && e.Value("ErrorCode") == "social_invalid_access_token");
    }

    [Fact]
    public async Task A_misconfigured_app_costs_one_gettoken_for_200_sign_ins()
    {
        await LoadHappyPathAsync();
        await WireMock.StubAsync("""{ "priority": 1, "request": { "method": "GET", "urlPath": "/cgi-bin/gettoken" }, "response": { "status": 200, "jsonBody": { "errcode": 40013, "errmsg": "invalid corpid" } } }""");
        var connector = Connector();

        for (var i = 0; i < 200; i++)
        {
            var error = (await connector.Awaiting(c => c.GetUserInfoAsync(Callback("code-member"))).Should().ThrowAsync<ConnectorException>()).Which;
            error.Code.Should().Be(ConnectorErrorCode.InvalidConfig);
        }

        (await WireMock.CountAsync("GET", "/cgi-bin/gettoken")).Should().Be(1);
        Time.Advance(new ApplicationTokenCacheOptions().FailureBackoff);
        await connector.Awaiting(c => c.GetUserInfoAsync(Callback("code-member"))).Should().ThrowAsync<ConnectorException>();
        (await WireMock.CountAsync("GET", "/cgi-bin/gettoken")).Should().Be(2, "after the documented backoff WeCom is asked again");
    }

    [Fact]
    public async Task A_rejected_token_held_by_the_shared_cache_does_not_wedge_sign_in()
    {
        // The shared entry holds a token WeCom rejects, with a far-future expiry, and removing it fails (replica lag).
        await LoadHappyPathAsync();
        await WireMock.StubAsync("""
            { "priority": 1, "request": { "method": "GET", "urlPath": "/cgi-bin/auth/getuserinfo", "queryParameters": { "access_token": { "equalTo": "stale-token" } } },
              "response": { "status": 200, "jsonBody": { "errcode": 40014, "errmsg": "invalid access_token" } } }
            """);
        var shared = new StickyCache();
        shared.Values[TokenCacheKey.Create("WeCom", CorpId, Secret).Shared] = Encoding.UTF8.GetBytes("""{ "t": "stale-token", "r": 253402300799000 }""");
        var connector = Services(o => o.TokenCache.UseDistributedCache = true, s => s.AddSingleton<IDistributedCache>(shared))
            .Create<ISocialConnector>(WeComConnectorFactory.ConnectorId, ConfigJson);

        for (var i = 0; i < 5; i++)
        {
            (await connector.GetUserInfoAsync(Callback("code-member"))).Id.Should().Be("lisi");
        }

        (await WireMock.CountAsync("GET", "/cgi-bin/gettoken")).Should().Be(1, "the rejected token is replaced from WeCom once, then the fresh one is used");
        Encoding.UTF8.GetString(shared.Values.Values.Single()).Should().Contain(Token1, "the fresh token overwrote the rejected one");
    }

    [Fact]
    public async Task An_expires_in_of_1e15_is_clamped_to_WeComs_lifetime()
    {
        await LoadHappyPathAsync();
        await WireMock.StubAsync("""{ "priority": 1, "request": { "method": "GET", "urlPath": "/cgi-bin/gettoken" }, "response": { "status": 200, "jsonBody": { "errcode": 0, "errmsg": "ok", "access_token": "wecom-token-ACCESS1", "expires_in": 1e15 } } }""");
        var connector = Connector();

        await connector.GetUserInfoAsync(Callback("code-member"));
        Time.Advance(TimeSpan.FromSeconds(7200));
        await connector.GetUserInfoAsync(Callback("code-member"));

        (await WireMock.CountAsync("GET", "/cgi-bin/gettoken")).Should().Be(2, "the token is refreshed within WeCom's documented 7,200 s");
    }

    [Theory]
    [InlineData("""{ "errcode": 0, "errmsg": "ok", "userid": "\ud800" }""")]
    [InlineData("""{ "errcode": 0, "errmsg": "\ud800", "openid": "\udc00x" }""")]
    public async Task An_identity_that_is_not_text_is_InvalidResponse(string body)
    {
        await LoadHappyPathAsync();
        await WireMock.StubAsync($$"""{ "priority": 1, "request": { "method": "GET", "urlPath": "/cgi-bin/auth/getuserinfo" }, "response": { "status": 200, "jsonBody": {{body}} } }""");

        var act = () => Connector().GetUserInfoAsync(Callback("code-member"));

        (await act.Should().ThrowAsync<ConnectorException>()).Which.Code.Should().Be(ConnectorErrorCode.InvalidResponse);
    }

    [Fact]
    public async Task A_getuserinfo_body_with_a_property_name_that_is_not_text_is_InvalidResponse()
    {
        await LoadHappyPathAsync();
        await WireMock.StubAsync("""
            { "priority": 1, "request": { "method": "GET", "urlPath": "/cgi-bin/auth/getuserinfo" },
              "response": { "status": 200, "body": "{\"\\ud800x\":1,\"errcode\":0,\"userid\":\"lisi\"}", "headers": { "Content-Type": "application/json" } } }
            """);

        var act = () => Connector().GetUserInfoAsync(Callback("code-member"));

        (await act.Should().ThrowAsync<ConnectorException>()).Which.Code.Should().Be(ConnectorErrorCode.InvalidResponse);
    }

    [Theory]
    [InlineData("""{ "errcode": 0, "errmsg": "ok", "userid": "lisi", "name": "\ud800" }""")]
    [InlineData("""{ "errcode": 0, "errmsg": "ok", "userid": "lisi", "\ud800": "x" }""")]
    public async Task Member_details_that_are_not_text_leave_the_sign_in_working(string body)
    {
        await LoadHappyPathAsync();
        await WireMock.StubAsync($$"""{ "priority": 1, "request": { "method": "GET", "urlPath": "/cgi-bin/user/get" }, "response": { "status": 200, "jsonBody": {{body}} } }""");

        var user = await Connector().GetUserInfoAsync(Callback("code-member"));

        user.Id.Should().Be("lisi");
        user.Name.Should().Be("lisi", "an unreadable name falls back to the id");
    }

    [Fact]
    public async Task A_config_with_a_lone_surrogate_is_InvalidConfig()
    {
        var json = """{ "corpId": "ww\ud800", "agentId": "1000002", "secret": "s\udfff" }""";

        var errors = Services().GetRequiredService<WeComConnectorFactory>().Validate(ConnectorHost.Json(json));
        var act = () => Services().Create<ISocialConnector>(WeComConnectorFactory.ConnectorId, json);

        errors.Select(e => e.Path).Should().BeEquivalentTo("corpId", "secret");
        act.Should().Throw<ConnectorException>().Which.Code.Should().Be(ConnectorErrorCode.InvalidConfig);
    }

    [Fact]
    public async Task Provider_text_that_echoes_the_secret_or_the_code_is_redacted()
    {
        await LoadHappyPathAsync();
        await WireMock.StubAsync($$"""{ "priority": 1, "request": { "method": "GET", "urlPath": "/cgi-bin/auth/getuserinfo" }, "response": { "status": 200, "jsonBody": { "errcode": 40003, "errmsg": "bad code code-member with token {{Token1}} for {{Secret}}" } } }""");

        var act = () => Connector().GetUserInfoAsync(Callback("code-member"));

        var error = (await act.Should().ThrowAsync<ConnectorException>()).Which;
        error.Message.Should().Contain("bad code *** with token *** for ***");
        SecretAssertions.Texts(error).Concat(Logs.AllText).ShouldNotContainAny(Secrets);
    }

    [Fact]
    public async Task A_sign_in_is_bounded_by_its_total_timeout()
    {
        await LoadHappyPathAsync();
        await WireMock.StubAsync("""{ "priority": 1, "request": { "method": "GET", "urlPath": "/cgi-bin/auth/getuserinfo" }, "response": { "status": 200, "fixedDelayMilliseconds": 60000, "jsonBody": { "errcode": 0, "userid": "late" } } }""");
        var connector = Connector(configure: o =>
        {
            o.Http.AttemptTimeout = TimeSpan.FromHours(1); // only the sign-in's budget can end it
            o.Http.OverallTimeout = TimeSpan.FromHours(1);
            o.Http.TotalTimeout = TimeSpan.FromSeconds(20);
        });

        var signIn = connector.GetUserInfoAsync(Callback("code-member"));
        await WireMock.WaitForCountAsync("GET", "/cgi-bin/auth/getuserinfo", 1);
        Time.Advance(TimeSpan.FromSeconds(20));

        var error = (await signIn.WaitAsync(TimeSpan.FromSeconds(60)).Awaiting(s => s).Should().ThrowAsync<ConnectorException>()).Which;
        error.Code.Should().Be(ConnectorErrorCode.General);
        error.Operation.Should().Be("sign-in");
        error.Message.Should().Contain("did not complete within 20 s");
    }

    [Fact]
    public async Task Failures_before_any_request_go_through_the_failure_path()
    {
        var services = Services();
        using var metrics = services.FailureMetrics();
        var connector = services.Create<ISocialConnector>(WeComConnectorFactory.ConnectorId, ConfigJson);

        var badState = (await connector.Awaiting(c => c.GetAuthorizationUriAsync(new AuthorizationRequest("not/ok", new Uri("https://id.example.com/cb"))).AsTask())
            .Should().ThrowAsync<ConnectorException>()).Which;
        var noCode = (await connector.Awaiting(c => c.GetUserInfoAsync(SocialCallback.FromQueryString("state=x")))
            .Should().ThrowAsync<ConnectorException>()).Which;
        var badConfig = ((Action)(() => services.Create<ISocialConnector>(WeComConnectorFactory.ConnectorId, "{}"))).Should().Throw<ConnectorException>().Which;

        foreach (var (error, operation) in new[] { (badState, "authorize"), (noCode, "callback"), (badConfig, "create") })
        {
            error.Provider.Should().Be("WeCom");
            error.Operation.Should().Be(operation);
            metrics.Failures().Should().Contain(("WeCom", operation, error.WireCode));
            Logs.Entries.Should().Contain(e => e.Id.Id == 1003 && e.Value("Operation") == operation);
        }
    }

    /// <summary>A shared cache whose removes are lost (replica lag): the rejected token stays until overwritten.</summary>
    private sealed class StickyCache : IDistributedCache
    {
        public System.Collections.Concurrent.ConcurrentDictionary<string, byte[]> Values { get; } = new();

        public byte[]? Get(string key) => Values.TryGetValue(key, out var v) ? v : null;

        public Task<byte[]?> GetAsync(string key, CancellationToken token = default) => Task.FromResult(Get(key));

        public void Set(string key, byte[] value, DistributedCacheEntryOptions options) => Values[key] = value;

        public Task SetAsync(string key, byte[] value, DistributedCacheEntryOptions options, CancellationToken token = default)
        {
            Set(key, value, options);
            return Task.CompletedTask;
        }

        public void Refresh(string key)
        {
        }

        public Task RefreshAsync(string key, CancellationToken token = default) => Task.CompletedTask;

        public void Remove(string key) => throw new IOException("replica lag");

        public Task RemoveAsync(string key, CancellationToken token = default) => Task.FromException(new IOException("replica lag"));
    }
}
