using Microsoft.Extensions.DependencyInjection;

namespace Connectors.GitHub.Tests;

[Collection(WireMockTest.Collection)]
public sealed class GitHubConnectorTests(WireMockFixture fixture) : WireMockTest(fixture), IDisposable
{
    private const string ClientSecret = "gh-secret-S3CR3T";
    private const string Code = "gh-code-GOOD";
    private const string AccessToken = "gho_ACCESS1";
    private const string ConfigJson = """{ "clientId": "gh-client-1", "clientSecret": "gh-secret-S3CR3T" }""";
    private static readonly Uri RedirectUri = new("https://id.example.com/callback/github");
    private readonly List<ServiceProvider> _providers = [];

    public void Dispose() => _providers.ForEach(p => p.Dispose());

    private ServiceProvider Services(bool enterprise = true)
    {
        var provider = ConnectorHost.Build(Logs, b => b.AddGitHub(o =>
        {
            if (enterprise)
            {
                o.BaseAddress = WireMock.BaseUri; // a GitHub Enterprise Server: its API under /api/v3
            }

            o.Http.RetryBaseDelay = TimeSpan.Zero;
        }), new ManualTimeProvider());
        _providers.Add(provider);
        return provider;
    }

    private async Task<(SocialUserInfo User, AuthorizationRedirect Redirect)> SignInAsync(ServiceProvider? services = null)
    {
        var connector = (services ?? Services()).Create<ISocialConnector>(GitHubConnectorFactory.ConnectorId, ConfigJson);
        var redirect = await connector.GetAuthorizationUriAsync(new AuthorizationRequest("state123", RedirectUri));
        return (await connector.GetUserInfoAsync(SocialCallback.FromQueryString($"code={Code}&state=state123", redirect.Session)), redirect);
    }

    [Fact]
    public async Task Authorization_goes_to_github_com_with_PKCE_and_the_default_scope_and_no_nonce()
    {
        var connector = Services(enterprise: false).Create<ISocialConnector>(GitHubConnectorFactory.ConnectorId, ConfigJson);
        var redirect = await connector.GetAuthorizationUriAsync(new AuthorizationRequest("state123", RedirectUri));

        redirect.Uri.GetLeftPart(UriPartial.Path).Should().Be("https://github.com/login/oauth/authorize");
        var query = SocialCallback.FromQueryString(redirect.Uri.Query).Parameters;
        query.Keys.Should().Equal("response_type", "client_id", "scope", "redirect_uri", "state", "code_challenge", "code_challenge_method");
        (query["client_id"], query["scope"], query["code_challenge_method"]).Should().Be(("gh-client-1", "read:user user:email", "S256"));
    }

    [Fact]
    public async Task Sign_in_exchanges_the_code_once_and_takes_the_primary_verified_address()
    {
        await WireMock.LoadContractAsync("github/oauth.json");
        var (user, redirect) = await SignInAsync();

        (user.Id, user.Name, user.Email, user.EmailVerified, user.AvatarUrl).Should().Be(("583231", "The Octocat", "octocat@example.com", true, "https://avatars.example.com/u/583231"));
        user.Tenant.Should().Be(WireMock.BaseUri.GetLeftPart(UriPartial.Authority));
        user.ProviderKey.Should().Be($"{user.Tenant}|583231");

        var requests = await WireMock.GetRequestsAsync();
        requests.Select(r => (r.Method, r.Path)).Should().BeEquivalentTo([("POST", "/login/oauth/access_token"), ("GET", "/api/v3/user"), ("GET", "/api/v3/user/emails")]);
        var token = requests.Single(r => r.Method == "POST");
        token.Form.Should().Equal(new Dictionary<string, string>
        {
            ["grant_type"] = "authorization_code",
            ["code"] = Code,
            ["redirect_uri"] = RedirectUri.AbsoluteUri,
            ["code_verifier"] = redirect.Session[SessionKeys.CodeVerifier],
            ["client_id"] = "gh-client-1",
            ["client_secret"] = ClientSecret,
        });
        token.Header("Authorization").Should().BeNull("client_secret_post");
        requests.Should().OnlyContain(r => r.Header("User-Agent")!.Contains("Connectors.GitHub"));
        Logs.AllText.ShouldNotContainAny(ClientSecret, Code, AccessToken, redirect.Session[SessionKeys.CodeVerifier]);
    }

    [Fact]
    public async Task A_refused_code_in_a_200_body_is_SocialAuthCodeInvalid_and_not_repeated()
    {
        await WireMock.LoadContractAsync("github/oauth.json");
        var connector = Services().Create<ISocialConnector>(GitHubConnectorFactory.ConnectorId, ConfigJson);
        var redirect = await connector.GetAuthorizationUriAsync(new AuthorizationRequest("state123", RedirectUri));

        var error = (await FluentActions.Awaiting(() => connector.GetUserInfoAsync(SocialCallback.FromQueryString("code=gh-code-USED&state=state123", redirect.Session)))
            .Should().ThrowAsync<ConnectorException>()).Which;
        (error.Code, error.ProviderErrorCode).Should().Be((ConnectorErrorCode.SocialAuthCodeInvalid, "bad_verification_code"));
        (await WireMock.CountAsync("POST", "/login/oauth/access_token")).Should().Be(1);
        SecretAssertions.Texts(error).Concat(Logs.AllText).ShouldNotContainAny(ClientSecret, "gh-code-USED");
    }

    [Theory]
    [InlineData(404, """{"message":"Not Found"}""")]
    [InlineData(500, """{"message":"oops"}""")]
    [InlineData(200, """{"not":"an array"}""")]
    public async Task A_failing_emails_call_is_done_without_no_alarm_raised_and_the_public_address_unverified(int status, string body)
    {
        await WireMock.LoadContractAsync("github/oauth.json");
        await WireMock.StubAsync($$"""
            { "priority": 1, "request": { "method": "GET", "urlPath": "/api/v3/user/emails" }, "response": { "status": {{status}}, "body": {{System.Text.Json.JsonSerializer.Serialize(body)}}, "headers": { "Content-Type": "application/json" } } }
            """);
        var services = Services();
        using var failures = services.FailureMetrics();

        var (user, _) = await SignInAsync(services);

        (user.Email, user.EmailVerified).Should().Be(("octocat@public.example.com", false));
        failures.Failures().Should().BeEmpty("a best-effort detail is not a failure");
        Logs.Entries.Should().NotContain(e => e.Id.Id == 1003);
        Logs.Entries.Should().ContainSingle(e => e.Id.Id == 1004).Which.Value("Operation").Should().Be("emails");
    }

    [Fact]
    public async Task Without_user_email_granted_the_emails_call_is_not_made()
    {
        await WireMock.LoadContractAsync("github/oauth.json");
        await WireMock.StubAsync("""
            { "priority": 1, "request": { "method": "POST", "urlPath": "/login/oauth/access_token" }, "response": { "status": 200, "jsonBody": { "access_token": "gho_ACCESS1", "token_type": "bearer", "scope": "read:user" } } }
            """);

        var (user, _) = await SignInAsync();

        (user.Email, user.EmailVerified).Should().Be(("octocat@public.example.com", false));
        (await WireMock.CountAsync("GET", "/api/v3/user/emails")).Should().Be(0);
    }

    [Theory]
    [InlineData(401, """{"message":"Bad credentials"}""", ConnectorErrorCode.SocialAccessTokenInvalid)]
    [InlineData(200, """{"login":"octocat","id":"583231"}""", ConnectorErrorCode.InvalidResponse)]
    public async Task A_refused_token_or_a_profile_without_a_numeric_id_fails_the_sign_in(int status, string body, ConnectorErrorCode expected)
    {
        await WireMock.LoadContractAsync("github/oauth.json");
        await WireMock.StubAsync($$"""
            { "priority": 1, "request": { "method": "GET", "urlPath": "/api/v3/user" }, "response": { "status": {{status}}, "body": {{System.Text.Json.JsonSerializer.Serialize(body)}}, "headers": { "Content-Type": "application/json" } } }
            """);

        var error = (await FluentActions.Awaiting(() => SignInAsync()).Should().ThrowAsync<ConnectorException>()).Which;
        error.Code.Should().Be(expected);
        SecretAssertions.Texts(error).Concat(Logs.AllText).ShouldNotContainAny(ClientSecret, Code, AccessToken);
    }

    [Fact]
    public void A_Logto_config_pastes_in_and_problems_are_listed()
    {
        var factory = Services().GetRequiredService<GitHubConnectorFactory>();
        factory.Validate(ConnectorHost.Json("""{ "clientId": "gh", "clientSecret": "s", "scope": "read:user" }""")).Should().BeEmpty();
        factory.Validate(ConnectorHost.Json("""{ "clientSecret": 1 }""")).Select(e => e.ToString()).Should().Equal("clientId: is required", "clientSecret: must be a string");
        factory.Metadata.FormItems.Select(i => i.Key).Should().Equal("clientId", "clientSecret", "scope");
    }
}
