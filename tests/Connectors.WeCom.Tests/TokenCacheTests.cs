using Microsoft.Extensions.Caching.Distributed;
using Microsoft.Extensions.DependencyInjection;

namespace Connectors.WeCom.Tests;

[Collection(WireMockTest.Collection)]
public sealed class TokenCacheTests(WireMockFixture fixture) : WeComTestBase(fixture)
{
    [Fact]
    public async Task Expired_token_is_refreshed_once_and_the_call_retried()
    {
        await WireMock.LoadContractAsync("wecom/token-expiry.json");

        var user = await Connector().GetUserInfoAsync(Callback("code-member"));

        user.Should().BeEquivalentTo(new { Id = "lisi", Name = "李四" });
        var requests = await WireMock.GetRequestsAsync();
        requests.Select(r => r.Path + " " + r.Query.GetValueOrDefault("access_token")).Should().Equal(
            "/cgi-bin/gettoken ",
            $"/cgi-bin/auth/getuserinfo {Token1}",
            "/cgi-bin/gettoken ",
            $"/cgi-bin/auth/getuserinfo {Token2}",
            $"/cgi-bin/user/get {Token2}");
        Logs.Entries.Should().Contain(e => e.Id.Id == 2001);
        Logs.AllText.ShouldNotContainAny(Secrets);
    }

    [Theory]
    [InlineData(42001)]
    [InlineData(40014)]
    [InlineData(40001)]
    public async Task A_second_expiry_fails_with_SocialAccessTokenInvalid(int errcode)
    {
        await WireMock.LoadContractAsync("wecom/gettoken.json");
        await WireMock.StubAsync($$"""
            { "request": { "method": "GET", "urlPath": "/cgi-bin/auth/getuserinfo" },
              "response": { "status": 200, "jsonBody": { "errcode": {{errcode}}, "errmsg": "access_token expired" } } }
            """);

        var act = () => Connector().GetUserInfoAsync(Callback("code-member"));

        var error = (await act.Should().ThrowAsync<ConnectorException>()).Which;
        error.Code.Should().Be(ConnectorErrorCode.SocialAccessTokenInvalid);
        (await WireMock.CountAsync("GET", "/cgi-bin/gettoken")).Should().Be(2);
        (await WireMock.CountAsync("GET", "/cgi-bin/auth/getuserinfo")).Should().Be(2);
    }

    [Fact]
    public async Task Thousand_concurrent_sign_ins_on_a_cold_cache_make_one_gettoken_call()
    {
        await LoadHappyPathAsync();
        await WireMock.StubAsync("""
            { "priority": 1, "request": { "method": "GET", "urlPath": "/cgi-bin/gettoken" },
              "response": { "status": 200, "fixedDelayMilliseconds": 300,
                            "jsonBody": { "errcode": 0, "errmsg": "ok", "access_token": "wecom-token-ACCESS1", "expires_in": 7200 } } }
            """);
        // The HTTP timeouts run on the manual clock, so however long 1,000 sign-ins queue on a busy machine, none
        // times out: the test is about the token cache, not the machine's speed.
        var services = Services();
        var connectors = Enumerable.Range(0, 4).Select(_ => services.Create<ISocialConnector>(WeComConnectorFactory.ConnectorId, ConfigJson)).ToArray();

        var users = await Task.WhenAll(Enumerable.Range(0, 1000).Select(i => Task.Run(() => connectors[i % 4].GetUserInfoAsync(Callback("code-external")))))
            .WaitAsync(TimeSpan.FromMinutes(3));

        users.Should().OnlyContain(u => u.Id == "oEXTERNAL0001");
        (await WireMock.CountAsync("GET", "/cgi-bin/gettoken")).Should().Be(1);
        (await WireMock.CountAsync("GET", "/cgi-bin/auth/getuserinfo")).Should().Be(1000);
    }

    [Fact]
    public async Task Token_is_reused_until_the_refresh_margin()
    {
        await LoadHappyPathAsync();
        var connector = Connector(configure: o => o.TokenCache.RefreshMargin = TimeSpan.FromMinutes(5));

        await connector.GetUserInfoAsync(Callback("code-external"));
        Time.Advance(TimeSpan.FromSeconds(7200 - 300 - 1));
        await connector.GetUserInfoAsync(Callback("code-external"));
        (await WireMock.CountAsync("GET", "/cgi-bin/gettoken")).Should().Be(1);

        Time.Advance(TimeSpan.FromSeconds(2));
        await connector.GetUserInfoAsync(Callback("code-external"));
        (await WireMock.CountAsync("GET", "/cgi-bin/gettoken")).Should().Be(2);
    }

    [Fact]
    public async Task Different_apps_have_different_tokens()
    {
        await LoadHappyPathAsync();
        await WireMock.StubAsync("""
            { "request": { "method": "GET", "urlPath": "/cgi-bin/gettoken", "queryParameters": { "corpsecret": { "equalTo": "other-secret" } } },
              "response": { "status": 200, "jsonBody": { "errcode": 0, "errmsg": "ok", "access_token": "wecom-token-ACCESS1", "expires_in": 7200 } } }
            """);
        var services = Services();

        await services.Create<ISocialConnector>(WeComConnectorFactory.ConnectorId, ConfigJson).GetUserInfoAsync(Callback("code-external"));
        await services.Create<ISocialConnector>(WeComConnectorFactory.ConnectorId, """{ "corpId": "ww-corp-1", "agentId": "1000003", "secret": "other-secret" }""").GetUserInfoAsync(Callback("code-external"));
        await services.Create<ISocialConnector>(WeComConnectorFactory.ConnectorId, ConfigJson).GetUserInfoAsync(Callback("code-external"));

        (await WireMock.CountAsync("GET", "/cgi-bin/gettoken")).Should().Be(2);
    }

    [Fact]
    public async Task Instances_share_a_token_through_the_distributed_cache()
    {
        await LoadHappyPathAsync();
        var shared = new MemoryDistributedCache(Microsoft.Extensions.Options.Options.Create(new Microsoft.Extensions.Caching.Memory.MemoryDistributedCacheOptions()));
        ISocialConnector Instance() => Services(o => o.TokenCache.UseDistributedCache = true, s => s.AddSingleton<IDistributedCache>(shared))
            .Create<ISocialConnector>(WeComConnectorFactory.ConnectorId, ConfigJson);

        await Instance().GetUserInfoAsync(Callback("code-external"));
        await Instance().GetUserInfoAsync(Callback("code-external"));

        (await WireMock.CountAsync("GET", "/cgi-bin/gettoken")).Should().Be(1);
        var key = "connectors:wecom:token:" + Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(CorpId + "\n" + Secret)), 0, 16);
        (await shared.GetStringAsync(key)).Should().Contain(Token1, "the shared entry is keyed by a hash of corpId and secret, never the secret itself");
    }

    [Fact]
    public async Task A_failing_distributed_cache_does_not_fail_the_sign_in()
    {
        await LoadHappyPathAsync();
        var connector = Services(o => o.TokenCache.UseDistributedCache = true, s => s.AddSingleton<IDistributedCache, BrokenCache>())
            .Create<ISocialConnector>(WeComConnectorFactory.ConnectorId, ConfigJson);

        var user = await connector.GetUserInfoAsync(Callback("code-member"));

        user.Id.Should().Be("lisi");
        Logs.Entries.Should().Contain(e => e.Id.Id == 1101);
    }

    private sealed class BrokenCache : IDistributedCache
    {
        public byte[]? Get(string key) => throw new InvalidOperationException("cache down");

        public Task<byte[]?> GetAsync(string key, CancellationToken token = default) => throw new InvalidOperationException("cache down");

        public void Refresh(string key) => throw new InvalidOperationException("cache down");

        public Task RefreshAsync(string key, CancellationToken token = default) => throw new InvalidOperationException("cache down");

        public void Remove(string key) => throw new InvalidOperationException("cache down");

        public Task RemoveAsync(string key, CancellationToken token = default) => throw new InvalidOperationException("cache down");

        public void Set(string key, byte[] value, DistributedCacheEntryOptions options) => throw new InvalidOperationException("cache down");

        public Task SetAsync(string key, byte[] value, DistributedCacheEntryOptions options, CancellationToken token = default) => throw new InvalidOperationException("cache down");
    }
}
