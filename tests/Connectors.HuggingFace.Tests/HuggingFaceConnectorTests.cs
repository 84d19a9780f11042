using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.DependencyInjection;

namespace Connectors.HuggingFace.Tests;

[Collection(WireMockTest.Collection)]
public sealed partial class HuggingFaceConnectorTests(WireMockFixture fixture) : WireMockTest(fixture), IDisposable
{
    private const string ClientId = "hf-client-1";
    private const string ClientSecret = "hf-secret-S3CR3T";
    private const string Code = "hf-code-GOOD";
    private const string AccessToken = "hf_oauth_ACCESS1";
    private const string RefreshToken = "hf_oauth_REFRESH1";
    private const string ConfigJson = """{ "clientId": "hf-client-1", "clientSecret": "hf-secret-S3CR3T", "scope": "openid profile email" }""";

    // Without openid: no ID token is asked for, so tests of the token and userinfo calls need none.
    private const string OAuthOnlyConfigJson = """{ "clientId": "hf-client-1", "clientSecret": "hf-secret-S3CR3T", "scope": "profile email" }""";
    private static readonly Uri RedirectUri = new("https://id.example.com/callback/huggingface");
    private readonly List<ServiceProvider> _providers = [];
    // The connectors' clock (token expiry, HTTP timeouts): no timeout fires unless a test moves it.
    private readonly ManualTimeProvider _time = new();
    private static readonly TestSigningKeys Keys = new("hf-key-1", "hf-key-2"); // generated once: RSA key generation is slow

    public void Dispose()
    {
        _providers.ForEach(p => p.Dispose());
    }

    /// <summary>Hugging Face's JWKS holds <paramref name="keyIds"/> (all when none).</summary>
    private Task StubJwksAsync(params string[] keyIds) => WireMock.StubAsync($$"""
        { "request": { "method": "GET", "urlPath": "/oauth/jwks" }, "response": { "status": 200, "jsonBody": {{Keys.Jwks(keyIds)}} } }
        """);

    private ServiceProvider Services(Action<HuggingFaceOptions>? configure = null)
    {
        var provider = ConnectorHost.Build(Logs, b => b.AddHuggingFace(o =>
        {
            o.BaseAddress = WireMock.BaseUri;
            o.Http.RetryBaseDelay = TimeSpan.Zero; // timers run on the manual clock: retries must not wait for one
            configure?.Invoke(o);
        }), _time);
        _providers.Add(provider);
        return provider;
    }

    private ISocialConnector Connector(string config = ConfigJson, Action<HuggingFaceOptions>? configure = null) =>
        Services(configure).Create<ISocialConnector>(HuggingFaceConnectorFactory.ConnectorId, config);

    private static async Task<(ISocialConnector Connector, AuthorizationRedirect Redirect)> StartAsync(ISocialConnector connector) =>
        (connector, await connector.GetAuthorizationUriAsync(new AuthorizationRequest("state123", RedirectUri)));

    private static SocialCallback Callback(AuthorizationRedirect redirect, string query = $"code={Code}&state=state123") =>
        SocialCallback.FromQueryString(query, redirect.Session);

    private async Task LoadHappyPathAsync()
    {
        await WireMock.LoadContractAsync("huggingface/token.json");
        await WireMock.LoadContractAsync("huggingface/userinfo.json");
    }

    private string[] Secrets(AuthorizationRedirect redirect) =>
        [ClientSecret, Code, AccessToken, RefreshToken, redirect.Session[SessionKeys.CodeVerifier], "aGYtY2xpZW50LTE6aGYtc2VjcmV0LVMzQ1IzVA=="];

    [Fact]
    public async Task Authorization_url_has_every_parameter_in_order_with_PKCE_and_nonce()
    {
        var (_, redirect) = await StartAsync(Connector());

        var query = SocialCallback.FromQueryString(redirect.Uri.Query).Parameters;
        redirect.Uri.GetLeftPart(UriPartial.Path).Should().Be(new Uri(WireMock.BaseUri, "/oauth/authorize").AbsoluteUri);
        query.Keys.Should().Equal("response_type", "client_id", "scope", "redirect_uri", "state", "code_challenge", "code_challenge_method", "nonce");
        query["response_type"].Should().Be("code");
        query["client_id"].Should().Be(ClientId);
        query["scope"].Should().Be("openid profile email");
        query["redirect_uri"].Should().Be(RedirectUri.AbsoluteUri);
        query["state"].Should().Be("state123");
        query["code_challenge_method"].Should().Be("S256");
        redirect.Uri.Query.Should().Contain("scope=openid%20profile%20email").And.Contain("redirect_uri=https%3A%2F%2Fid.example.com%2Fcallback%2Fhuggingface");

        var verifier = redirect.Session[SessionKeys.CodeVerifier];
        verifier.Should().MatchRegex("^[A-Za-z0-9_-]{43}$");
        var expected = Convert.ToBase64String(SHA256.HashData(Encoding.ASCII.GetBytes(verifier))).TrimEnd('=').Replace('+', '-').Replace('/', '_');
        query["code_challenge"].Should().Be(expected);
        query["nonce"].Should().Be(redirect.Session[SessionKeys.Nonce]);
        redirect.Session[SessionKeys.RedirectUri].Should().Be(RedirectUri.AbsoluteUri);
    }

    [Fact]
    public async Task Each_authorization_gets_a_fresh_verifier_and_nonce()
    {
        var connector = Connector();
        var (_, first) = await StartAsync(connector);
        var (_, second) = await StartAsync(connector);

        first.Session[SessionKeys.CodeVerifier].Should().NotBe(second.Session[SessionKeys.CodeVerifier]);
        first.Session[SessionKeys.Nonce].Should().NotBe(second.Session[SessionKeys.Nonce]);
    }

    [Theory]
    [InlineData("custom_scope", """{ "clientId": "c", "clientSecret": "s" }""", "custom_scope", false)]
    [InlineData(null, """{ "clientId": "c", "clientSecret": "s", "scope": "profile\nemail" }""", "profile email", false)]
    [InlineData(null, """{ "clientId": "c", "clientSecret": "s" }""", "openid profile", true)]
    [InlineData("  ", """{ "clientId": "c", "clientSecret": "s", "scope": "profile" }""", "profile", false)]
    public async Task Scope_is_the_request_scope_else_the_config_scope_else_openid_profile(string? requestScope, string config, string expected, bool nonce)
    {
        var redirect = await Connector(config).GetAuthorizationUriAsync(new AuthorizationRequest("s", RedirectUri) { Scope = requestScope });

        var query = SocialCallback.FromQueryString(redirect.Uri.Query).Parameters;
        query["scope"].Should().Be(expected);
        query.ContainsKey("nonce").Should().Be(nonce);
        redirect.Session.ContainsKey(SessionKeys.Nonce).Should().Be(nonce);
    }

    [Fact]
    public async Task OrgIds_from_host_options_are_passed_through()
    {
        var connector = Connector(configure: o => o.OrgIds.Add("64f1e2d3c4b5a69788796a00"));

        var redirect = await connector.GetAuthorizationUriAsync(new AuthorizationRequest("s", RedirectUri));

        SocialCallback.FromQueryString(redirect.Uri.Query).Parameters["orgIds"].Should().Be("64f1e2d3c4b5a69788796a00");
    }

    [Fact]
    public async Task Happy_path_exchanges_the_code_with_PKCE_and_Basic_auth_and_maps_the_profile()
    {
        await LoadHappyPathAsync();
        var (connector, redirect) = await StartAsync(Connector(OAuthOnlyConfigJson));

        var user = await connector.GetUserInfoAsync(Callback(redirect));

        user.Id.Should().Be("64f1e2d3c4b5a69788796a5b");
        user.Tenant.Should().Be(WireMock.BaseUri.GetLeftPart(UriPartial.Authority), "the Hub's issuer");
        user.Name.Should().Be("Ada Lovelace");
        user.Email.Should().Be("ada@example.com");
        user.EmailVerified.Should().BeTrue("userinfo says email_verified: true");
        user.AvatarUrl.Should().Be("https://cdn-avatars.huggingface.co/v1/production/uploads/ada.png");
        user.Phone.Should().BeNull();
        user.RawData!.Value.GetProperty("preferred_username").GetString().Should().Be("ada");
        user.RawData!.Value.GetProperty("email_verified").GetBoolean().Should().BeTrue();
        user.RawData!.Value.GetProperty("orgs")[0].GetProperty("roleInOrg").GetString().Should().Be("admin");
        user.Tokens.Should().BeEquivalentTo(new TokenSet(AccessToken, "bearer")
        {
            RefreshToken = RefreshToken,
            Scope = "openid profile email",
            ExpiresAt = _time.GetUtcNow().AddSeconds(28800),
        });

        var requests = await WireMock.GetRequestsAsync();
        requests.Should().HaveCount(2);
        var token = requests[0];
        token.Method.Should().Be("POST");
        token.Path.Should().Be("/oauth/token");
        token.Header("Authorization").Should().Be("Basic aGYtY2xpZW50LTE6aGYtc2VjcmV0LVMzQ1IzVA==");
        token.Header("Content-Type").Should().StartWith("application/x-www-form-urlencoded");
        token.Form.Should().Equal(new Dictionary<string, string>
        {
            ["grant_type"] = "authorization_code",
            ["code"] = Code,
            ["redirect_uri"] = RedirectUri.AbsoluteUri,
            ["code_verifier"] = redirect.Session[SessionKeys.CodeVerifier],
        });
        var userinfo = requests[1];
        userinfo.Method.Should().Be("GET");
        userinfo.Path.Should().Be("/oauth/userinfo");
        userinfo.Header("Authorization").Should().Be($"Bearer {AccessToken}");
        Logs.AllText.ShouldNotContainAny(Secrets(redirect));
    }

    [Fact]
    public async Task Name_falls_back_to_preferred_username_and_no_email_scope_gives_no_email()
    {
        await WireMock.LoadContractAsync("huggingface/token.json");
        await WireMock.StubAsync("""
            { "request": { "method": "GET", "urlPath": "/oauth/userinfo" },
              "response": { "status": 200, "jsonBody": { "sub": "u-2", "name": "", "preferred_username": "grace", "picture": "", "isPro": true } } }
            """);
        var (connector, redirect) = await StartAsync(Connector("""{ "clientId": "hf-client-1", "clientSecret": "hf-secret-S3CR3T", "scope": "profile" }"""));

        var user = await connector.GetUserInfoAsync(Callback(redirect));

        user.Should().BeEquivalentTo(new { Id = "u-2", Name = "grace", Email = (string?)null, AvatarUrl = (string?)null });
        user.RawData!.Value.GetProperty("isPro").GetBoolean().Should().BeTrue();
    }

    [Theory]
    [InlineData("false")]
    [InlineData("\"true\"")]
    [InlineData("null")]
    public async Task An_email_the_Hub_does_not_call_verified_is_given_unverified(string verified)
    {
        await WireMock.LoadContractAsync("huggingface/token.json");
        await WireMock.StubAsync($$"""
            { "request": { "method": "GET", "urlPath": "/oauth/userinfo" },
              "response": { "status": 200, "jsonBody": { "sub": "u-3", "email": "new@example.com", "email_verified": {{verified}} } } }
            """);
        var (connector, redirect) = await StartAsync(Connector(OAuthOnlyConfigJson));

        var user = await connector.GetUserInfoAsync(Callback(redirect));

        user.Email.Should().Be("new@example.com", "as Logto, the address is passed on");
        user.EmailVerified.Should().BeFalse();
    }

    [Fact]
    public async Task Token_response_without_scope_or_expiry_is_accepted()
    {
        await WireMock.LoadContractAsync("huggingface/userinfo.json");
        await WireMock.StubAsync("""
            { "request": { "method": "POST", "urlPath": "/oauth/token" },
              "response": { "status": 200, "jsonBody": { "access_token": "hf_oauth_ACCESS1", "token_type": "bearer" } } }
            """);
        var (connector, redirect) = await StartAsync(Connector(OAuthOnlyConfigJson));

        var user = await connector.GetUserInfoAsync(Callback(redirect));

        user.Tokens.Should().BeEquivalentTo(new TokenSet(AccessToken, "bearer"));
    }

    [Fact]
    public async Task Callback_error_is_AuthorizationFailed_with_the_providers_error()
    {
        var (connector, redirect) = await StartAsync(Connector());

        var act = () => connector.GetUserInfoAsync(Callback(redirect, "error=access_denied&error_description=The+user+denied+the+request&state=state123"));

        var error = (await act.Should().ThrowAsync<ConnectorException>()).Which;
        error.Code.Should().Be(ConnectorErrorCode.AuthorizationFailed);
        error.ProviderErrorCode.Should().Be("access_denied");
        error.Message.Should().Contain("access_denied").And.Contain("The user denied the request");
        (await WireMock.GetRequestsAsync()).Should().BeEmpty();
    }

    [Fact]
    public async Task Missing_code_is_AuthorizationFailed()
    {
        var (connector, redirect) = await StartAsync(Connector());

        var act = () => connector.GetUserInfoAsync(Callback(redirect, "state=state123"));

        (await act.Should().ThrowAsync<ConnectorException>()).Which.Code.Should().Be(ConnectorErrorCode.AuthorizationFailed);
    }

    [Theory]
    [InlineData(SessionKeys.RedirectUri)]
    [InlineData(SessionKeys.CodeVerifier)]
    public async Task Session_without_redirect_uri_or_verifier_is_InvalidRequestParameters(string missing)
    {
        var (connector, redirect) = await StartAsync(Connector());
        var session = redirect.Session.Where(p => p.Key != missing).ToDictionary();

        var act = () => connector.GetUserInfoAsync(SocialCallback.FromQueryString($"code={Code}", session));

        var error = (await act.Should().ThrowAsync<ConnectorException>()).Which;
        error.Code.Should().Be(ConnectorErrorCode.InvalidRequestParameters);
        error.Message.Should().Contain(missing);
        (await WireMock.GetRequestsAsync()).Should().BeEmpty();
    }

    [Theory]
    [InlineData(400, """{"error":"invalid_grant","error_description":"The provided authorization grant is invalid"}""", ConnectorErrorCode.SocialAuthCodeInvalid, "invalid_grant")]
    [InlineData(400, """{"error":"invalid_client"}""", ConnectorErrorCode.InvalidConfig, "invalid_client")]
    [InlineData(401, """{"error":"unauthorized"}""", ConnectorErrorCode.InvalidConfig, "unauthorized")]
    [InlineData(401, "Unauthorized", ConnectorErrorCode.InvalidConfig, null)]
    [InlineData(400, """{"error":"invalid_request","error_description":"missing code_verifier"}""", ConnectorErrorCode.General, "invalid_request")]
    [InlineData(500, """{"error":"server_error"}""", ConnectorErrorCode.General, "server_error")]
    [InlineData(503, "<html>down</html>", ConnectorErrorCode.General, null)]
    [InlineData(429, "{}", ConnectorErrorCode.RateLimitExceeded, null)]
    public async Task Token_errors_map_to_codes_and_are_never_retried(int status, string body, ConnectorErrorCode expected, string? providerError)
    {
        await WireMock.StubAsync($$"""
            { "request": { "method": "POST", "urlPath": "/oauth/token" },
              "response": { "status": {{status}}, "body": {{System.Text.Json.JsonSerializer.Serialize(body)}}, "headers": { "Content-Type": "application/json" } } }
            """);
        var (connector, redirect) = await StartAsync(Connector());

        var act = () => connector.GetUserInfoAsync(Callback(redirect));

        var error = (await act.Should().ThrowAsync<ConnectorException>()).Which;
        error.Code.Should().Be(expected);
        error.ProviderErrorCode.Should().Be(providerError);
        error.HttpStatusCode.Should().Be(status);
        (await WireMock.CountAsync("POST", "/oauth/token")).Should().Be(1);
        (await WireMock.CountAsync("GET", "/oauth/userinfo")).Should().Be(0);
        SecretAssertions.Texts(error).Concat(Logs.AllText).ShouldNotContainAny(Secrets(redirect));
    }

    [Fact]
    public async Task Token_timeout_is_not_retried()
    {
        await WireMock.StubAsync("""
            { "request": { "method": "POST", "urlPath": "/oauth/token" },
              "response": { "status": 200, "fixedDelayMilliseconds": 60000, "jsonBody": { "access_token": "x", "token_type": "bearer" } } }
            """);
        var (connector, redirect) = await StartAsync(Connector());

        var exchange = connector.GetUserInfoAsync(Callback(redirect));
        await WireMock.WaitForCountAsync("POST", "/oauth/token", 1);
        _time.Advance(new ConnectorHttpOptions().AttemptTimeout);

        var error = (await exchange.WaitAsync(TimeSpan.FromSeconds(60)).Awaiting(e => e).Should().ThrowAsync<ConnectorException>()).Which;
        error.Message.Should().Contain("timed out");
        (await WireMock.CountAsync("POST", "/oauth/token")).Should().Be(1, "the code is single-use: a timed-out exchange is not repeated");
        Logs.Entries.Should().NotContain(e => e.Id.Id == 1002);
    }

    [Fact]
    public async Task Token_response_without_access_token_is_InvalidResponse()
    {
        await WireMock.StubAsync("""{ "request": { "method": "POST", "urlPath": "/oauth/token" }, "response": { "status": 200, "jsonBody": { "invalid_field": true } } }""");
        var (connector, redirect) = await StartAsync(Connector());

        var act = () => connector.GetUserInfoAsync(Callback(redirect));

        (await act.Should().ThrowAsync<ConnectorException>()).Which.Code.Should().Be(ConnectorErrorCode.InvalidResponse);
    }

    [Fact]
    public async Task Userinfo_401_is_SocialAccessTokenInvalid()
    {
        await WireMock.LoadContractAsync("huggingface/token.json");
        await WireMock.StubAsync("""{ "request": { "method": "GET", "urlPath": "/oauth/userinfo" }, "response": { "status": 401, "jsonBody": { "error": "Invalid credentials in Authorization header" } } }""");
        var (connector, redirect) = await StartAsync(Connector(OAuthOnlyConfigJson));

        var act = () => connector.GetUserInfoAsync(Callback(redirect));

        var error = (await act.Should().ThrowAsync<ConnectorException>()).Which;
        error.Code.Should().Be(ConnectorErrorCode.SocialAccessTokenInvalid);
        (await WireMock.CountAsync("GET", "/oauth/userinfo")).Should().Be(1);
        SecretAssertions.Texts(error).Concat(Logs.AllText).ShouldNotContainAny(Secrets(redirect));
    }

    [Fact]
    public async Task Userinfo_503_then_200_is_retried()
    {
        await LoadHappyPathAsync();
        await WireMock.StubAsync("""
            { "priority": 1, "scenarioName": "userinfo-flaky", "requiredScenarioState": "Started", "newScenarioState": "ok",
              "request": { "method": "GET", "urlPath": "/oauth/userinfo" }, "response": { "status": 503 } }
            """);
        var (connector, redirect) = await StartAsync(Connector(OAuthOnlyConfigJson));

        var user = await connector.GetUserInfoAsync(Callback(redirect));

        user.Id.Should().Be("64f1e2d3c4b5a69788796a5b");
        (await WireMock.CountAsync("GET", "/oauth/userinfo")).Should().Be(2);
        (await WireMock.CountAsync("POST", "/oauth/token")).Should().Be(1);
    }

    [Theory]
    [InlineData("""{ "status": 200, "body": "<html><body>Hugging Face</body></html>", "headers": { "Content-Type": "text/html" } }""")]
    [InlineData("""{ "status": 200, "jsonBody": { "id": "id", "name": "no sub" } }""")]
    [InlineData("""{ "status": 200, "jsonBody": "just a string" }""")]
    public async Task Userinfo_that_is_not_a_profile_is_InvalidResponse(string response)
    {
        await WireMock.LoadContractAsync("huggingface/token.json");
        await WireMock.StubAsync($$"""{ "request": { "method": "GET", "urlPath": "/oauth/userinfo" }, "response": {{response}} }""");
        var (connector, redirect) = await StartAsync(Connector(OAuthOnlyConfigJson));

        var act = () => connector.GetUserInfoAsync(Callback(redirect));

        (await act.Should().ThrowAsync<ConnectorException>()).Which.Code.Should().Be(ConnectorErrorCode.InvalidResponse);
    }

    [Fact]
    public async Task Basic_header_form_encodes_id_and_secret_containing_colon_and_percent()
    {
        await WireMock.StubAsync("""{ "request": { "method": "POST", "urlPath": "/oauth/token" }, "response": { "status": 400, "jsonBody": { "error": "invalid_grant" } } }""");
        var (connector, redirect) = await StartAsync(Connector("""{ "clientId": "my:client%id", "clientSecret": "p@ss:w%rd +x" }"""));

        await ((Func<Task>)(() => connector.GetUserInfoAsync(Callback(redirect)))).Should().ThrowAsync<ConnectorException>();

        var header = (await WireMock.GetRequestsAsync()).Single().Header("Authorization")!;
        header.Should().StartWith("Basic ");
        Encoding.UTF8.GetString(Convert.FromBase64String(header["Basic ".Length..])).Should().Be("my%3Aclient%25id:p%40ss%3Aw%25rd+%2Bx");
    }

    [Fact]
    public async Task Id_token_for_another_client_or_nonce_is_rejected()
    {
        await WireMock.LoadContractAsync("huggingface/userinfo.json");
        var (connector, redirect) = await StartAsync(Connector());
        var claims = $$"""{"iss":"{{WireMock.BaseUri.GetLeftPart(UriPartial.Authority)}}","aud":"hf-client-1","sub":"64f1e2d3c4b5a69788796a5b","exp":{{_time.GetUtcNow().AddHours(1).ToUnixTimeSeconds()}},"nonce":"not-the-nonce"}""";
        var jwt = Keys.Sign(claims, "hf-key-1");
        await StubJwksAsync();
        await WireMock.StubAsync($$"""
            { "request": { "method": "POST", "urlPath": "/oauth/token" },
              "response": { "status": 200, "jsonBody": { "access_token": "hf_oauth_ACCESS1", "token_type": "bearer", "id_token": "{{jwt}}" } } }
            """);

        var act = () => connector.GetUserInfoAsync(Callback(redirect));

        var error = (await act.Should().ThrowAsync<ConnectorException>()).Which;
        error.Code.Should().Be(ConnectorErrorCode.SocialIdTokenInvalid);
        error.Message.Should().Contain("nonce").And.NotContain(jwt);
    }

    [Fact]
    public async Task Id_token_with_the_right_claims_is_kept()
    {
        await WireMock.LoadContractAsync("huggingface/userinfo.json");
        var (connector, redirect) = await StartAsync(Connector());
        var claims = $$"""{"iss":"{{WireMock.BaseUri.GetLeftPart(UriPartial.Authority)}}","aud":"hf-client-1","sub":"64f1e2d3c4b5a69788796a5b","exp":{{_time.GetUtcNow().AddHours(1).ToUnixTimeSeconds()}},"nonce":"{{redirect.Session[SessionKeys.Nonce]}}"}""";
        var jwt = Keys.Sign(claims, "hf-key-1");
        await StubJwksAsync();
        await WireMock.StubAsync($$"""
            { "request": { "method": "POST", "urlPath": "/oauth/token" },
              "response": { "status": 200, "jsonBody": { "access_token": "hf_oauth_ACCESS1", "token_type": "bearer", "id_token": "{{jwt}}" } } }
            """);

        var user = await connector.GetUserInfoAsync(Callback(redirect));

        user.Tokens!.IdToken.Should().Be(jwt);
    }

    [Fact]
    public void Config_validation_lists_every_problem_and_hides_the_secret()
    {
        var factory = Services().GetRequiredService<HuggingFaceConnectorFactory>();

        factory.Validate(ConnectorHost.Json("""{ "clientSecret": "", "scope": ["openid"] }""")).Select(e => e.ToString())
            .Should().Equal("clientId: is required", "clientSecret: must not be empty", "scope: must be a string");
        factory.ParseConfig(ConnectorHost.Json(ConfigJson)).ToString().Should().NotContain(ClientSecret).And.Contain(ClientId);
    }

    [Fact]
    public void Metadata_names_the_scopes_and_marks_the_secret()
    {
        var metadata = Services().GetRequiredService<HuggingFaceConnectorFactory>().Metadata;

        metadata.Should().BeEquivalentTo(new { Id = "huggingface-universal", Target = "huggingface", Type = ConnectorType.Social });
        metadata.FormItems.Select(f => f.Key).Should().Equal("clientId", "clientSecret", "scope");
        metadata.FormItems.Single(f => f.IsConfidential).Key.Should().Be("clientSecret");
        metadata.FormItems.Single(f => f.Key == "scope").Description.Should().Contain("profile").And.Contain("email").And.Contain("enabled on the Hugging Face OAuth app");
    }
}
