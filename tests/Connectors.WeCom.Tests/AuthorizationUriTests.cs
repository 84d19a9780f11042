namespace Connectors.WeCom.Tests;

[Collection(WireMockTest.Collection)]
public sealed class AuthorizationUriTests(WireMockFixture fixture) : WeComTestBase(fixture)
{
    private static readonly Uri Redirect = new("https://id.example.com/callback/wecom?tenant=a b&x=中");
    private const string EncodedRedirect = "https%3A%2F%2Fid.example.com%2Fcallback%2Fwecom%3Ftenant%3Da%2520b%26x%3D%25E4%25B8%25AD";
    private const string WxWorkAgent = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 wxwork/4.1.22 MicroMessenger/7.0.1 Language/zh";

    [Fact]
    public async Task Browser_gets_the_current_web_login_page()
    {
        var redirect = await Connector().GetAuthorizationUriAsync(new AuthorizationRequest("abc123", Redirect) { UserAgent = "Mozilla/5.0 Chrome/120" });

        redirect.Uri.AbsoluteUri.Should().Be(
            $"https://login.work.weixin.qq.com/wwlogin/sso/login?login_type=CorpApp&appid=ww-corp-1&agentid=1000002&redirect_uri={EncodedRedirect}&state=abc123");
        redirect.Session.Should().BeEmpty();
    }

    [Fact]
    public async Task Redirect_uri_is_encoded_exactly_once()
    {
        var redirect = await Connector().GetAuthorizationUriAsync(new AuthorizationRequest("abc123", Redirect));

        SocialCallback.FromQueryString(redirect.Uri.Query).Parameters["redirect_uri"].Should().Be(Redirect.AbsoluteUri);
    }

    [Theory]
    [InlineData(WxWorkAgent)]
    [InlineData("Mozilla/5.0 WXWORK/3.0 (desktop)")]
    public async Task WeCom_client_gets_the_in_client_OAuth_url_with_the_fragment(string userAgent)
    {
        var redirect = await Connector().GetAuthorizationUriAsync(new AuthorizationRequest("abc123", Redirect) { UserAgent = userAgent });

        redirect.Uri.AbsoluteUri.Should().Be(
            $"https://open.weixin.qq.com/connect/oauth2/authorize?appid=ww-corp-1&redirect_uri={EncodedRedirect}&response_type=code&scope=snsapi_base&state=abc123&agentid=1000002#wechat_redirect");
    }

    [Theory]
    [InlineData(null, null, "snsapi_base")]
    [InlineData(null, "snsapi_privateinfo", "snsapi_privateinfo")]
    [InlineData("snsapi_privateinfo", "snsapi_base", "snsapi_privateinfo")]
    [InlineData("  ", "snsapi_privateinfo", "snsapi_privateinfo")]
    [InlineData(null, "snsapi_userinfo", "snsapi_userinfo")]
    public async Task Scope_is_the_request_scope_else_the_config_scope_else_snsapi_base(string? requestScope, string? configScope, string expected)
    {
        var config = configScope is null ? ConfigJson : $$"""{ "corpId": "ww-corp-1", "agentId": "1000002", "secret": "s", "scope": "{{configScope}}" }""";

        var redirect = await Connector(config).GetAuthorizationUriAsync(new AuthorizationRequest("abc", Redirect) { Scope = requestScope, UserAgent = WxWorkAgent });

        SocialCallback.FromQueryString(redirect.Uri.Query).Parameters["scope"].Should().Be(expected);
    }

    [Fact]
    public async Task Legacy_qrConnect_and_lang_are_available_through_options()
    {
        var connector = Connector(configure: o =>
        {
            o.BrowserLogin = WeComBrowserLogin.LegacyQrConnect;
            o.Lang = "en";
        });

        var redirect = await connector.GetAuthorizationUriAsync(new AuthorizationRequest("abc123", new Uri("http://localhost:3001/callback")));

        redirect.Uri.AbsoluteUri.Should().Be(
            "https://open.work.weixin.qq.com/wwopen/sso/qrConnect?appid=ww-corp-1&agentid=1000002&redirect_uri=http%3A%2F%2Flocalhost%3A3001%2Fcallback&state=abc123&lang=en");
    }

    [Fact]
    public async Task Endpoints_come_from_host_options()
    {
        var connector = Connector(configure: o =>
        {
            o.WebLoginEndpoint = new Uri(WireMock.BaseUri, "/wwlogin/sso/login");
            o.InClientAuthorizeEndpoint = new Uri(WireMock.BaseUri, "/connect/oauth2/authorize");
        });

        var browser = await connector.GetAuthorizationUriAsync(new AuthorizationRequest("a", Redirect));
        var client = await connector.GetAuthorizationUriAsync(new AuthorizationRequest("a", Redirect) { UserAgent = WxWorkAgent });

        browser.Uri.GetLeftPart(UriPartial.Path).Should().Be(new Uri(WireMock.BaseUri, "/wwlogin/sso/login").AbsoluteUri);
        client.Uri.GetLeftPart(UriPartial.Path).Should().Be(new Uri(WireMock.BaseUri, "/connect/oauth2/authorize").AbsoluteUri);
    }

    [Theory]
    [InlineData("some_state")]
    [InlineData("")]
    [InlineData("state-with-dash")]
    [InlineData("状态")]
    [InlineData("a b")]
    public async Task A_state_WeCom_would_reject_is_refused_before_building_a_url(string state)
    {
        var act = async () => await Connector().GetAuthorizationUriAsync(new AuthorizationRequest(state, Redirect));

        var error = (await act.Should().ThrowAsync<ConnectorException>()).Which;
        error.Code.Should().Be(ConnectorErrorCode.InvalidRequestParameters);
        error.Message.Should().Contain("1 to 128 ASCII letters and digits");
    }

    [Fact]
    public async Task A_state_of_128_characters_is_accepted_and_129_is_not()
    {
        var connector = Connector();
        await connector.GetAuthorizationUriAsync(new AuthorizationRequest(new string('a', 128), Redirect));

        var act = async () => await connector.GetAuthorizationUriAsync(new AuthorizationRequest(new string('a', 129), Redirect));

        (await act.Should().ThrowAsync<ConnectorException>()).Which.Code.Should().Be(ConnectorErrorCode.InvalidRequestParameters);
    }
}
