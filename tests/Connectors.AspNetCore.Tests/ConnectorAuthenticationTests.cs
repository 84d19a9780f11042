using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Connectors.WeCom;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Identity;

namespace Connectors.AspNetCore.Tests;

[Collection(WireMockTest.Collection)]
public sealed class ConnectorAuthenticationTests(WireMockFixture fixture) : WireMockTest(fixture)
{
    private const string WxWork = "Mozilla/5.0 (iPhone) AppleWebKit/605.1.15 Mobile/15E148 wxwork/4.1.22 MicroMessenger/7.0.1";
    private static readonly string[] Secrets = ["wecom-secret-S3CR3T", "wecom-token-ACCESS1", "code-member", "hf-secret-S3CR3T", "hf-code-GOOD", "hf_oauth_ACCESS1", "hf_oauth_REFRESH1"];

    /// <summary>Every log line but ASP.NET Core's own request log (Hosting.Diagnostics writes each request URL, the
    /// callback's code and state included: a host keeps it at Warning, see README), which no handler controls.</summary>
    private IEnumerable<string> LogText => Logs.Entries.Where(e => e.Category != "Microsoft.AspNetCore.Hosting.Diagnostics").Select(e => e.FullText);

    private async Task LoadWeComAsync()
    {
        foreach (var file in new[] { "gettoken", "getuserinfo", "user-get", "getuserdetail" })
        {
            await WireMock.LoadContractAsync($"wecom/{file}.json");
        }
    }

    private async Task LoadHuggingFaceAsync()
    {
        await WireMock.LoadContractAsync("huggingface/token.json");
        await WireMock.LoadContractAsync("huggingface/userinfo.json");
    }

    private static async Task<string> FailureAsync(HttpResponseMessage response)
    {
        response.StatusCode.Should().Be(HttpStatusCode.BadRequest, "a refused callback is a remote failure");
        return await response.Content.ReadAsStringAsync();
    }

    [Fact]
    public async Task A_WeCom_sign_in_goes_through_the_scheme_and_signs_the_user_in()
    {
        await LoadWeComAsync();
        await using var app = await TestApp.StartAsync(WireMock.BaseUri, Logs);
        var browser = app.NewBrowser();

        var (provider, state) = await browser.ChallengeAsync("wecom");
        var attempt = browser.Cookies.GetCookies(new Uri("https://id.example.com/signin-wecom")).Single(c => c.Name.StartsWith(".Connectors.Attempt.", StringComparison.Ordinal));
        using var callback = await browser.CallbackAsync("wecom", $"code=code-member&state={state}");
        var me = await browser.MeAsync();

        provider.GetLeftPart(UriPartial.Path).Should().Be("https://login.work.weixin.qq.com/wwlogin/sso/login");
        state.Should().MatchRegex("^[A-Za-z0-9]{32}$", "WeCom accepts letters and digits only");
        attempt.Name.Should().Be(".Connectors.Attempt." + state);
        attempt.HttpOnly.Should().BeTrue();
        attempt.Secure.Should().BeTrue();
        attempt.Path.Should().Be("/signin-wecom");
        callback.StatusCode.Should().Be(HttpStatusCode.Redirect);
        callback.Headers.Location!.OriginalString.Should().Be("/me");
        browser.Cookies.GetCookies(new Uri("https://id.example.com/signin-wecom")).Where(c => c.Name.StartsWith(".Connectors.Attempt.", StringComparison.Ordinal)).Should().BeEmpty("the attempt cookie is deleted on callback");
        var claims = me.GetProperty("claims");
        claims.GetProperty(System.Security.Claims.ClaimTypes.NameIdentifier).GetString().Should().Be("ww-corp-1|lisi", "a userid names a member of one corp only");
        claims.GetProperty(ConnectorClaimTypes.UserId).GetString().Should().Be("lisi");
        claims.GetProperty(ConnectorClaimTypes.Tenant).GetString().Should().Be("ww-corp-1");
        claims.GetProperty(System.Security.Claims.ClaimTypes.Name).GetString().Should().Be("李四");
        claims.GetProperty(ConnectorClaimTypes.Connector).GetString().Should().Be(WeComConnectorFactory.ConnectorId);
        LogText.ShouldNotContainAny([.. Secrets, state]);
    }

    [Fact]
    public async Task Inside_the_WeCom_client_the_challenge_goes_to_the_in_client_page()
    {
        await using var app = await TestApp.StartAsync(WireMock.BaseUri, Logs);

        var (provider, _) = await app.NewBrowser(WxWork).ChallengeAsync("wecom");

        provider.GetLeftPart(UriPartial.Path).Should().Be("https://open.weixin.qq.com/connect/oauth2/authorize");
        provider.Fragment.Should().Be("#wechat_redirect");
    }

    [Fact]
    public async Task Hugging_Face_uses_PKCE_through_the_scheme_and_saves_its_tokens()
    {
        await LoadHuggingFaceAsync();
        await using var app = await TestApp.StartAsync(WireMock.BaseUri, Logs);
        var browser = app.NewBrowser();

        var (provider, state) = await browser.ChallengeAsync("huggingface");
        using var callback = await browser.CallbackAsync("huggingface", $"code=hf-code-GOOD&state={state}");
        var me = await browser.MeAsync();

        var challenge = SocialCallback.FromQueryString(provider.Query).Parameters["code_challenge"];
        var verifier = (await WireMock.GetRequestsAsync()).Single(r => r.Path == "/oauth/token").Form["code_verifier"];
        Convert.ToBase64String(SHA256.HashData(Encoding.ASCII.GetBytes(verifier))).TrimEnd('=').Replace('+', '-').Replace('/', '_').Should().Be(challenge);
        me.GetProperty("claims").GetProperty(System.Security.Claims.ClaimTypes.NameIdentifier).GetString().Should().Be(WireMock.BaseUri.GetLeftPart(UriPartial.Authority) + "|64f1e2d3c4b5a69788796a5b", "the Hub (here WireMock) is the issuer");
        me.GetProperty("accessToken").GetString().Should().Be("hf_oauth_ACCESS1");
        me.GetProperty("expiresAt").GetString().Should().NotBeNullOrEmpty();
        LogText.ShouldNotContainAny([.. Secrets, verifier]);
    }

    [Fact]
    public async Task Two_sign_ins_at_once_in_one_browser_both_work()
    {
        await LoadWeComAsync();
        await using var app = await TestApp.StartAsync(WireMock.BaseUri, Logs);
        var browser = app.NewBrowser();

        var (_, first) = await browser.ChallengeAsync("wecom");
        var (_, second) = await browser.ChallengeAsync("wecom");
        using var secondDone = await browser.CallbackAsync("wecom", $"code=code-member&state={second}");
        using var firstDone = await browser.CallbackAsync("wecom", $"code=code-member&state={first}");

        first.Should().NotBe(second);
        secondDone.StatusCode.Should().Be(HttpStatusCode.Redirect);
        firstDone.StatusCode.Should().Be(HttpStatusCode.Redirect);
    }

    [Fact]
    public async Task A_callback_without_its_attempt_cookie_is_refused()
    {
        await using var app = await TestApp.StartAsync(WireMock.BaseUri, Logs);
        var (_, state) = await app.NewBrowser().ChallengeAsync("wecom");

        var failure = await FailureAsync(await app.NewBrowser().CallbackAsync("wecom", $"code=code-member&state={state}"));

        failure.Should().Contain("does not match any sign-in attempt of this browser");
        (await WireMock.GetRequestsAsync()).Should().BeEmpty("nothing reaches the provider");
    }

    [Fact]
    public async Task A_tampered_attempt_cookie_is_refused()
    {
        await using var app = await TestApp.StartAsync(WireMock.BaseUri, Logs);
        var browser = app.NewBrowser();
        var (_, state) = await browser.ChallengeAsync("wecom");
        var cookie = browser.Cookies.GetCookies(new Uri("https://id.example.com/signin-wecom")).Single();
        cookie.Value = cookie.Value[..^4] + (cookie.Value.EndsWith("AAAA", StringComparison.Ordinal) ? "BBBB" : "AAAA");

        var failure = await FailureAsync(await browser.CallbackAsync("wecom", $"code=code-member&state={state}"));

        failure.Should().Contain("invalid or was tampered with");
    }

    [Fact]
    public async Task A_state_that_does_not_match_its_attempt_is_refused()
    {
        await using var app = await TestApp.StartAsync(WireMock.BaseUri, Logs);
        var browser = app.NewBrowser();
        var (_, state) = await browser.ChallengeAsync("wecom");
        var cookie = browser.Cookies.GetCookies(new Uri("https://id.example.com/signin-wecom")).Single();
        browser.Cookies.Add(new Cookie(".Connectors.Attempt.OtherState123", cookie.Value, "/signin-wecom", "id.example.com") { Secure = true });

        var failure = await FailureAsync(await browser.CallbackAsync("wecom", "code=code-member&state=OtherState123"));

        failure.Should().Contain("state does not match");
        LogText.ShouldNotContainAny(state);
    }

    [Fact]
    public async Task A_replayed_callback_is_refused_even_with_its_cookie()
    {
        await LoadWeComAsync();
        await using var app = await TestApp.StartAsync(WireMock.BaseUri, Logs);
        var browser = app.NewBrowser();
        var (_, state) = await browser.ChallengeAsync("wecom");
        var cookie = browser.Cookies.GetCookies(new Uri("https://id.example.com/signin-wecom")).Single();
        using var first = await browser.CallbackAsync("wecom", $"code=code-member&state={state}");

        browser.Cookies.Add(new Cookie(cookie.Name, cookie.Value, cookie.Path, cookie.Domain) { Secure = true });
        var failure = await FailureAsync(await browser.CallbackAsync("wecom", $"code=code-member&state={state}"));

        first.StatusCode.Should().Be(HttpStatusCode.Redirect);
        failure.Should().Contain("already used");
        (await WireMock.CountAsync("GET", "/cgi-bin/auth/getuserinfo")).Should().Be(1);
    }

    [Fact]
    public async Task A_callback_replayed_to_another_instance_is_refused_through_the_shared_replay_store()
    {
        await LoadWeComAsync();
        var shared = new SharedReplays();
        var keys = Directory.CreateTempSubdirectory("connectors-keys-");
        void Instance(WebApplicationBuilder builder)
        {
            builder.Services.AddDataProtection().SetApplicationName("idp").PersistKeysToFileSystem(keys);
            builder.Services.AddSingleton<IReplayStore>(shared);
        }

        await using var one = await TestApp.StartAsync(WireMock.BaseUri, Logs, Instance);
        await using var other = await TestApp.StartAsync(WireMock.BaseUri, Logs, Instance);
        var browser = one.NewBrowser();
        var (_, state) = await browser.ChallengeAsync("wecom");
        var cookie = browser.Cookies.GetCookies(new Uri("https://id.example.com/signin-wecom")).Single();
        using var first = await browser.CallbackAsync("wecom", $"code=code-member&state={state}");

        var replay = other.NewBrowser(cookies: browser.Cookies);
        browser.Cookies.Add(new Cookie(cookie.Name, cookie.Value, cookie.Path, cookie.Domain) { Secure = true });
        var failure = await FailureAsync(await replay.CallbackAsync("wecom", $"code=code-member&state={state}"));

        first.StatusCode.Should().Be(HttpStatusCode.Redirect);
        failure.Should().Contain("already used");
        (await WireMock.CountAsync("GET", "/cgi-bin/auth/getuserinfo")).Should().Be(1);
        shared.Keys.Should().ContainSingle().Which.Should().StartWith("connectors:replay:").And.NotContain(state, "the key is a hash");
        keys.Delete(recursive: true);
    }

    [Fact]
    public async Task A_shared_replay_store_that_fails_does_not_fail_the_sign_in_and_is_logged()
    {
        await LoadWeComAsync();
        await using var app = await TestApp.StartAsync(WireMock.BaseUri, Logs, b => b.Services.AddSingleton<IReplayStore>(new SharedReplays { Down = true }));
        var browser = app.NewBrowser();
        var (_, state) = await browser.ChallengeAsync("wecom");

        using var callback = await browser.CallbackAsync("wecom", $"code=code-member&state={state}");

        callback.StatusCode.Should().Be(HttpStatusCode.Redirect);
        (await browser.MeAsync()).GetProperty("claims").GetProperty(ConnectorClaimTypes.UserId).GetString().Should().Be("lisi");
        Logs.Entries.Should().ContainSingle(e => e.Id.Id == 4002).Which.Value("Store").Should().Be("Redis");
    }

    /// <summary>An <see cref="IReplayStore"/> shared by two instances in this process (Connectors.Redis tests its
    /// own on a real Redis); or one that is down.</summary>
    private sealed class SharedReplays : IReplayStore
    {
        private readonly System.Collections.Concurrent.ConcurrentDictionary<string, bool> _used = new();

        public bool Down { get; init; }

        public IEnumerable<string> Keys => _used.Keys;

        public ValueTask<bool> TryUseAsync(string key, TimeSpan lifetime, CancellationToken cancellationToken) =>
            Down ? throw new ConnectorException(ConnectorErrorCode.General, "Redis could not be reached.") { Provider = "Redis" } : ValueTask.FromResult(_used.TryAdd(key, true));
    }

    [Theory]
    [InlineData("//evil.example/x", "/")]
    [InlineData("/\\evil.example/x", "/")]
    [InlineData("https://evil.example/x", "/")]
    [InlineData("/me?tab=1", "/me?tab=1")]
    [InlineData("https://id.example.com/me", "https://id.example.com/me")]
    public async Task A_sign_in_returns_to_this_site_only(string to, string location)
    {
        await LoadWeComAsync();
        await using var app = await TestApp.StartAsync(WireMock.BaseUri, Logs);
        var browser = app.NewBrowser();
        using var challenge = await browser.GetAsync($"/return/wecom?to={Uri.EscapeDataString(to)}");
        var state = SocialCallback.FromQueryString(challenge.Headers.Location!.Query).Parameters["state"];

        using var callback = await browser.CallbackAsync("wecom", $"code=code-member&state={state}");

        callback.StatusCode.Should().Be(HttpStatusCode.Redirect);
        callback.Headers.Location!.OriginalString.Should().Be(location);
        Logs.Entries.Count(e => e.Id.Id == 4001).Should().Be(location == to ? 0 : 1);
    }

    [Fact]
    public async Task A_challenge_from_a_path_that_reads_as_another_site_returns_to_the_root()
    {
        await LoadWeComAsync();
        await using var app = await TestApp.StartAsync(WireMock.BaseUri, Logs, endpoints: a => a.MapGet("/{**path}", (string path) => Results.Challenge(new AuthenticationProperties(), ["wecom"])));
        var browser = app.NewBrowser();
        using var challenge = await browser.GetAsync("https://id.example.com//evil.example/x");
        var state = SocialCallback.FromQueryString(challenge.Headers.Location!.Query).Parameters["state"];

        using var callback = await browser.CallbackAsync("wecom", $"code=code-member&state={state}");

        callback.Headers.Location!.OriginalString.Should().Be("/");
    }

    [Fact]
    public async Task A_form_post_sign_in_keeps_its_attempt_in_a_SameSite_None_Secure_cookie()
    {
        await using var app = await TestApp.StartAsync(WireMock.BaseUri, Logs, services: b =>
        {
            b.Services.AddConnectors().AddOidc();
            b.Services.AddAuthentication().AddConnector("oidc", "OIDC", o =>
            {
                o.ConnectorId = "oidc";
                o.Config = ConnectorHost.Json("""
                    { "authorizationEndpoint": "https://op.example.com/authorize", "tokenEndpoint": "https://op.example.com/token", "clientId": "c", "clientSecret": "s",
                      "idTokenVerificationConfig": { "jwksUri": "https://op.example.com/jwks" }, "authRequestOptionalConfig": { "responseMode": "form_post" } }
                    """);
            });
        });
        var browser = app.NewBrowser();

        using var formPost = await browser.GetAsync("/login/oidc");
        using var query = await browser.GetAsync("/login/wecom");

        formPost.Headers.GetValues("Set-Cookie").Single().Should().Contain("samesite=none").And.Contain("secure");
        query.Headers.GetValues("Set-Cookie").Single().Should().Contain("samesite=lax");
    }

    [Fact]
    public async Task A_callback_for_another_schemes_attempt_is_refused()
    {
        await using var app = await TestApp.StartAsync(WireMock.BaseUri, Logs);
        var browser = app.NewBrowser();
        var (_, state) = await browser.ChallengeAsync("huggingface");
        var cookie = browser.Cookies.GetCookies(new Uri("https://id.example.com/signin-huggingface")).Single();
        browser.Cookies.Add(new Cookie(cookie.Name, cookie.Value, "/signin-wecom", "id.example.com") { Secure = true });

        var failure = await FailureAsync(await browser.CallbackAsync("wecom", $"code=code-member&state={state}"));

        failure.Should().Contain("another scheme");
    }

    [Fact]
    public async Task An_expired_attempt_is_refused()
    {
        await using var app = await TestApp.StartAsync(WireMock.BaseUri, Logs);
        var browser = app.NewBrowser();
        var (_, state) = await browser.ChallengeAsync("wecom");

        app.Time.Advance(TimeSpan.FromMinutes(16));
        var failure = await FailureAsync(await browser.CallbackAsync("wecom", $"code=code-member&state={state}"));

        failure.Should().Contain("expired");
    }

    [Theory]
    [InlineData("huggingface", "error=access_denied&error_description=The+user+denied+the+request")]
    [InlineData("wecom", "")]
    public async Task A_provider_denial_goes_to_the_access_denied_path(string scheme, string query)
    {
        await using var app = await TestApp.StartAsync(WireMock.BaseUri, Logs);
        var browser = app.NewBrowser();
        var (_, state) = await browser.ChallengeAsync(scheme);

        using var response = await browser.CallbackAsync(scheme, $"{query}&state={state}".TrimStart('&'));

        response.StatusCode.Should().Be(HttpStatusCode.Redirect);
        response.Headers.Location!.AbsolutePath.Should().Be("/denied");
        response.Headers.Location.Query.Should().Be("?ReturnUrl=%2Fme");
    }

    [Fact]
    public async Task A_connector_error_is_a_remote_failure_with_its_message_and_no_secret()
    {
        await LoadWeComAsync();
        await WireMock.StubAsync("""{ "priority": 1, "request": { "method": "GET", "urlPath": "/cgi-bin/auth/getuserinfo" }, "response": { "status": 200, "jsonBody": { "errcode": 40029, "errmsg": "invalid code code-member" } } }""");
        await using var app = await TestApp.StartAsync(WireMock.BaseUri, Logs);
        var browser = app.NewBrowser();
        var (_, state) = await browser.ChallengeAsync("wecom");

        var failure = await FailureAsync(await browser.CallbackAsync("wecom", $"code=code-member&state={state}"));

        failure.Should().Contain("authorization code is invalid");
        new[] { failure }.Concat(LogText).ShouldNotContainAny([.. Secrets, state]);
    }

    [Fact]
    public async Task Each_tenant_signs_in_with_its_own_WeCom_corp()
    {
        await WireMock.StubAsync("""{ "request": { "method": "GET", "urlPath": "/cgi-bin/gettoken" }, "response": { "status": 200, "jsonBody": { "errcode": 0, "access_token": "wecom-token-ACCESS1", "expires_in": 7200 } } }""");
        await LoadWeComAsync();
        await using var app = await TestApp.StartAsync(WireMock.BaseUri, Logs, wecom: o =>
        {
            o.Config = null;
            o.ConfigResolver = context => ValueTask.FromResult(ConnectorHost.Json($$"""{ "corpId": "ww-{{context.HttpContext.Request.Query["tenant"]}}", "agentId": "1000002", "secret": "tenant-secret" }"""));
        });

        foreach (var tenant in new[] { "tenant-a", "tenant-b" })
        {
            var browser = app.NewBrowser();
            using var challenge = await browser.GetAsync($"/login/wecom?tenant={tenant}");
            var location = challenge.Headers.Location!;
            var state = SocialCallback.FromQueryString(location.Query).Parameters["state"];
            SocialCallback.FromQueryString(location.Query).Parameters["appid"].Should().Be($"ww-{tenant}");
            using var callback = await browser.CallbackAsync("wecom", $"code=code-member&state={state}&tenant={tenant}");
            callback.StatusCode.Should().Be(HttpStatusCode.Redirect);
        }

        (await WireMock.GetRequestsAsync()).Where(r => r.Path == "/cgi-bin/gettoken").Select(r => r.Query["corpid"]).Should().Equal("ww-tenant-a", "ww-tenant-b");
    }

    [Fact]
    public async Task Identity_external_login_sees_the_scheme_and_the_connector_user_id()
    {
        await LoadWeComAsync();
        await using var app = await TestApp.StartAsync(WireMock.BaseUri, Logs,
            services: builder =>
            {
                builder.Services.AddIdentityCore<TestUser>().AddSignInManager();
                builder.Services.AddSingleton<IUserStore<TestUser>, TestUserStore>();
                builder.Services.AddAuthentication().AddIdentityCookies();
            },
            endpoints: app =>
            {
                app.MapGet("/external/{scheme}", (string scheme, SignInManager<TestUser> signIn) =>
                    Results.Challenge(signIn.ConfigureExternalAuthenticationProperties(scheme, "/external-done"), [scheme]));
                app.MapGet("/external-done", async (SignInManager<TestUser> signIn) =>
                    await signIn.GetExternalLoginInfoAsync() is { } info ? Results.Json(new { info.LoginProvider, info.ProviderKey, info.ProviderDisplayName }) : Results.Unauthorized());
            },
            wecom: o => o.SignInScheme = IdentityConstants.ExternalScheme);
        var browser = app.NewBrowser();

        using var challenge = await browser.GetAsync("/external/wecom");
        var state = SocialCallback.FromQueryString(challenge.Headers.Location!.Query).Parameters["state"];
        using var callback = await browser.CallbackAsync("wecom", $"code=code-member&state={state}");
        using var done = await browser.GetAsync(callback.Headers.Location!.OriginalString);
        var info = JsonDocument.Parse(await done.Content.ReadAsStringAsync()).RootElement;

        info.GetProperty("loginProvider").GetString().Should().Be("wecom");
        info.GetProperty("providerKey").GetString().Should().Be("ww-corp-1|lisi");
        info.GetProperty("providerDisplayName").GetString().Should().Be("WeCom");
    }

    public sealed class TestUser
    {
        public string Id { get; set; } = Guid.NewGuid().ToString();

        public string? UserName { get; set; }
    }

    private sealed class TestUserStore : IUserStore<TestUser>
    {
        public Task<IdentityResult> CreateAsync(TestUser user, CancellationToken cancellationToken) => Task.FromResult(IdentityResult.Success);

        public Task<IdentityResult> DeleteAsync(TestUser user, CancellationToken cancellationToken) => Task.FromResult(IdentityResult.Success);

        public void Dispose()
        {
        }

        public Task<TestUser?> FindByIdAsync(string userId, CancellationToken cancellationToken) => Task.FromResult<TestUser?>(null);

        public Task<TestUser?> FindByNameAsync(string normalizedUserName, CancellationToken cancellationToken) => Task.FromResult<TestUser?>(null);

        public Task<string?> GetNormalizedUserNameAsync(TestUser user, CancellationToken cancellationToken) => Task.FromResult(user.UserName?.ToUpperInvariant());

        public Task<string> GetUserIdAsync(TestUser user, CancellationToken cancellationToken) => Task.FromResult(user.Id);

        public Task<string?> GetUserNameAsync(TestUser user, CancellationToken cancellationToken) => Task.FromResult(user.UserName);

        public Task SetNormalizedUserNameAsync(TestUser user, string? normalizedName, CancellationToken cancellationToken) => Task.CompletedTask;

        public Task SetUserNameAsync(TestUser user, string? userName, CancellationToken cancellationToken)
        {
            user.UserName = userName;
            return Task.CompletedTask;
        }

        public Task<IdentityResult> UpdateAsync(TestUser user, CancellationToken cancellationToken) => Task.FromResult(IdentityResult.Success);
    }
}
