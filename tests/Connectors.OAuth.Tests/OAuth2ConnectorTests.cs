using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace Connectors.OAuth.Tests;

[Collection(WireMockTest.Collection)]
public sealed class OAuth2ConnectorTests(WireMockFixture fixture) : WireMockTest(fixture), IDisposable
{
    private const string Secret = "oauth2-secret-S3CR3T";
    private const string Code = "oauth2-code-GOOD";
    private static readonly Uri RedirectUri = new("https://id.example.com/callback/oauth2");
    private readonly List<ServiceProvider> _providers = [];
    private readonly ManualTimeProvider _time = new();

    public void Dispose() => _providers.ForEach(p => p.Dispose());

    private string Config(string extra = "") => $$"""
        {
          "authorizationEndpoint": "{{WireMock.BaseUri}}oauth2/authorize",
          "tokenEndpoint": "{{WireMock.BaseUri}}oauth2/token",
          "userInfoEndpoint": "{{WireMock.BaseUri}}oauth2/user",
          "clientId": "oauth2-client",
          "clientSecret": "{{Secret}}",
          "scope": "read:user user:email",
          "profileMap": { "id": "user.id", "name": "profile.display_name", "email": "emails.0.value", "avatar": "profile.avatar_url", "phone": "profile.phone" },
          "customConfig": { "audience": "https://api.example.com" }{{extra}}
        }
        """;

    private ServiceProvider Services()
    {
        var provider = ConnectorHost.Build(Logs, b => b.AddOAuth2(o =>
        {
            o.AllowedHttpOrigins.Add(WireMock.BaseUri);
            o.Http.RetryBaseDelay = TimeSpan.Zero; // timers run on the manual clock
        }), _time);
        _providers.Add(provider);
        return provider;
    }

    /// <summary><see cref="Config"/> with the endpoints or customConfig replaced.</summary>
    private string ConfigWith(string? tokenEndpoint = null, string? customConfig = null)
    {
        var config = System.Text.Json.Nodes.JsonNode.Parse(Config())!.AsObject();
        if (tokenEndpoint is not null)
        {
            config["tokenEndpoint"] = tokenEndpoint;
        }

        if (customConfig is not null)
        {
            config["customConfig"] = System.Text.Json.Nodes.JsonNode.Parse(customConfig);
        }

        return config.ToJsonString();
    }

    private ISocialConnector Connector(string? config = null) => Services().Create<ISocialConnector>(OAuth2ConnectorFactory.ConnectorId, config ?? Config());

    private static Task<AuthorizationRedirect> StartAsync(ISocialConnector connector) =>
        connector.GetAuthorizationUriAsync(new AuthorizationRequest("state123", RedirectUri)).AsTask();

    private static async Task<SocialUserInfo> SignInAsync(ISocialConnector connector) => await connector.GetUserInfoAsync(Callback(await StartAsync(connector)));

    private static SocialCallback Callback(AuthorizationRedirect redirect) => SocialCallback.FromQueryString($"code={Code}&state=state123", redirect.Session);

    private async Task LoadContractsAsync()
    {
        await WireMock.LoadContractAsync("oauth2/token.json");
        await WireMock.LoadContractAsync("oauth2/userinfo.json");
    }

    [Fact]
    public async Task Authorization_url_has_the_code_flow_parameters_PKCE_and_customConfig()
    {
        var redirect = await StartAsync(Connector());

        var query = SocialCallback.FromQueryString(redirect.Uri.Query).Parameters;
        redirect.Uri.GetLeftPart(UriPartial.Path).Should().Be($"{WireMock.BaseUri}oauth2/authorize");
        query.Keys.Should().Equal("response_type", "client_id", "scope", "redirect_uri", "state", "code_challenge", "code_challenge_method", "audience");
        query["client_id"].Should().Be("oauth2-client");
        query["scope"].Should().Be("read:user user:email");
        query["redirect_uri"].Should().Be(RedirectUri.AbsoluteUri);
        query["code_challenge"].Should().Be(Base64Url(SHA256.HashData(Encoding.ASCII.GetBytes(redirect.Session[SessionKeys.CodeVerifier]))));
        query["audience"].Should().Be("https://api.example.com");
        redirect.Session.Should().NotContainKey(SessionKeys.Nonce, "no openid scope, no nonce");
    }

    [Fact]
    public async Task Sign_in_posts_the_client_credentials_and_maps_the_profile()
    {
        await LoadContractsAsync();
        var connector = Connector();
        var redirect = await StartAsync(connector);

        var user = await connector.GetUserInfoAsync(Callback(redirect));

        user.Id.Should().Be("12345678", "a numeric id becomes text");
        user.Tenant.Should().Be(new Uri(WireMock.BaseUri, "oauth2/user").AbsoluteUri, "the id is unique at the userinfo endpoint that answered it");
        user.EmailVerified.Should().BeFalse("oauth2 has no verified flag");
        user.Name.Should().Be("Ada Lovelace");
        user.Email.Should().Be("ada@example.com");
        user.AvatarUrl.Should().Be("https://avatars.example.com/ada.png");
        user.Phone.Should().Be("+442079460018");
        user.Tokens!.AccessToken.Should().Be("oauth2_ACCESS1");
        user.Tokens.RefreshToken.Should().Be("oauth2_REFRESH1");
        user.Tokens.ExpiresAt.Should().Be(_time.GetUtcNow().AddHours(1));
        var requests = await WireMock.GetRequestsAsync();
        requests.Select(r => r.Path).Should().Equal("/oauth2/token", "/oauth2/user");
        requests[0].Form.Should().Equal(new Dictionary<string, string>
        {
            ["grant_type"] = "authorization_code",
            ["code"] = Code,
            ["redirect_uri"] = RedirectUri.AbsoluteUri,
            ["code_verifier"] = redirect.Session[SessionKeys.CodeVerifier],
            ["client_id"] = "oauth2-client",
            ["client_secret"] = Secret,
            ["audience"] = "https://api.example.com",
        });
        requests[0].Header("Authorization").Should().BeNull();
        requests[0].Header("Accept").Should().Be("application/json");
        requests[1].Header("Authorization").Should().Be("Bearer oauth2_ACCESS1");
        Logs.AllText.ShouldNotContainAny(Secret, Code, "oauth2_ACCESS1", "oauth2_REFRESH1");
    }

    [Fact]
    public async Task Client_secret_basic_sends_the_credentials_in_the_header_only()
    {
        await LoadContractsAsync();
        var connector = Connector(Config(""", "tokenEndpointAuthMethod": "client_secret_basic" """));
        var redirect = await StartAsync(connector);

        await connector.GetUserInfoAsync(Callback(redirect));

        var token = (await WireMock.GetRequestsAsync())[0];
        token.Header("Authorization").Should().Be("Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes($"oauth2-client:{Secret}")));
        token.Form.Should().NotContainKeys("client_id", "client_secret");
    }

    [Theory]
    [InlineData("HS256")]
    [InlineData("HS512")]
    public async Task Client_secret_jwt_sends_an_assertion_signed_with_the_secret(string algorithm)
    {
        await LoadContractsAsync();
        var connector = Connector(Config($$""", "tokenEndpointAuthMethod": "client_secret_jwt", "clientSecretJwtSigningAlgorithm": "{{algorithm}}" """));
        var redirect = await StartAsync(connector);

        await connector.GetUserInfoAsync(Callback(redirect));

        var form = (await WireMock.GetRequestsAsync())[0].Form;
        form["client_assertion_type"].Should().Be("urn:ietf:params:oauth:client-assertion-type:jwt-bearer");
        form.Should().NotContainKey("client_secret");
        var parts = form["client_assertion"].Split('.');
        var key = Encoding.UTF8.GetBytes(Secret);
        var data = Encoding.ASCII.GetBytes($"{parts[0]}.{parts[1]}");
        Base64Url(algorithm == "HS256" ? HMACSHA256.HashData(key, data) : HMACSHA512.HashData(key, data)).Should().Be(parts[2], "signed with the client secret");
        var header = JsonDocument.Parse(FromBase64Url(parts[0])).RootElement;
        header.GetProperty("alg").GetString().Should().Be(algorithm);
        var claims = JsonDocument.Parse(FromBase64Url(parts[1])).RootElement;
        claims.GetProperty("iss").GetString().Should().Be("oauth2-client");
        claims.GetProperty("sub").GetString().Should().Be("oauth2-client");
        claims.GetProperty("aud").GetString().Should().Be($"{WireMock.BaseUri}oauth2/token");
        claims.GetProperty("exp").GetInt64().Should().Be(_time.GetUtcNow().AddMinutes(10).ToUnixTimeSeconds());
        Logs.AllText.ShouldNotContainAny(form["client_assertion"]);
    }

    [Fact]
    public async Task A_form_encoded_token_response_is_read_by_default_and_refused_in_json_mode()
    {
        await WireMock.LoadContractAsync("oauth2/userinfo.json");
        await WireMock.StubAsync("""
            { "request": { "method": "POST", "urlPath": "/oauth2/token" },
              "response": { "status": 200, "body": "access_token=oauth2_ACCESS1&token_type=bearer&scope=read%3Auser", "headers": { "Content-Type": "application/x-www-form-urlencoded" } } }
            """);
        var byDefault = Connector();
        var json = Connector(Config(""", "tokenEndpointResponseType": "json" """));

        var user = await byDefault.GetUserInfoAsync(Callback(await StartAsync(byDefault)));
        var error = (await ((Func<Task>)(() => SignInAsync(json))).Should().ThrowAsync<ConnectorException>()).Which;

        user.Tokens!.Scope.Should().Be("read:user");
        error.Code.Should().Be(ConnectorErrorCode.InvalidResponse);
    }

    [Theory]
    [InlineData(200, """{"error":"bad_verification_code","error_description":"The code passed is incorrect or expired."}""", ConnectorErrorCode.SocialAuthCodeInvalid)]
    [InlineData(400, """{"error":"invalid_grant"}""", ConnectorErrorCode.SocialAuthCodeInvalid)]
    [InlineData(401, """{"error":"invalid_client"}""", ConnectorErrorCode.InvalidConfig)]
    [InlineData(401, "", ConnectorErrorCode.InvalidConfig)]
    [InlineData(400, """{"error":"invalid_request"}""", ConnectorErrorCode.General)]
    [InlineData(503, "", ConnectorErrorCode.General)]
    public async Task Token_errors_map_to_codes_and_the_exchange_is_never_repeated(int status, string body, ConnectorErrorCode expected)
    {
        await WireMock.StubAsync($$"""
            { "request": { "method": "POST", "urlPath": "/oauth2/token" },
              "response": { "status": {{status}}, "body": {{JsonSerializer.Serialize(body)}}, "headers": { "Content-Type": "application/json" } } }
            """);
        var connector = Connector();
        var redirect = await StartAsync(connector);

        var error = (await connector.Awaiting(c => c.GetUserInfoAsync(Callback(redirect))).Should().ThrowAsync<ConnectorException>()).Which;

        error.Code.Should().Be(expected);
        error.Provider.Should().Be("OAuth 2.0");
        (await WireMock.CountAsync("POST", "/oauth2/token")).Should().Be(1);
        SecretAssertions.Texts(error).Concat(Logs.AllText).ShouldNotContainAny(Secret, Code);
    }

    [Fact]
    public async Task A_profile_without_the_mapped_id_is_InvalidResponse_and_a_401_from_userinfo_is_a_rejected_token()
    {
        await WireMock.LoadContractAsync("oauth2/token.json");
        await WireMock.StubAsync("""{ "request": { "method": "GET", "urlPath": "/oauth2/user" }, "response": { "status": 200, "jsonBody": { "login": "ada" } } }""");
        var connector = Connector();

        var noId = (await ((Func<Task>)(() => SignInAsync(connector))).Should().ThrowAsync<ConnectorException>()).Which;
        await WireMock.StubAsync("""{ "priority": 1, "request": { "method": "GET", "urlPath": "/oauth2/user" }, "response": { "status": 401 } }""");
        var rejected = (await ((Func<Task>)(() => SignInAsync(connector))).Should().ThrowAsync<ConnectorException>()).Which;

        noId.Code.Should().Be(ConnectorErrorCode.InvalidResponse);
        noId.Message.Should().Contain("'user.id'");
        rejected.Code.Should().Be(ConnectorErrorCode.SocialAccessTokenInvalid);
    }

    [Fact]
    public async Task PKCE_can_be_switched_off_for_a_provider_that_refuses_it()
    {
        await LoadContractsAsync();
        var connector = Connector(Config(""", "enablePkce": false """));
        var redirect = await StartAsync(connector);

        await connector.GetUserInfoAsync(SocialCallback.FromQueryString($"code={Code}", redirect.Session));

        redirect.Uri.Query.Should().NotContain("code_challenge");
        (await WireMock.GetRequestsAsync())[0].Form.Should().NotContainKey("code_verifier");
    }

    [Fact]
    public void A_config_from_Logto_is_accepted_and_every_problem_is_listed_with_its_path()
    {
        var factory = Services().GetRequiredService<OAuth2ConnectorFactory>();
        var logto = """
            { "responseType": "code", "grantType": "authorization_code",
              "authorizationEndpoint": "https://github.com/login/oauth/authorize", "tokenEndpoint": "https://github.com/login/oauth/access_token",
              "userInfoEndpoint": "https://api.github.com/user", "clientId": "Iv1.abc", "clientSecret": "s", "tokenEndpointAuthMethod": "client_secret_post",
              "clientSecretJwtSigningAlgorithm": "HS256", "tokenEndpointResponseType": "query-string", "scope": "read:user",
              "profileMap": { "id": "id", "email": "email", "phone": "phone", "name": "name", "avatar": "avatar_url" }, "customConfig": {} }
            """;

        factory.Validate(ConnectorHost.Json(logto)).Should().BeEmpty();
        factory.Validate(ConnectorHost.Json("""
            { "authorizationEndpoint": "http://idp.internal/authorize", "tokenEndpoint": "not a url", "clientId": "c",
              "tokenEndpointAuthMethod": "private_key_jwt", "clientSecretJwtSigningAlgorithm": "RS256", "responseType": "token",
              "tokenEndpointResponseType": "xml", "customConfig": { "redirect_uri": "https://evil.example.com", "state": "x" } }
            """)).Select(e => e.ToString()).Should().Equal(
            "authorizationEndpoint: must be an absolute https URL (without credentials or fragment) on a public host, not a loopback, private or link-local address, or on an origin the host application allows",
            "tokenEndpoint: must be an absolute https URL (without credentials or fragment) on a public host, not a loopback, private or link-local address, or on an origin the host application allows",
            "userInfoEndpoint: is required",
            "clientSecret: is required",
            "tokenEndpointAuthMethod: must be client_secret_post (default), client_secret_basic or client_secret_jwt",
            "clientSecretJwtSigningAlgorithm: must be HS256 (default), HS384 or HS512",
            "responseType: must be code (the only value supported)",
            "customConfig.redirect_uri: is set by the connector itself and cannot be replaced",
            "customConfig.state: is set by the connector itself and cannot be replaced",
            "tokenEndpointResponseType: must be query-string (default) or json");
    }

    // Inputs that the hand-written E.164 code got wrong, or refused, and libphonenumber's answers; no region is
    // known for an arbitrary provider, so a number without "+" is not used.
    [Theory]
    [InlineData("+44 (0)20 7946 0958", "+442079460958")]
    [InlineData("+49 030 1234567", "+49301234567")]
    [InlineData("+86 138 0013 8000", "+8613800138000")]
    [InlineData("+8613800138000", "+8613800138000")]
    [InlineData("+1 (415) 555-2671", "+14155552671")]
    [InlineData("+1 415 555 2671 ext. 12", "+14155552671")]
    [InlineData("\uFF0B\uFF18\uFF16 \uFF11\uFF13\uFF18 \uFF10\uFF10\uFF11\uFF13 \uFF18\uFF10\uFF10\uFF10", "+8613800138000")]
    [InlineData("+33 1 42 68 53 00", "+33142685300")]
    [InlineData("013800138000", null)]
    [InlineData("13800138000", null)]
    [InlineData("+999 123456789", null)]
    [InlineData("+86 000 0000 0000", null)]
    [InlineData("+1 555", null)]
    [InlineData("not a number", null)]
    [InlineData("+44 20 7946 0958 0000 0000", null)]
    public async Task Phone_numbers_from_the_provider_are_read_by_libphonenumber_and_invalid_ones_dropped(string escaped, string? expected)
    {
        var phone = System.Text.RegularExpressions.Regex.Unescape(escaped);
        await WireMock.LoadContractAsync("oauth2/token.json");
        await WireMock.StubAsync($$"""
            { "request": { "method": "GET", "urlPath": "/oauth2/user" },
              "response": { "status": 200, "jsonBody": { "user": { "id": 1 }, "profile": { "phone": {{JsonSerializer.Serialize(phone)}} } } } }
            """);

        var user = await SignInAsync(Connector());

        user.Phone.Should().Be(expected);
        Logs.Entries.Count(e => e.Id.Id == 5001).Should().Be(expected is null ? 1 : 0, "a number that is not used is logged");
        Logs.AllText.Should().NotContain(phone.Length > 4 ? phone[^4..] : phone, "the number itself is never logged");
    }

    [Theory]
    [InlineData("Redirect_Uri")]
    [InlineData("REDIRECT_URI")]
    [InlineData("redirect_uri ")]
    [InlineData("redirect%5Furi")]
    [InlineData("Client_Secret")]
    [InlineData("request_uri")]
    public void A_customConfig_name_that_a_provider_reads_as_a_reserved_one_is_refused(string name)
    {
        var factory = Services().GetRequiredService<OAuth2ConnectorFactory>();

        var errors = factory.Validate(ConnectorHost.Json(ConfigWith(customConfig: $$"""{ {{JsonSerializer.Serialize(name)}}: "https://evil.example.com/cb" }""")));

        errors.Select(e => e.ToString()).Should().ContainSingle(e => e.EndsWith("is set by the connector itself and cannot be replaced", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_customConfig_name_cannot_add_a_parameter_to_the_authorization_url()
    {
        var connector = Connector(ConfigWith(customConfig: """{ "x&redirect_uri": "https://evil.example.com/cb", "a=b": "c" }"""));

        var redirect = await connector.GetAuthorizationUriAsync(new AuthorizationRequest("state123", RedirectUri));

        var query = SocialCallback.FromQueryString(redirect.Uri.Query).Parameters;
        query.Keys.Count(k => k == "redirect_uri").Should().Be(1);
        query["redirect_uri"].Should().Be(RedirectUri.AbsoluteUri);
        query["x&redirect_uri"].Should().Be("https://evil.example.com/cb", "the name is escaped, so it stays one parameter");
        query["a=b"].Should().Be("c");
        redirect.Uri.Query.Should().Contain("x%26redirect_uri=").And.Contain("a%3Db=c");
    }

    [Theory]
    [InlineData("https://169.254.169.254/token")]
    [InlineData("https://10.0.0.1/token")]
    [InlineData("https://192.168.1.10/token")]
    [InlineData("https://2130706433/token")]
    [InlineData("https://localhost/token")]
    [InlineData("https://[::1]/token")]
    [InlineData("https://[fd00::1]/token")]
    [InlineData("https://0.0.0.0/token")]
    public void A_config_naming_a_non_public_address_is_refused(string endpoint)
    {
        var factory = Services().GetRequiredService<OAuth2ConnectorFactory>();

        var errors = factory.Validate(ConnectorHost.Json(ConfigWith(tokenEndpoint: endpoint)));

        errors.Select(e => e.Path).Should().Equal("tokenEndpoint");
    }

    [Fact]
    public async Task A_token_endpoint_redirect_is_not_followed_and_the_secret_and_code_go_nowhere_else()
    {
        using var elsewhere = new ConnectionCounter();
        await WireMock.StubAsync($$"""
            { "request": { "method": "POST", "urlPath": "/oauth2/token" },
              "response": { "status": 307, "headers": { "Location": "{{elsewhere.BaseUri}}steal" } } }
            """);
        var connector = Connector();

        var error = (await connector.Awaiting(c => SignInAsync(c)).Should().ThrowAsync<ConnectorException>()).Which;

        error.Code.Should().Be(ConnectorErrorCode.General);
        error.HttpStatusCode.Should().Be(307);
        error.Message.Should().Contain("redirect").And.NotContain(elsewhere.BaseUri.Authority);
        (await WireMock.CountAsync("POST", "/oauth2/token")).Should().Be(1);
        elsewhere.Connections.Should().Be(0, "a redirect is never followed");
    }

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    private static byte[] FromBase64Url(string text)
    {
        var base64 = text.Replace('-', '+').Replace('_', '/');
        return Convert.FromBase64String(base64.PadRight(base64.Length + ((4 - (base64.Length % 4)) % 4), '='));
    }
}
