using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using BenchmarkDotNet.Attributes;
using Connectors.Abstractions;
using Connectors.OAuth;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Connectors.Benchmarks;

/// <summary>The generic oauth2 connector: code exchange (client_secret_post) + userinfo read through a profile map.</summary>
[MemoryDiagnoser]
public class OAuth2SignIn : BaselineBench
{
    private ISocialConnector _connector = null!;
    private SocialCallback _callback = null!;

    [GlobalSetup]
    public async Task SetupAsync()
    {
        _connector = Services.Create<ISocialConnector>(OAuth2ConnectorFactory.ConnectorId, Fixtures.OAuth2Config);
        var redirect = await _connector.GetAuthorizationUriAsync(new AuthorizationRequest("state1", new Uri("https://id.example.com/cb")));
        _callback = SocialCallback.FromQueryString("code=oauth2-code-GOOD&state=state1", redirect.Session);
    }

    [Benchmark(Baseline = true, Description = "raw: token + userinfo + nested fields")]
    public async Task<(string?, string?)> Raw()
    {
        using var token = await SendJsonAsync(new HttpRequestMessage(HttpMethod.Post, "oauth2/token")
        {
            Content = new FormUrlEncodedContent(
            [
                new("grant_type", "authorization_code"), new("code", "oauth2-code-GOOD"), new("redirect_uri", "https://id.example.com/cb"),
                new("code_verifier", "verifier-verifier-verifier-verifier-verifie"), new("client_id", "oauth2-client"), new("client_secret", "oauth2-secret-S3CR3T"),
            ]),
        });
        var access = token.RootElement.GetProperty("access_token").GetString();
        using var profile = await SendJsonAsync(new HttpRequestMessage(HttpMethod.Get, "oauth2/user") { Headers = { Authorization = new AuthenticationHeaderValue("Bearer", access) } });
        return (profile.RootElement.GetProperty("user").GetProperty("id").GetRawText(), profile.RootElement.GetProperty("emails")[0].GetProperty("value").GetString());
    }

    [Benchmark(Description = "connector: token + userinfo + profile map")]
    public Task<SocialUserInfo> Connector() => _connector.GetUserInfoAsync(_callback);
}

/// <summary>The generic oidc connector: code exchange + the ID token's RS256 signature and claims checked against a
/// cached JWKS. The raw baseline verifies the same token with IdentityModel directly.</summary>
[MemoryDiagnoser]
public class OidcSignIn : BaselineBench
{
    private static readonly RSA Key = RSA.Create(2048);
    private static readonly JsonWebTokenHandler Handler = new();
    private ISocialConnector _connector = null!;
    private SocialCallback _callback = null!;
    private TokenValidationParameters _raw = null!;

    [GlobalSetup]
    public async Task SetupAsync()
    {
        var parameters = Key.ExportParameters(false);
        CannedProvider.Made["/oidc/jwks"] = JsonSerializer.SerializeToUtf8Bytes(new { keys = new[] { new { kty = "RSA", kid = "k1", alg = "RS256", use = "sig", n = Base64UrlEncoder.Encode(parameters.Modulus), e = Base64UrlEncoder.Encode(parameters.Exponent) } } });
        _connector = Services.Create<ISocialConnector>(OidcConnectorFactory.ConnectorId, Fixtures.OidcConfig);
        var redirect = await _connector.GetAuthorizationUriAsync(new AuthorizationRequest("state1", new Uri("https://id.example.com/cb")));
        var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        var claims = JsonSerializer.Serialize(new { iss = "https://provider.test/oidc", aud = "oidc-client", sub = "user-42", iat = now, exp = now + 86400, nonce = redirect.Session[SessionKeys.Nonce], name = "Grace Hopper", email = "grace@example.com", email_verified = true });
        var idToken = Handler.CreateToken(claims, new SigningCredentials(new RsaSecurityKey(Key) { KeyId = "k1" }, SecurityAlgorithms.RsaSha256));
        CannedProvider.Made["/oidc/token"] = JsonSerializer.SerializeToUtf8Bytes(new { access_token = "oidc_ACCESS1", token_type = "Bearer", expires_in = 3600, id_token = idToken });
        _callback = SocialCallback.FromQueryString("code=oidc-code-GOOD&state=state1", redirect.Session);
        _raw = new TokenValidationParameters
        {
            IssuerSigningKeys = new JsonWebKeySet(Encoding.UTF8.GetString(CannedProvider.Made["/oidc/jwks"])).GetSigningKeys(),
            ValidIssuer = "https://provider.test/oidc",
            ValidAudience = "oidc-client",
        };
    }

    [Benchmark(Baseline = true, Description = "raw: token + IdentityModel validation")]
    public async Task<string?> Raw()
    {
        using var token = await SendJsonAsync(new HttpRequestMessage(HttpMethod.Post, "oidc/token")
        {
            Content = new FormUrlEncodedContent(
            [
                new("grant_type", "authorization_code"), new("code", "oidc-code-GOOD"), new("redirect_uri", "https://id.example.com/cb"),
                new("code_verifier", "verifier-verifier-verifier-verifier-verifie"), new("client_id", "oidc-client"), new("client_secret", "oidc-secret-S3CR3T"),
            ]),
        });
        var result = await Handler.ValidateTokenAsync(token.RootElement.GetProperty("id_token").GetString(), _raw);
        return (string?)result.Claims["sub"];
    }

    [Benchmark(Description = "connector: token + ID token (JWKS cached)")]
    public Task<SocialUserInfo> Connector() => _connector.GetUserInfoAsync(_callback);
}
