using Connectors.Abstractions;

namespace Connectors.OAuth;

/// <summary>How the client authenticates at the token endpoint (RFC 6749 2.3, OpenID Connect Core 9).</summary>
public enum ClientAuthenticationMethod
{
    /// <summary><c>client_secret_basic</c>: HTTP Basic with the form-encoded id and secret.</summary>
    ClientSecretBasic,

    /// <summary><c>client_secret_post</c>: <c>client_id</c> and <c>client_secret</c> in the form body.</summary>
    ClientSecretPost,

    /// <summary><c>client_secret_jwt</c>: a JWT signed with the secret (HS256, HS384 or HS512) as <c>client_assertion</c>.</summary>
    ClientSecretJwt,
}

/// <summary>What the token endpoint answers with.</summary>
public enum TokenResponseFormat
{
    /// <summary>A JSON object (RFC 6749 5.1).</summary>
    Json,

    /// <summary>JSON, or <c>application/x-www-form-urlencoded</c> (Logto's <c>query-string</c>; GitHub without an
    /// <c>Accept</c> header answers so).</summary>
    JsonOrForm,
}

/// <summary>A provider's endpoints.</summary>
/// <param name="Authorization">The authorization endpoint the browser is sent to.</param>
/// <param name="Token">The token endpoint.</param>
public sealed record OAuthEndpoints(Uri Authorization, Uri Token)
{
    /// <summary>The userinfo endpoint, when the profile comes from it.</summary>
    public Uri? UserInfo { get; init; }

    /// <summary>The JWKS the ID token's signature is checked against.</summary>
    public Uri? Jwks { get; init; }

    /// <summary>The issuer (<c>iss</c>) ID tokens must carry; also the <c>iss</c> a callback must carry when it has one
    /// (RFC 9207).</summary>
    public string? Issuer { get; init; }

    /// <summary>The pushed authorization request endpoint (RFC 9126), when the provider has one.</summary>
    public Uri? PushedAuthorizationRequest { get; init; }

    /// <summary>Whether the provider puts <c>iss</c> in every authorization response (RFC 9207,
    /// <c>authorization_response_iss_parameter_supported</c>): then a callback without it, or with another issuer's,
    /// is refused.</summary>
    public bool AuthorizationResponseHasIssuer { get; init; }
}

/// <summary>Whether the authorization request is pushed to the provider first (RFC 9126), as ASP.NET Core's
/// OpenID Connect handler does.</summary>
public enum PushedAuthorizationBehavior
{
    /// <summary>When the provider has a pushed authorization request endpoint (default).</summary>
    UseIfAvailable,

    /// <summary>Never.</summary>
    Disable,

    /// <summary>Always: a provider without the endpoint is a config error.</summary>
    Require,
}

/// <summary>How ID tokens are checked. The signature is always checked against <see cref="OAuthEndpoints.Jwks"/>.</summary>
public sealed record IdTokenRules
{
    /// <summary>The asymmetric algorithms accepted by default: RS, PS and ES with SHA-256, -384 and -512.</summary>
    public static readonly IReadOnlyList<string> DefaultAlgorithms = ["RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512"];

    /// <summary>Whether the token response must carry an ID token (OpenID Connect: yes). When false, one that comes
    /// is still checked. Default false.</summary>
    public bool Required { get; init; }

    /// <summary>Accepted issuers; null uses <see cref="OAuthEndpoints.Issuer"/>.</summary>
    public IReadOnlyList<string>? ValidIssuers { get; init; }

    /// <summary>Accepted signing algorithms. Default <see cref="DefaultAlgorithms"/> (never <c>none</c>, never HMAC).</summary>
    public IReadOnlyList<string> Algorithms { get; init; } = DefaultAlgorithms;

    /// <summary>The clock skew allowed for <c>exp</c>, <c>nbf</c> and <c>iat</c>. Default 5 minutes.</summary>
    public TimeSpan ClockSkew { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>The oldest <c>iat</c> accepted, when set.</summary>
    public TimeSpan? MaxAge { get; init; }
}

/// <summary>An OAuth client: its credentials and how it talks to the provider.</summary>
public sealed record OAuthClientSettings
{
    /// <summary>The client id.</summary>
    public required string ClientId { get; init; }

    /// <summary>The client secret.</summary>
    public required Secret ClientSecret { get; init; }

    /// <summary>How the client authenticates at the token endpoint. Default <see cref="ClientAuthenticationMethod.ClientSecretBasic"/>.</summary>
    public ClientAuthenticationMethod Authentication { get; init; } = ClientAuthenticationMethod.ClientSecretBasic;

    /// <summary>The HMAC algorithm of <see cref="ClientAuthenticationMethod.ClientSecretJwt"/>: HS256 (default), HS384 or HS512.</summary>
    public string JwtAlgorithm { get; init; } = "HS256";

    /// <summary>The scope asked for when a request names none; none sent when null.</summary>
    public string? Scope { get; init; }

    /// <summary>Whether authorization uses PKCE with S256 (RFC 7636). Default true.</summary>
    public bool UsePkce { get; init; } = true;

    /// <summary>Further authorization request parameters (prompt, login_hint, a provider's own).</summary>
    public IReadOnlyList<KeyValuePair<string, string>> AuthorizationParameters { get; init; } = [];

    /// <summary>Further token request parameters.</summary>
    public IReadOnlyList<KeyValuePair<string, string>> TokenParameters { get; init; } = [];

    /// <summary>Whether the authorization request is pushed first (RFC 9126). Default
    /// <see cref="PushedAuthorizationBehavior.UseIfAvailable"/>.</summary>
    public PushedAuthorizationBehavior PushedAuthorization { get; init; }

    /// <summary>What the token endpoint answers with. Default <see cref="TokenResponseFormat.Json"/>.</summary>
    public TokenResponseFormat TokenResponseFormat { get; init; } = TokenResponseFormat.Json;

    /// <summary>How ID tokens are checked; null for plain OAuth 2.0, where an ID token is passed on unchecked in
    /// <see cref="TokenSet.IdToken"/> and never used for the profile.</summary>
    public IdTokenRules? IdToken { get; init; }

    /// <summary>Redacted: the secret never prints.</summary>
    public override string ToString() => $"OAuthClientSettings {{ ClientId = {ClientId}, Authentication = {Authentication}, Scope = {Scope} }}";
}
