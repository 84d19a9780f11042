using Microsoft.Extensions.DependencyInjection;

namespace Connectors.HuggingFace.Tests;

/// <summary>What an attack run and a review found (issue 11): the endpoint join, ID token claims that must be present,
/// callback and provider text, odd token responses, the failure path.</summary>
public sealed partial class HuggingFaceConnectorTests
{
    private string IdToken(string claims) => Keys.Sign(claims, "hf-key-1");

    private Task StubTokenAsync(string jsonBody) => WireMock.StubAsync($$"""
        { "request": { "method": "POST", "urlPath": "/oauth/token" }, "response": { "status": 200, "jsonBody": {{jsonBody}} } }
        """);

    [Fact]
    public async Task A_base_address_with_a_path_and_no_trailing_slash_keeps_its_path()
    {
        await WireMock.StubAsync("""{ "request": { "method": "POST", "urlPath": "/hf/oauth/token" }, "response": { "status": 200, "jsonBody": { "access_token": "hf_oauth_ACCESS1", "token_type": "bearer" } } }""");
        await WireMock.StubAsync("""{ "request": { "method": "GET", "urlPath": "/hf/oauth/userinfo" }, "response": { "status": 200, "jsonBody": { "sub": "u1" } } }""");
        var (connector, redirect) = await StartAsync(Connector(OAuthOnlyConfigJson, o => o.BaseAddress = new Uri(WireMock.BaseUri, "/hf")));

        var user = await connector.GetUserInfoAsync(Callback(redirect));

        user.Id.Should().Be("u1");
        redirect.Uri.AbsolutePath.Should().Be("/hf/oauth/authorize");
        (await WireMock.GetRequestsAsync()).Select(r => r.Path).Should().Equal("/hf/oauth/token", "/hf/oauth/userinfo");
    }

    [Theory]
    [InlineData("""{"aud":"hf-client-1","sub":"64f1e2d3c4b5a69788796a5b","exp":{exp},"nonce":"{nonce}"}""", "no issuer")]
    [InlineData("""{"iss":"{iss}","aud":"hf-client-1","sub":"64f1e2d3c4b5a69788796a5b","exp":1000,"nonce":"{nonce}"}""", "has expired")]
    [InlineData("""{"iss":"{iss}","aud":"hf-client-1","sub":"64f1e2d3c4b5a69788796a5b","nonce":"{nonce}"}""", "has no expiry")]
    [InlineData("""{"iss":"https://evil.example.com","aud":"hf-client-1","sub":"64f1e2d3c4b5a69788796a5b","exp":{exp},"nonce":"{nonce}"}""", "unexpected issuer")]
    public async Task An_ID_token_must_carry_a_matching_issuer_and_a_live_expiry(string claims, string problem)
    {
        await WireMock.LoadContractAsync("huggingface/userinfo.json");
        await StubJwksAsync();
        var (connector, redirect) = await StartAsync(Connector());
        await StubTokenAsync($$"""{ "access_token": "hf_oauth_ACCESS1", "token_type": "bearer", "id_token": "{{IdToken(claims
            .Replace("{iss}", WireMock.BaseUri.GetLeftPart(UriPartial.Authority), StringComparison.Ordinal)
            .Replace("{exp}", _time.GetUtcNow().AddHours(1).ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal)
            .Replace("{nonce}", redirect.Session[SessionKeys.Nonce], StringComparison.Ordinal))}}" }""");

        var error = (await connector.Awaiting(c => c.GetUserInfoAsync(Callback(redirect))).Should().ThrowAsync<ConnectorException>()).Which;

        error.Code.Should().Be(ConnectorErrorCode.SocialIdTokenInvalid);
        error.Message.Should().Contain(problem);
    }

    [Fact]
    public async Task An_ID_token_back_to_a_session_that_lost_its_nonce_is_refused()
    {
        await WireMock.LoadContractAsync("huggingface/userinfo.json");
        var (connector, redirect) = await StartAsync(Connector());
        var claims = $$"""{"iss":"{{WireMock.BaseUri.GetLeftPart(UriPartial.Authority)}}","aud":"hf-client-1","sub":"64f1e2d3c4b5a69788796a5b","exp":{{_time.GetUtcNow().AddHours(1).ToUnixTimeSeconds()}},"nonce":"anything"}""";
        await StubTokenAsync($$"""{ "access_token": "hf_oauth_ACCESS1", "token_type": "bearer", "id_token": "{{IdToken(claims)}}" }""");
        await StubJwksAsync();
        var session = redirect.Session.Where(p => p.Key != SessionKeys.Nonce).ToDictionary();

        var error = (await connector.Awaiting(c => c.GetUserInfoAsync(SocialCallback.FromQueryString($"code={Code}&state=state123", session)))
            .Should().ThrowAsync<ConnectorException>()).Which;

        error.Code.Should().Be(ConnectorErrorCode.SocialIdTokenInvalid);
        error.Message.Should().Contain("without a nonce");
    }

    [Fact]
    public async Task Callback_error_text_is_flattened_and_cut()
    {
        var (connector, redirect) = await StartAsync(Connector());
        var query = "error=" + Uri.EscapeDataString("access_denied\r\nFAKE LOG LINE") + "&error_description=" + Uri.EscapeDataString(new string('x', 1_000_000));

        var error = (await connector.Awaiting(c => c.GetUserInfoAsync(SocialCallback.FromQueryString(query, redirect.Session))).Should().ThrowAsync<ConnectorException>()).Which;

        error.Code.Should().Be(ConnectorErrorCode.AuthorizationFailed);
        error.Message.Should().NotContain("\r").And.NotContain("\n").And.Contain("access_denied FAKE LOG LINE");
        error.Message.Length.Should().BeLessThan(600);
        error.ProviderErrorCode.Should().Be("access_denied FAKE LOG LINE");
        Logs.AllText.Should().OnlyContain(t => !t.Contains('\n', StringComparison.Ordinal) || t.Contains("Exception", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_huge_provider_error_code_is_cut()
    {
        var (connector, redirect) = await StartAsync(Connector());

        var error = (await connector.Awaiting(c => c.GetUserInfoAsync(SocialCallback.FromQueryString("error=" + new string('e', 1_000_000), redirect.Session)))
            .Should().ThrowAsync<ConnectorException>()).Which;

        error.ProviderErrorCode!.Length.Should().BeLessThanOrEqualTo(101);
    }

    [Theory]
    [InlineData("hf_oauth\r\nX-Injected: 1")]
    [InlineData("hf_oauth\u0000null")]
    [InlineData("hf oauth")]
    [InlineData("\ud800")]
    public async Task An_access_token_that_cannot_be_a_bearer_token_is_InvalidResponse(string token)
    {
        var (connector, redirect) = await StartAsync(Connector());
        await StubTokenAsync($$"""{ "access_token": {{System.Text.Json.JsonSerializer.Serialize(token)}}, "token_type": "bearer" }""");

        var error = (await connector.Awaiting(c => c.GetUserInfoAsync(Callback(redirect))).Should().ThrowAsync<ConnectorException>()).Which;

        error.Code.Should().Be(ConnectorErrorCode.InvalidResponse);
        (await WireMock.CountAsync("GET", "/oauth/userinfo")).Should().Be(0);
    }

    [Fact]
    public async Task An_expires_in_of_1e12_is_clamped()
    {
        await WireMock.LoadContractAsync("huggingface/userinfo.json");
        var (connector, redirect) = await StartAsync(Connector(OAuthOnlyConfigJson));
        await StubTokenAsync("""{ "access_token": "hf_oauth_ACCESS1", "token_type": "bearer", "expires_in": 1e12 }""");

        var user = await connector.GetUserInfoAsync(Callback(redirect));

        user.Tokens!.ExpiresAt.Should().Be(_time.GetUtcNow().AddDays(366));
    }

    [Fact]
    public async Task Provider_text_that_echoes_the_code_or_the_secret_is_redacted()
    {
        var (connector, redirect) = await StartAsync(Connector());
        await WireMock.StubAsync($$"""
            { "request": { "method": "POST", "urlPath": "/oauth/token" },
              "response": { "status": 400, "jsonBody": { "error": "invalid_grant", "error_description": "code {{Code}} unknown for client secret {{ClientSecret}}" } } }
            """);

        var error = (await connector.Awaiting(c => c.GetUserInfoAsync(Callback(redirect))).Should().ThrowAsync<ConnectorException>()).Which;

        error.Message.Should().Contain("code *** unknown for client secret ***");
        SecretAssertions.Texts(error).Concat(Logs.AllText).ShouldNotContainAny(Secrets(redirect));
    }

    [Fact]
    public async Task Failures_before_any_request_go_through_the_failure_path()
    {
        var services = Services();
        using var metrics = services.FailureMetrics();
        var (connector, redirect) = await StartAsync(services.Create<ISocialConnector>(HuggingFaceConnectorFactory.ConnectorId, ConfigJson));

        var noSession = (await connector.Awaiting(c => c.GetUserInfoAsync(SocialCallback.FromQueryString($"code={Code}&state=state123")))
            .Should().ThrowAsync<ConnectorException>()).Which;
        var denied = (await connector.Awaiting(c => c.GetUserInfoAsync(SocialCallback.FromQueryString("error=access_denied", redirect.Session)))
            .Should().ThrowAsync<ConnectorException>()).Which;
        var noState = (await connector.Awaiting(c => c.GetAuthorizationUriAsync(new AuthorizationRequest("", RedirectUri)).AsTask())
            .Should().ThrowAsync<ConnectorException>()).Which;
        var badConfig = ((Action)(() => services.Create<ISocialConnector>(HuggingFaceConnectorFactory.ConnectorId, """{ "clientId": 5 }"""))).Should().Throw<ConnectorException>().Which;

        foreach (var (error, operation) in new[] { (noSession, "callback"), (denied, "callback"), (noState, "authorize"), (badConfig, "create") })
        {
            error.Provider.Should().Be("Hugging Face");
            error.Operation.Should().Be(operation);
            metrics.Failures().Should().Contain(("Hugging Face", operation, error.WireCode));
        }

        Logs.Entries.Count(e => e.Id.Id == 1003).Should().BeGreaterThanOrEqualTo(4);
    }

    private string Claims(AuthorizationRedirect redirect) =>
        $$"""{"iss":"{{WireMock.BaseUri.GetLeftPart(UriPartial.Authority)}}","aud":"hf-client-1","sub":"64f1e2d3c4b5a69788796a5b","exp":{{_time.GetUtcNow().AddHours(1).ToUnixTimeSeconds()}},"iat":{{_time.GetUtcNow().ToUnixTimeSeconds()}},"nonce":"{{redirect.Session[SessionKeys.Nonce]}}"}""";

    [Fact]
    public async Task A_token_response_with_a_property_name_that_is_not_text_is_InvalidResponse()
    {
        await WireMock.StubAsync("""
            { "request": { "method": "POST", "urlPath": "/oauth/token" },
              "response": { "status": 200, "body": "{\"\\ud800x\":1,\"access_token\":\"hf_oauth_ACCESS1\",\"token_type\":\"bearer\"}", "headers": { "Content-Type": "application/json" } } }
            """);
        var (connector, redirect) = await StartAsync(Connector(OAuthOnlyConfigJson));

        var error = (await FluentActions.Awaiting(() => connector.GetUserInfoAsync(Callback(redirect))).Should().ThrowAsync<ConnectorException>()).Which;

        error.Code.Should().Be(ConnectorErrorCode.InvalidResponse);
        error.Operation.Should().Be("token");
    }

    [Fact]
    public async Task A_token_response_without_an_ID_token_is_refused_when_openid_was_asked_for()
    {
        await LoadHappyPathAsync(); // the contract's token response has no id_token
        var (connector, redirect) = await StartAsync(Connector());
        redirect.Session.Should().ContainKey(SessionKeys.Nonce, "openid is in the scope");

        var error = (await FluentActions.Awaiting(() => connector.GetUserInfoAsync(Callback(redirect))).Should().ThrowAsync<ConnectorException>()).Which;

        error.Code.Should().Be(ConnectorErrorCode.SocialIdTokenInvalid);
        error.Message.Should().Contain("no ID token");
        (await WireMock.GetRequestsAsync()).Select(r => r.Path).Should().Equal("/oauth/token");
    }

    [Fact]
    public async Task An_ID_token_with_a_bad_signature_is_refused()
    {
        await WireMock.LoadContractAsync("huggingface/userinfo.json");
        await StubJwksAsync();
        var (connector, redirect) = await StartAsync(Connector());
        await StubTokenAsync($$"""{ "access_token": "hf_oauth_ACCESS1", "token_type": "bearer", "id_token": "{{TestSigningKeys.SignWithForeignKey(Claims(redirect), "hf-key-1")}}" }""");

        var error = (await connector.Awaiting(c => c.GetUserInfoAsync(Callback(redirect))).Should().ThrowAsync<ConnectorException>()).Which;

        error.Code.Should().Be(ConnectorErrorCode.SocialIdTokenInvalid);
        error.Message.Should().Contain("invalid signature");
        (await WireMock.CountAsync("GET", "/oauth/userinfo")).Should().Be(0);
    }

    [Fact]
    public async Task A_rotated_key_is_fetched_once_and_a_made_up_key_id_does_not_hammer_the_JWKS()
    {
        await WireMock.LoadContractAsync("huggingface/userinfo.json");
        await StubJwksAsync("hf-key-1");
        var connector = Connector();
        async Task<ConnectorException?> SignInAsync(string keyId, bool foreign = false)
        {
            var redirect = await connector.GetAuthorizationUriAsync(new AuthorizationRequest("state123", RedirectUri));
            var token = foreign ? TestSigningKeys.SignWithForeignKey(Claims(redirect), keyId) : Keys.Sign(Claims(redirect), keyId);
            await StubTokenAsync($$"""{ "access_token": "hf_oauth_ACCESS1", "token_type": "bearer", "id_token": "{{token}}" }""");
            try
            {
                await connector.GetUserInfoAsync(Callback(redirect));
                return null;
            }
            catch (ConnectorException exception)
            {
                return exception;
            }
        }

        (await SignInAsync("hf-key-1")).Should().BeNull();
        (await SignInAsync("hf-key-1")).Should().BeNull();
        (await WireMock.CountAsync("GET", "/oauth/jwks")).Should().Be(1, "the keys are cached");

        await StubJwksAsync("hf-key-1", "hf-key-2"); // Hugging Face rotates: a new key appears
        _time.Advance(TimeSpan.FromMinutes(2));
        (await SignInAsync("hf-key-2")).Should().BeNull("an unknown kid fetches the JWKS again");
        (await WireMock.CountAsync("GET", "/oauth/jwks")).Should().Be(2);

        for (var i = 0; i < 5; i++)
        {
            (await SignInAsync("made-up", foreign: true))!.Message.Should().Contain("does not hold");
        }

        (await WireMock.CountAsync("GET", "/oauth/jwks")).Should().Be(2, "within a minute of the last fetch an unknown kid does not fetch again");
        _time.Advance(TimeSpan.FromMinutes(1));
        (await SignInAsync("made-up", foreign: true)).Should().NotBeNull();
        (await WireMock.CountAsync("GET", "/oauth/jwks")).Should().Be(3, "a minute later it may");
    }

    [Fact]
    public async Task An_unsigned_ID_token_is_refused()
    {
        await WireMock.LoadContractAsync("huggingface/userinfo.json");
        await StubJwksAsync();
        var (connector, redirect) = await StartAsync(Connector());
        var unsigned = "eyJhbGciOiJub25lIn0." + Microsoft.IdentityModel.Tokens.Base64UrlEncoder.Encode(Claims(redirect)) + ".";
        await StubTokenAsync($$"""{ "access_token": "hf_oauth_ACCESS1", "token_type": "bearer", "id_token": "{{unsigned}}" }""");

        var error = (await connector.Awaiting(c => c.GetUserInfoAsync(Callback(redirect))).Should().ThrowAsync<ConnectorException>()).Which;

        error.Code.Should().Be(ConnectorErrorCode.SocialIdTokenInvalid);
    }
}
