using System.Text.Json;

namespace Connectors.OAuth.Tests;

[Collection(WireMockTest.Collection)]
public sealed class OidcConnectorTests(WireMockFixture fixture) : WireMockTest(fixture), IDisposable
{
    private const string ClientId = "oidc-client";
    private const string Secret = "oidc-secret-S3CR3T";
    private const string Code = "oidc-code-GOOD";
    private static readonly Uri RedirectUri = new("https://id.example.com/callback/oidc");
    private readonly List<ServiceProvider> _providers = [];
    private readonly ManualTimeProvider _time = new();
    private static readonly TestSigningKeys Keys = new("key-1", "key-2"); // generated once: RSA key generation is slow

    public void Dispose()
    {
        _providers.ForEach(p => p.Dispose());
    }

    private string Issuer => $"{WireMock.BaseUri}oidc";

    private string ExplicitConfig(string verification = "", string extra = "") => $$"""
        {
          "authorizationEndpoint": "{{Issuer}}/authorize", "tokenEndpoint": "{{Issuer}}/token",
          "clientId": "{{ClientId}}", "clientSecret": "{{Secret}}", "scope": "profile email",
          "idTokenVerificationConfig": { "jwksUri": "{{Issuer}}/jwks", "issuer": "{{Issuer}}"{{verification}} }{{extra}}
        }
        """;

    private string DiscoveryConfig(string extra = "") => $$"""{ "issuer": "{{Issuer}}", "clientId": "{{ClientId}}", "clientSecret": "{{Secret}}"{{extra}} }""";

    private ServiceProvider Services()
    {
        var provider = ConnectorHost.Build(Logs, b => b.AddOidc(o =>
        {
            o.AllowedHttpOrigins.Add(WireMock.BaseUri);
            o.Http.RetryBaseDelay = TimeSpan.Zero; // timers run on the manual clock
        }), _time);
        _providers.Add(provider);
        return provider;
    }

    private ISocialConnector Connector(string config) => Services().Create<ISocialConnector>(OidcConnectorFactory.ConnectorId, config);

    private Task StubJwksAsync(params string[] keyIds) => WireMock.StubAsync($$"""
        { "request": { "method": "GET", "urlPath": "/oidc/jwks" }, "response": { "status": 200, "jsonBody": {{Keys.Jwks(keyIds)}} } }
        """);

    private Task StubTokenAsync(string? idToken) => WireMock.StubAsync($$"""
        { "request": { "method": "POST", "urlPath": "/oidc/token" },
          "response": { "status": 200, "jsonBody": { "access_token": "oidc_ACCESS1", "token_type": "Bearer", "expires_in": 3600{{(idToken is null ? string.Empty : $", \"id_token\": \"{idToken}\"")}} } } }
        """);

    private Task StubUserInfoAsync(string profile) => WireMock.StubAsync($$"""
        { "request": { "method": "GET", "urlPath": "/oidc/userinfo" }, "response": { "status": 200, "jsonBody": {{profile}} } }
        """);

    /// <summary>A discovery document of this issuer with <paramref name="extra"/> members.</summary>
    private Task StubDiscoveryAsync(string extra) => WireMock.StubAsync($$"""
        { "request": { "method": "GET", "urlPath": "/oidc/.well-known/openid-configuration" },
          "response": { "status": 200, "jsonBody": { "issuer": "{{Issuer}}", "authorization_endpoint": "{{Issuer}}/authorize", "token_endpoint": "{{Issuer}}/token",
            "userinfo_endpoint": "{{Issuer}}/userinfo", "jwks_uri": "{{Issuer}}/jwks"{{extra}} } } }
        """);

    /// <summary>ID token claims: standard ones for this client and sign-in, with <paramref name="overrides"/> replacing or adding.</summary>
    private string Claims(AuthorizationRedirect redirect, string overrides = "")
    {
        var now = _time.GetUtcNow().ToUnixTimeSeconds();
        var claims = JsonSerializer.Deserialize<Dictionary<string, JsonElement>>($$"""
            { "iss": "{{Issuer}}", "aud": "{{ClientId}}", "sub": "user-42", "iat": {{now}}, "exp": {{now + 3600}}, "nonce": "{{redirect.Session.GetValueOrDefault(SessionKeys.Nonce)}}",
              "name": "Grace Hopper", "picture": "https://example.com/grace.png", "email": "grace@example.com", "email_verified": true }
            """)!;
        foreach (var (key, value) in JsonSerializer.Deserialize<Dictionary<string, JsonElement>>(overrides.Length == 0 ? "{}" : overrides)!)
        {
            if (value.ValueKind == JsonValueKind.Null)
            {
                claims.Remove(key);
            }
            else
            {
                claims[key] = value;
            }
        }

        return JsonSerializer.Serialize(claims);
    }

    private async Task<(ISocialConnector Connector, AuthorizationRedirect Redirect)> StartAsync(string config)
    {
        var connector = Connector(config);
        return (connector, await connector.GetAuthorizationUriAsync(new AuthorizationRequest("state123", RedirectUri)));
    }

    private static SocialCallback Callback(AuthorizationRedirect redirect) => SocialCallback.FromQueryString($"code={Code}&state=state123", redirect.Session);

    private async Task<ConnectorException> RefusedAsync(ISocialConnector connector, AuthorizationRedirect redirect)
    {
        var error = (await connector.Awaiting(c => c.GetUserInfoAsync(Callback(redirect))).Should().ThrowAsync<ConnectorException>()).Which;
        SecretAssertions.Texts(error).Concat(Logs.AllText).ShouldNotContainAny(Secret, Code, "oidc_ACCESS1");
        return error;
    }

    [Fact]
    public async Task Discovery_gives_the_endpoints_once_and_the_profile_comes_from_the_checked_ID_token_completed_by_userinfo()
    {
        await WireMock.LoadContractAsync("oidc/discovery.json");
        await StubJwksAsync();
        await StubUserInfoAsync("""{ "sub": "user-42", "name": "Not Grace", "locale": "en-US" }""");
        var (connector, redirect) = await StartAsync(DiscoveryConfig());
        await StubTokenAsync(Keys.Sign(Claims(redirect), "key-1"));

        var user = await connector.GetUserInfoAsync(Callback(redirect));
        var second = await connector.GetAuthorizationUriAsync(new AuthorizationRequest("state456", RedirectUri));

        redirect.Uri.GetLeftPart(UriPartial.Path).Should().Be($"{Issuer}/authorize");
        SocialCallback.FromQueryString(redirect.Uri.Query).Parameters["scope"].Should().Be("openid", "openid is always asked for");
        redirect.Session.Should().ContainKeys(SessionKeys.Nonce, SessionKeys.CodeVerifier);
        user.Id.Should().Be("user-42");
        user.Tenant.Should().Be(Issuer, "a sub is unique per issuer");
        user.ProviderKey.Should().Be($"{Issuer}|user-42");
        user.Name.Should().Be("Grace Hopper");
        user.Email.Should().Be("grace@example.com");
        user.EmailVerified.Should().BeTrue();
        user.AvatarUrl.Should().Be("https://example.com/grace.png");
        user.RawData!.Value.GetProperty("sub").GetString().Should().Be("user-42");
        second.Uri.GetLeftPart(UriPartial.Path).Should().Be($"{Issuer}/authorize");
        (await WireMock.CountAsync("GET", "/oidc/.well-known/openid-configuration")).Should().Be(1, "the discovery document is cached");
        var token = (await WireMock.GetRequestsAsync()).Single(r => r.Path == "/oidc/token");
        token.Form["client_id"].Should().Be(ClientId);
        token.Form["client_secret"].Should().Be(Secret);
        token.Form["code_verifier"].Should().Be(redirect.Session[SessionKeys.CodeVerifier]);
        user.Name.Should().Be("Grace Hopper", "a claim of the signed ID token wins over userinfo's");
        user.RawData!.Value.GetProperty("locale").GetString().Should().Be("en-US", "claims the ID token lacks come from userinfo");
        var userinfo = (await WireMock.GetRequestsAsync()).Single(r => r.Path == "/oidc/userinfo");
        userinfo.Header("Authorization").Should().Be("Bearer oidc_ACCESS1");
    }

    [Fact]
    public async Task A_standard_provider_that_puts_the_profile_in_userinfo_only_gives_a_full_profile()
    {
        await WireMock.LoadContractAsync("oidc/discovery.json");
        await StubJwksAsync();
        await StubUserInfoAsync("""{ "sub": "user-42", "name": "Grace Hopper", "email": "grace@example.com", "email_verified": true }""");
        var (connector, redirect) = await StartAsync(DiscoveryConfig());
        await StubTokenAsync(Keys.Sign(Claims(redirect, """{ "name": null, "email": null, "email_verified": null, "picture": null }"""), "key-1"));

        var user = await connector.GetUserInfoAsync(Callback(redirect));

        user.Name.Should().Be("Grace Hopper");
        user.Email.Should().Be("grace@example.com");
    }

    [Fact]
    public async Task FetchUserInfo_false_keeps_Logtos_ID_token_only_profile()
    {
        await WireMock.LoadContractAsync("oidc/discovery.json");
        await StubJwksAsync();
        var (connector, redirect) = await StartAsync(DiscoveryConfig(""", "fetchUserInfo": false"""));
        await StubTokenAsync(Keys.Sign(Claims(redirect, """{ "email": null }"""), "key-1"));

        var user = await connector.GetUserInfoAsync(Callback(redirect));

        user.Name.Should().Be("Grace Hopper");
        user.Email.Should().BeNull();
        (await WireMock.CountAsync("GET", "/oidc/userinfo")).Should().Be(0);
    }

    [Theory]
    [InlineData("""{ "sub": "someone-else", "name": "Mallory" }""", "another user")]
    [InlineData("""{ "name": "Mallory" }""", "no subject")]
    public async Task Userinfo_must_name_the_ID_tokens_user(string profile, string problem)
    {
        await WireMock.LoadContractAsync("oidc/discovery.json");
        await StubJwksAsync();
        await StubUserInfoAsync(profile);
        var (connector, redirect) = await StartAsync(DiscoveryConfig());
        await StubTokenAsync(Keys.Sign(Claims(redirect), "key-1"));

        var error = await RefusedAsync(connector, redirect);

        error.Operation.Should().Be("userinfo");
        error.Message.Should().Contain(problem);
    }

    [Fact]
    public async Task An_issuer_with_explicit_endpoints_is_the_iss_ID_tokens_must_carry()
    {
        await StubJwksAsync();
        var config = $$"""
            { "issuer": "{{Issuer}}", "authorizationEndpoint": "{{Issuer}}/authorize", "tokenEndpoint": "{{Issuer}}/token",
              "clientId": "{{ClientId}}", "clientSecret": "{{Secret}}", "idTokenVerificationConfig": { "jwksUri": "{{Issuer}}/jwks" } }
            """;
        var (connector, redirect) = await StartAsync(config);
        await StubTokenAsync(Keys.Sign(Claims(redirect, """{ "iss": "https://evil.example.com" }"""), "key-1"));

        var error = await RefusedAsync(connector, redirect);

        error.Code.Should().Be(ConnectorErrorCode.SocialIdTokenInvalid);
        error.Message.Should().Contain("unexpected issuer");
    }

    [Fact]
    public async Task An_issuer_and_another_verification_issuer_are_refused_at_validation()
    {
        var config = $$"""
            { "issuer": "{{Issuer}}", "authorizationEndpoint": "{{Issuer}}/authorize", "tokenEndpoint": "{{Issuer}}/token",
              "clientId": "{{ClientId}}", "clientSecret": "{{Secret}}", "idTokenVerificationConfig": { "jwksUri": "{{Issuer}}/jwks", "issuer": "https://other.example.com" } }
            """;

        var act = () => Connector(config);

        act.Should().Throw<ConnectorException>().Which.ConfigErrors.Should().ContainSingle(e => e.Path == "idTokenVerificationConfig.issuer");
    }

    [Theory]
    [InlineData("&iss=https%3A%2F%2Fevil.example.com", "another issuer")]
    [InlineData("", "carries no issuer")]
    public async Task A_callback_with_another_or_no_issuer_is_refused_when_the_provider_sends_iss(string iss, string problem)
    {
        await StubDiscoveryAsync(""", "authorization_response_iss_parameter_supported": true""");
        var (connector, redirect) = await StartAsync(DiscoveryConfig());

        var error = (await connector.Awaiting(c => c.GetUserInfoAsync(SocialCallback.FromQueryString($"code={Code}&state=state123{iss}", redirect.Session)))
            .Should().ThrowAsync<ConnectorException>()).Which;

        error.Code.Should().Be(ConnectorErrorCode.AuthorizationFailed);
        error.Message.Should().Contain(problem);
        (await WireMock.CountAsync("POST", "/oidc/token")).Should().Be(0, "the code of a mixed-up response is never sent anywhere");
    }

    [Fact]
    public async Task A_callback_naming_this_issuer_is_accepted()
    {
        await StubDiscoveryAsync(""", "authorization_response_iss_parameter_supported": true""");
        await StubJwksAsync();
        await StubUserInfoAsync("""{ "sub": "user-42" }""");
        var (connector, redirect) = await StartAsync(DiscoveryConfig());
        await StubTokenAsync(Keys.Sign(Claims(redirect), "key-1"));

        var user = await connector.GetUserInfoAsync(SocialCallback.FromQueryString($"code={Code}&state=state123&iss={Uri.EscapeDataString(Issuer)}", redirect.Session));

        user.Id.Should().Be("user-42");
    }

    [Fact]
    public async Task A_callback_naming_a_configured_issuer_with_a_trailing_slash_is_accepted()
    {
        await StubJwksAsync();
        var config = $$"""
            { "issuer": "{{Issuer}}/", "authorizationEndpoint": "{{Issuer}}/authorize", "tokenEndpoint": "{{Issuer}}/token",
              "clientId": "{{ClientId}}", "clientSecret": "{{Secret}}", "idTokenVerificationConfig": { "jwksUri": "{{Issuer}}/jwks" } }
            """;
        var (connector, redirect) = await StartAsync(config);
        await StubTokenAsync(Keys.Sign(Claims(redirect, $$"""{ "iss": "{{Issuer}}/" }"""), "key-1"));

        var user = await connector.GetUserInfoAsync(SocialCallback.FromQueryString($"code={Code}&state=state123&iss={Uri.EscapeDataString(Issuer + "/")}", redirect.Session));

        user.Id.Should().Be("user-42");
    }

    [Fact]
    public async Task An_ID_token_with_critical_header_extensions_is_refused()
    {
        await StubJwksAsync();
        var (connector, redirect) = await StartAsync(ExplicitConfig());
        await StubTokenAsync(Keys.Sign(Claims(redirect), "key-1", new Dictionary<string, object> { ["crit"] = new[] { "exp" }, ["exp"] = 1 }));

        var error = await RefusedAsync(connector, redirect);

        error.Code.Should().Be(ConnectorErrorCode.SocialIdTokenInvalid);
        error.Message.Should().Contain("crit");
    }

    [Fact]
    public async Task Two_key_rotations_within_a_minute_fail_no_sign_in_and_made_up_key_ids_are_throttled()
    {
        await StubJwksAsync("key-1");
        var connector = Connector(ExplicitConfig());
        async Task<SocialUserInfo> SignInAsync(string kid)
        {
            var redirect = await connector.GetAuthorizationUriAsync(new AuthorizationRequest("state123", RedirectUri));
            await StubTokenAsync(kid == "key-made-up" ? TestSigningKeys.SignWithForeignKey(Claims(redirect), kid) : Keys.Sign(Claims(redirect), kid));
            return await connector.GetUserInfoAsync(Callback(redirect));
        }

        (await SignInAsync("key-1")).Id.Should().Be("user-42");
        _time.Advance(TimeSpan.FromSeconds(10));
        await StubJwksAsync("key-2"); // first rotation
        (await SignInAsync("key-2")).Id.Should().Be("user-42");
        _time.Advance(TimeSpan.FromSeconds(10));
        await StubJwksAsync("key-1"); // second rotation, 10 s later
        (await SignInAsync("key-1")).Id.Should().Be("user-42");
        (await WireMock.CountAsync("GET", "/oidc/jwks")).Should().Be(3);

        // An unknown key id: one refetch (it brings nothing new), then none for KeyRefreshInterval.
        _time.Advance(TimeSpan.FromSeconds(10));
        for (var i = 0; i < 5; i++)
        {
            await FluentActions.Awaiting(() => SignInAsync("key-made-up")).Should().ThrowAsync<ConnectorException>();
            _time.Advance(TimeSpan.FromSeconds(6));
        }

        (await WireMock.CountAsync("GET", "/oidc/jwks")).Should().Be(4, "a refetch that brought no new key throttles the next ones");
    }

    [Fact]
    public async Task A_discovered_pushed_authorization_endpoint_gets_the_parameters_and_the_browser_only_a_request_uri()
    {
        await StubDiscoveryAsync($$""", "pushed_authorization_request_endpoint": "{{Issuer}}/par" """);
        await WireMock.StubAsync("""
            { "request": { "method": "POST", "urlPath": "/oidc/par" },
              "response": { "status": 201, "jsonBody": { "request_uri": "urn:ietf:params:oauth:request_uri:abc", "expires_in": 60 } } }
            """);

        var (_, redirect) = await StartAsync(DiscoveryConfig());

        var query = SocialCallback.FromQueryString(redirect.Uri.Query).Parameters;
        query.Should().BeEquivalentTo(new Dictionary<string, string?> { ["client_id"] = ClientId, ["request_uri"] = "urn:ietf:params:oauth:request_uri:abc" });
        var pushed = (await WireMock.GetRequestsAsync()).Single(r => r.Path == "/oidc/par");
        pushed.Form["client_secret"].Should().Be(Secret);
        pushed.Form["redirect_uri"].Should().Be(RedirectUri.AbsoluteUri);
        pushed.Form["state"].Should().Be("state123");
        pushed.Form["nonce"].Should().Be(redirect.Session[SessionKeys.Nonce]);
        pushed.Form["code_challenge_method"].Should().Be("S256");
        pushed.Form.Keys.Count(k => k == "client_id").Should().Be(1);
    }

    [Fact]
    public async Task Pushed_authorization_can_be_disabled_or_required()
    {
        await WireMock.LoadContractAsync("oidc/discovery.json");

        var (_, plain) = await StartAsync(DiscoveryConfig(""", "pushedAuthorization": "disable" """));
        var required = () => StartAsync(DiscoveryConfig(""", "pushedAuthorization": "require" """));

        SocialCallback.FromQueryString(plain.Uri.Query).Parameters.Should().ContainKey("redirect_uri");
        (await required.Should().ThrowAsync<ConnectorException>()).Which.Code.Should().Be(ConnectorErrorCode.InvalidConfig);
    }

    [Theory]
    [InlineData("https://169.254.169.254")]
    [InlineData("https://10.0.0.1")]
    [InlineData("https://2130706433")]
    [InlineData("https://localhost")]
    [InlineData("https://[::1]")]
    [InlineData("http://accounts.example.com")]
    public void An_issuer_on_a_non_public_address_or_plain_http_is_refused_with_that_error_alone(string issuer)
    {
        var factory = Services().GetRequiredService<OidcConnectorFactory>();

        var errors = factory.Validate(ConnectorHost.Json($$"""{ "issuer": "{{issuer}}", "clientId": "c", "clientSecret": "s" }"""));

        errors.Select(e => e.Path).Should().Equal("issuer");
    }

    [Fact]
    public async Task A_discovery_document_naming_an_endpoint_on_a_private_address_is_refused()
    {
        await StubDiscoveryAsync(""", "pushed_authorization_request_endpoint": "https://169.254.169.254/par" """);

        var act = () => Connector(DiscoveryConfig()).GetAuthorizationUriAsync(new AuthorizationRequest("s", RedirectUri)).AsTask();

        (await act.Should().ThrowAsync<ConnectorException>()).Which.Message.Should().Contain("pushed_authorization_request_endpoint that is not an allowed https address");
        (await WireMock.CountAsync("POST", "/par")).Should().Be(0);
    }

    [Fact]
    public async Task A_discovery_document_naming_another_issuer_is_refused()
    {
        await WireMock.StubAsync($$"""
            { "request": { "method": "GET", "urlPath": "/oidc/.well-known/openid-configuration" },
              "response": { "status": 200, "jsonBody": { "issuer": "https://evil.example.com", "authorization_endpoint": "{{Issuer}}/authorize", "token_endpoint": "{{Issuer}}/token", "jwks_uri": "{{Issuer}}/jwks" } } }
            """);

        var act = () => Connector(DiscoveryConfig()).GetAuthorizationUriAsync(new AuthorizationRequest("s", RedirectUri)).AsTask();

        (await act.Should().ThrowAsync<ConnectorException>()).Which.Message.Should().Contain("names another issuer");
    }

    [Theory]
    [InlineData("""{ "email_verified": false }""", "", null)]
    [InlineData("""{ "email_verified": null }""", "", null)]
    [InlineData("""{ "email_verified": null }""", """, "trustUnverifiedEmail": true""", "grace@example.com")]
    [InlineData("""{ "email_verified": "true" }""", "", null)]
    [InlineData("""{ "email_verified": "true" }""", """, "acceptStringTypedBooleanClaims": true""", "grace@example.com")]
    public async Task Email_is_used_only_when_verified_as_in_Logto(string overrides, string extra, string? email)
    {
        await StubJwksAsync();
        var (connector, redirect) = await StartAsync(ExplicitConfig(extra: extra));
        await StubTokenAsync(Keys.Sign(Claims(redirect, overrides), "key-1"));

        var user = await connector.GetUserInfoAsync(Callback(redirect));

        user.Email.Should().Be(email);
        user.EmailVerified.Should().Be(extra.Contains("acceptStringTypedBooleanClaims", StringComparison.Ordinal), "a trusted unverified email is still unverified");
    }

    [Fact]
    public async Task A_verified_phone_is_used_in_E164()
    {
        await StubJwksAsync();
        var (connector, redirect) = await StartAsync(ExplicitConfig());
        await StubTokenAsync(Keys.Sign(Claims(redirect, """{ "phone_number": "+1 (415) 555-0100", "phone_number_verified": true }"""), "key-1"));

        var user = await connector.GetUserInfoAsync(Callback(redirect));

        user.Phone.Should().Be("+14155550100");
        user.PhoneVerified.Should().BeTrue();
    }

    [Fact]
    public async Task A_rotated_key_is_fetched_again_and_the_sign_in_succeeds()
    {
        await StubJwksAsync("key-1");
        var (connector, first) = await StartAsync(ExplicitConfig());
        await StubTokenAsync(Keys.Sign(Claims(first), "key-1"));
        await connector.GetUserInfoAsync(Callback(first));

        await StubJwksAsync("key-2"); // the provider rotated to a new key...
        _time.Advance(TimeSpan.FromMinutes(1)); // ...not within a minute of the last fetch (an unknown kid refreshes at most once a minute)
        var second = await connector.GetAuthorizationUriAsync(new AuthorizationRequest("state123", RedirectUri));
        await StubTokenAsync(Keys.Sign(Claims(second), "key-2"));
        var user = await connector.GetUserInfoAsync(Callback(second));

        user.Id.Should().Be("user-42");
        (await WireMock.CountAsync("GET", "/oidc/jwks")).Should().Be(2);
    }

    public static TheoryData<string, string> BadTokens => new()
    {
        { """{ "iss": "https://evil.example.com" }""", "unexpected issuer" },
        { """{ "aud": "another-client" }""", "another client" },
        { """{ "nonce": "not-this-sign-in" }""", "nonce" },
        { """{ "exp": 1000 }""", "has expired" },
        { """{ "exp": null }""", "has no expiry" },
        { """{ "nbf": 9999999999 }""", "not valid yet" },
    };

    [Theory]
    [MemberData(nameof(BadTokens))]
    public async Task An_ID_token_with_a_wrong_claim_is_refused(string overrides, string problem)
    {
        await StubJwksAsync();
        var (connector, redirect) = await StartAsync(ExplicitConfig());
        await StubTokenAsync(Keys.Sign(Claims(redirect, overrides), "key-1"));

        var error = await RefusedAsync(connector, redirect);

        error.Code.Should().Be(ConnectorErrorCode.SocialIdTokenInvalid);
        error.Message.Should().Contain(problem);
    }

    [Fact]
    public async Task An_ID_token_with_a_bad_signature_or_an_unknown_key_is_refused()
    {
        await StubJwksAsync("key-1");
        var (connector, redirect) = await StartAsync(ExplicitConfig());

        await StubTokenAsync(TestSigningKeys.SignWithForeignKey(Claims(redirect), "key-1"));
        var forged = await RefusedAsync(connector, redirect);
        await StubTokenAsync(Keys.Sign(Claims(redirect), "key-2"));
        var unknown = await RefusedAsync(connector, redirect);

        forged.Message.Should().Contain("invalid signature");
        unknown.Message.Should().Contain("does not hold");
    }

    [Fact]
    public async Task An_expired_token_passes_within_the_clock_tolerance_and_fails_after_it()
    {
        await StubJwksAsync();
        var (connector, redirect) = await StartAsync(ExplicitConfig(""", "clockTolerance": "2 minutes" """));
        var exp = _time.GetUtcNow().AddMinutes(-1).ToUnixTimeSeconds();
        await StubTokenAsync(Keys.Sign(Claims(redirect, $$"""{ "exp": {{exp}} }"""), "key-1"));

        (await connector.GetUserInfoAsync(Callback(redirect))).Id.Should().Be("user-42");
        _time.Advance(TimeSpan.FromMinutes(2));
        (await RefusedAsync(connector, redirect)).Message.Should().Contain("has expired");
    }

    [Fact]
    public async Task MaxTokenAge_refuses_an_old_token()
    {
        await StubJwksAsync();
        var (connector, redirect) = await StartAsync(ExplicitConfig(""", "maxTokenAge": 600, "clockTolerance": 0 """));
        await StubTokenAsync(Keys.Sign(Claims(redirect, $$"""{ "iat": {{_time.GetUtcNow().AddMinutes(-11).ToUnixTimeSeconds()}} }"""), "key-1"));

        (await RefusedAsync(connector, redirect)).Message.Should().Contain("maximum age");
    }

    [Fact]
    public async Task A_token_signed_with_an_algorithm_outside_the_list_is_refused()
    {
        await StubJwksAsync();
        var (connector, redirect) = await StartAsync(ExplicitConfig(""", "algorithms": ["ES256"] """));
        await StubTokenAsync(Keys.Sign(Claims(redirect), "key-1"));

        (await RefusedAsync(connector, redirect)).Code.Should().Be(ConnectorErrorCode.SocialIdTokenInvalid);
    }

    [Fact]
    public async Task A_token_response_without_an_ID_token_is_refused()
    {
        await StubJwksAsync();
        var (connector, redirect) = await StartAsync(ExplicitConfig());
        await StubTokenAsync(null);

        (await RefusedAsync(connector, redirect)).Message.Should().Contain("no ID token");
    }

    [Fact]
    public async Task Auth_request_options_go_into_the_authorization_url_and_openid_is_added_to_the_scope()
    {
        var (_, redirect) = await StartAsync(ExplicitConfig(extra: """, "authRequestOptionalConfig": { "prompt": "consent", "loginHint": "grace@example.com", "uiLocales": "ja en", "maxAge": "300" }"""));

        var query = SocialCallback.FromQueryString(redirect.Uri.Query).Parameters;
        query["scope"].Should().Be("profile email openid");
        query["prompt"].Should().Be("consent");
        query["login_hint"].Should().Be("grace@example.com");
        query["ui_locales"].Should().Be("ja en");
        query["max_age"].Should().Be("300");
        query["nonce"].Should().Be(redirect.Session[SessionKeys.Nonce]);
    }

    [Fact]
    public void A_config_from_Logto_is_accepted_and_every_problem_is_listed()
    {
        var factory = Services().GetRequiredService<OidcConnectorFactory>();
        var logto = """
            { "authorizationEndpoint": "https://accounts.google.com/o/oauth2/v2/auth", "tokenEndpoint": "https://oauth2.googleapis.com/token",
              "clientId": "c", "clientSecret": "s", "tokenEndpointAuthMethod": "client_secret_post", "scope": "openid profile email",
              "idTokenVerificationConfig": { "jwksUri": "https://www.googleapis.com/oauth2/v3/certs", "issuer": ["https://accounts.google.com", "accounts.google.com"], "clockTolerance": "5 minutes" },
              "authRequestOptionalConfig": { "prompt": "select_account" }, "trustUnverifiedEmail": false, "acceptStringTypedBooleanClaims": false, "customConfig": {} }
            """;

        factory.Validate(ConnectorHost.Json(logto)).Should().BeEmpty();
        factory.Validate(ConnectorHost.Json("""
            { "authorizationEndpoint": "https://idp.example.com/a", "clientId": "c", "clientSecret": "s",
              "idTokenVerificationConfig": { "algorithms": ["none", "RS256"], "clockTolerance": "soon", "typ": "JWT" }, "trustUnverifiedEmail": "yes" }
            """)).Select(e => e.ToString()).Should().Equal(
            "tokenEndpoint: is required",
            "idTokenVerificationConfig.jwksUri: is required",
            "idTokenVerificationConfig.algorithms: lists none; only the asymmetric algorithms RS256, RS384, RS512, PS256, PS384, PS512, ES256, ES384, ES512 are accepted",
            "idTokenVerificationConfig.clockTolerance: must be seconds (a number) or a duration such as \"30s\", \"5 minutes\" or \"1h\", at most a year",
            "idTokenVerificationConfig.typ: is not supported; remove it (the signature, issuer, audience, expiry and nonce are always checked)",
            "trustUnverifiedEmail: must be true or false");
    }
}
