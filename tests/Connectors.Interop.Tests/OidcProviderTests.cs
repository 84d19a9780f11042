using System.Text.Json;
using Connectors.OAuth;

namespace Connectors.Interop.Tests;

/// <summary>The <c>oidc</c> and <c>oauth2</c> connectors against panva's certified <c>oidc-provider</c>: discovery, every
/// client-authentication method, PAR, <c>iss</c> in the authorization response, userinfo, key rotation.</summary>
[Collection(OidcProviderCollection.Name)]
public sealed class OidcProviderTests(OidcProviderFixture op) : IDisposable
{
    private readonly FakeLoggerProvider _logs = new();
    private readonly List<ServiceProvider> _providers = [];

    public void Dispose() => _providers.ForEach(p => p.Dispose());

    private IServiceProvider Services(TimeProvider? time = null)
    {
        var provider = ConnectorHost.Build(_logs, b =>
        {
            b.AddOidc(o =>
            {
                o.AllowedHttpOrigins.Add(op.Server.Issuer);
                ConnectorHost.Generous(o.Http);
            });
            b.AddOAuth2(o =>
            {
                o.AllowedHttpOrigins.Add(op.Server.Issuer);
                ConnectorHost.Generous(o.Http);
            });
        }, time);
        _providers.Add(provider);
        return provider;
    }

    private static OidcClient Client(string method) => OidcProviderFixture.Clients.Single(c => c.AuthMethod == method);

    private string OidcConfig(OidcClient client, string extra = "") => $$"""
        { "issuer": "{{op.Server.IssuerText}}", "clientId": "{{client.Id}}", "clientSecret": "{{client.Secret}}",
          "tokenEndpointAuthMethod": "{{client.AuthMethod}}", "scope": "openid profile email"{{extra}} }
        """;

    private static async Task<(AuthorizationRedirect Redirect, string Callback)> AuthorizeAsync(ISocialConnector connector)
    {
        var redirect = await connector.GetAuthorizationUriAsync(new AuthorizationRequest("state-" + Guid.NewGuid().ToString("N"), OidcProviderFixture.RedirectUri));
        return (redirect, await OidcProviderServer.AuthorizeAsync(redirect.Uri, OidcProviderFixture.RedirectUri));
    }

    [Theory]
    [InlineData("client_secret_basic")]
    [InlineData("client_secret_post")]
    [InlineData("client_secret_jwt")]
    public async Task Oidc_signs_in_with_each_client_authentication_method_through_PAR_with_the_profile_from_userinfo(string method)
    {
        var client = Client(method);
        var connector = Services().Create<ISocialConnector>(OidcConnectorFactory.ConnectorId, OidcConfig(client));

        var (redirect, callback) = await AuthorizeAsync(connector);
        var user = await connector.GetUserInfoAsync(SocialCallback.FromQueryString(callback, redirect.Session));

        SocialCallback.FromQueryString(redirect.Uri.Query).Parameters.Keys.Should().BeEquivalentTo(["client_id", "request_uri"], "the provider offers PAR: the browser carries only its request_uri");
        SocialCallback.FromQueryString(callback).Parameters["iss"].Should().Be(op.Server.IssuerText, "the provider names itself in the response (RFC 9207)");
        user.Id.Should().Be("alice");
        user.Name.Should().Be("Alice Example", "with conformIdTokenClaims the name is in userinfo only");
        user.Email.Should().Be("alice@example.com");
        user.AvatarUrl.Should().Be("https://example.com/alice.png");
        user.Tokens!.IdToken.Should().NotBeNullOrEmpty();
        _logs.AllText.ShouldNotContainAny(client.Secret, user.Tokens.AccessToken, SocialCallback.FromQueryString(callback).Parameters["code"]!);
    }

    [Fact]
    public async Task Oidc_without_PAR_sends_the_parameters_in_the_authorization_url()
    {
        var connector = Services().Create<ISocialConnector>(OidcConnectorFactory.ConnectorId, OidcConfig(Client("client_secret_basic"), """, "pushedAuthorization": "disable" """));

        var (redirect, callback) = await AuthorizeAsync(connector);
        var user = await connector.GetUserInfoAsync(SocialCallback.FromQueryString(callback, redirect.Session));

        SocialCallback.FromQueryString(redirect.Uri.Query).Parameters.Should().ContainKeys("redirect_uri", "code_challenge", "nonce", "state");
        user.Id.Should().Be("alice");
    }

    [Fact]
    public async Task A_callback_whose_iss_is_not_the_providers_is_refused_before_the_code_is_used()
    {
        var connector = Services().Create<ISocialConnector>(OidcConnectorFactory.ConnectorId, OidcConfig(Client("client_secret_basic")));
        var (redirect, callback) = await AuthorizeAsync(connector);
        var parameters = SocialCallback.FromQueryString(callback).Parameters;
        var forged = $"code={Uri.EscapeDataString(parameters["code"]!)}&state={parameters["state"]}&iss={Uri.EscapeDataString("https://evil.example.com")}";
        var stripped = $"code={Uri.EscapeDataString(parameters["code"]!)}&state={parameters["state"]}";

        var mixedUp = (await connector.Awaiting(c => c.GetUserInfoAsync(SocialCallback.FromQueryString(forged, redirect.Session))).Should().ThrowAsync<ConnectorException>()).Which;
        var missing = (await connector.Awaiting(c => c.GetUserInfoAsync(SocialCallback.FromQueryString(stripped, redirect.Session))).Should().ThrowAsync<ConnectorException>()).Which;
        var user = await connector.GetUserInfoAsync(SocialCallback.FromQueryString(callback, redirect.Session));

        mixedUp.Code.Should().Be(ConnectorErrorCode.AuthorizationFailed);
        missing.Message.Should().Contain("carries no issuer", "the provider advertises authorization_response_iss_parameter_supported");
        user.Id.Should().Be("alice", "the code was not spent by the refused callbacks");
    }

    [Fact]
    public async Task A_key_rotation_is_picked_up_at_the_next_sign_in()
    {
        var time = new ManualTimeProvider(DateTimeOffset.UtcNow);
        var connector = Services(time).Create<ISocialConnector>(OidcConnectorFactory.ConnectorId, OidcConfig(Client("client_secret_post")));
        var (first, firstCallback) = await AuthorizeAsync(connector);
        var before = await connector.GetUserInfoAsync(SocialCallback.FromQueryString(firstCallback, first.Session));

        await op.Server.RotateKeysAsync();
        time.Advance(TimeSpan.FromSeconds(10));
        var (second, secondCallback) = await AuthorizeAsync(connector);
        var after = await connector.GetUserInfoAsync(SocialCallback.FromQueryString(secondCallback, second.Session));

        after.Id.Should().Be("alice", "the unknown kid made the connector fetch the provider's keys again");
        KeyId(after.Tokens!.IdToken!).Should().NotBe(KeyId(before.Tokens!.IdToken!), "the provider signs with its new key");
    }

    [Fact]
    public async Task OAuth2_signs_in_with_the_providers_endpoints_and_a_profile_map()
    {
        var client = Client("client_secret_post");
        var issuer = op.Server.IssuerText;
        var connector = Services().Create<ISocialConnector>(OAuth2ConnectorFactory.ConnectorId, $$"""
            { "authorizationEndpoint": "{{issuer}}/auth", "tokenEndpoint": "{{issuer}}/token", "userInfoEndpoint": "{{issuer}}/me",
              "clientId": "{{client.Id}}", "clientSecret": "{{client.Secret}}", "tokenEndpointResponseType": "json", "scope": "openid profile email",
              "profileMap": { "id": "sub", "name": "name", "email": "email", "avatar": "picture" } }
            """);

        var (redirect, callback) = await AuthorizeAsync(connector);
        var user = await connector.GetUserInfoAsync(SocialCallback.FromQueryString(callback, redirect.Session));

        user.Id.Should().Be("alice");
        user.Name.Should().Be("Alice Example");
        user.Email.Should().Be("alice@example.com");
    }

    private static string KeyId(string jwt) =>
        JsonDocument.Parse(Microsoft.IdentityModel.Tokens.Base64UrlEncoder.Decode(jwt.Split('.')[0])).RootElement.GetProperty("kid").GetString()!;
}
