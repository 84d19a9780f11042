using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using ProviderKit;

namespace Connectors.ProviderKit.Tests;

/// <summary>The README's two provider samples, written on the public kit only, work end to end.</summary>
[Collection(WireMockTest.Collection)]
public sealed class ProviderKitTests(WireMockFixture fixture) : WireMockTest(fixture), IDisposable
{
    private readonly List<ServiceProvider> _providers = [];

    public void Dispose() => _providers.ForEach(p => p.Dispose());

    private ServiceProvider Services() => Track(ConnectorHost.Build(Logs, b => b
        .AddGitLab(o => o.BaseAddress = WireMock.BaseUri)
        .AddPostmark(o => o.BaseAddress = WireMock.BaseUri), new ManualTimeProvider()));

    private ServiceProvider Track(ServiceProvider provider)
    {
        _providers.Add(provider);
        return provider;
    }

    [Fact]
    public async Task The_GitLab_preset_signs_in_with_PKCE_and_one_code_exchange()
    {
        await WireMock.StubAsync("""
            { "request": { "method": "POST", "urlPath": "/oauth/token" }, "response": { "status": 200, "jsonBody": { "access_token": "glpat-ACCESS", "token_type": "Bearer", "expires_in": 7200 } } }
            """);
        await WireMock.StubAsync("""
            { "request": { "method": "GET", "urlPath": "/api/v4/user", "headers": { "Authorization": { "equalTo": "Bearer glpat-ACCESS" } } },
              "response": { "status": 200, "jsonBody": { "id": 42, "username": "ada", "name": "Ada", "email": "ada@example.com", "confirmed_at": "2026-01-01T00:00:00Z", "avatar_url": "https://gitlab.example.com/a.png" } } }
            """);
        var connector = Services().Create<ISocialConnector>(GitLabConnectorFactory.ConnectorId, """{ "clientId": "gl-1", "clientSecret": "gl-secret-S3CR3T" }""");

        var redirect = await connector.GetAuthorizationUriAsync(new AuthorizationRequest("s1", new Uri("https://id.example.com/callback/gitlab")));
        var user = await connector.GetUserInfoAsync(SocialCallback.FromQueryString("code=gl-code&state=s1", redirect.Session));

        redirect.Uri.Query.Should().Contain("scope=read_user").And.Contain("code_challenge_method=S256");
        (user.Id, user.Name, user.Email, user.EmailVerified, user.Tenant).Should().Be(("42", "Ada", "ada@example.com", true, WireMock.BaseUri.GetLeftPart(UriPartial.Authority)));
        var token = (await WireMock.GetRequestsAsync()).Should().ContainSingle(r => r.Method == "POST").Subject;
        token.Form.Should().Equal(new Dictionary<string, string>
        {
            ["grant_type"] = "authorization_code",
            ["code"] = "gl-code",
            ["redirect_uri"] = "https://id.example.com/callback/gitlab",
            ["code_verifier"] = redirect.Session[SessionKeys.CodeVerifier],
            ["client_id"] = "gl-1",
            ["client_secret"] = "gl-secret-S3CR3T",
        });
        Logs.AllText.ShouldNotContainAny("gl-secret-S3CR3T", "glpat-ACCESS", "gl-code");
    }

    private const string PostmarkConfig = """
        { "serverToken": "pm-token-S3CR3T", "fromEmail": "noreply@example.com",
          "templates": [
            { "usageType": "SignIn", "contentType": "text/html", "subject": "Code {{code}}", "content": "<p>{{code}}</p>" },
            { "usageType": "Generic", "templateAlias": "code", "variables": { "product": "Shop" } } ] }
        """;

    [Fact]
    public async Task The_Postmark_provider_sends_once_what_the_engine_composed()
    {
        await WireMock.StubAsync("""
            { "request": { "method": "POST", "urlPathPattern": "/email(/withTemplate)?", "headers": { "X-Postmark-Server-Token": { "equalTo": "pm-token-S3CR3T" } } },
              "response": { "status": 200, "jsonBody": { "ErrorCode": 0, "Message": "OK", "MessageID": "b7bc2f4a-e38e-4336-af7d-e6c392c2f817" } } }
            """);
        var connector = Services().Create<IEmailConnector>(PostmarkConnectorFactory.ConnectorId, PostmarkConfig);

        (await connector.SendAsync(new EmailMessage("ada@example.com", UsageType.SignIn, new EmailPayload { Code = "483920" }))).MessageId.Should().Be("b7bc2f4a-e38e-4336-af7d-e6c392c2f817");
        await connector.SendAsync(new EmailMessage("ada@example.com", UsageType.Register, new EmailPayload { Code = "111222" }));

        var requests = await WireMock.GetRequestsAsync();
        requests.Select(r => r.Path).Should().BeEquivalentTo(["/email", "/email/withTemplate"]);
        JsonNode.DeepEquals(JsonNode.Parse(requests.Single(r => r.Path == "/email").Body), JsonNode.Parse("""
            { "From": "noreply@example.com", "To": "ada@example.com", "MessageStream": "outbound", "Subject": "Code 483920", "HtmlBody": "<p>483920</p>", "TextBody": null }
            """)).Should().BeTrue();
        JsonNode.Parse(requests.Single(r => r.Path == "/email/withTemplate").Body)!["TemplateModel"]!.ToJsonString().Should().Be("""{"product":"Shop","code":"111222"}""");
    }

    [Fact]
    public async Task A_Postmark_refusal_reads_as_every_email_provider_s()
    {
        await WireMock.StubAsync("""
            { "request": { "method": "POST", "urlPath": "/email" }, "response": { "status": 401, "jsonBody": { "ErrorCode": 10, "Message": "Bad or missing Server API token." } } }
            """);
        var connector = Services().Create<IEmailConnector>(PostmarkConnectorFactory.ConnectorId, PostmarkConfig);

        var error = (await FluentActions.Awaiting(() => connector.SendAsync(new EmailMessage("ada@example.com", UsageType.SignIn, new EmailPayload { Code = "483920" })))
            .Should().ThrowAsync<ConnectorException>()).Which;
        error.Code.Should().Be(ConnectorErrorCode.InvalidConfig);
        error.Message.Should().Be("Postmark send failed with HTTP 401: Bad or missing Server API token.; check the server token.");
        (await WireMock.CountAsync("POST", "/email")).Should().Be(1);
        SecretAssertions.Texts(error).Concat(Logs.AllText).ShouldNotContainAny("pm-token-S3CR3T", "483920");
    }
}
