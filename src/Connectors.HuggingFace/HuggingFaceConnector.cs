using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Connectors.Abstractions;
using Connectors.Abstractions.Providers;

namespace Connectors.HuggingFace;

/// <summary>Sign in with Hugging Face: OAuth 2.0 authorization code with PKCE (S256), OpenID Connect when
/// <c>openid</c> is requested. Created by <see cref="HuggingFaceConnectorFactory"/>.</summary>
public sealed class HuggingFaceConnector : ISocialConnector
{
    internal const string DefaultScope = "openid profile";

    private readonly HuggingFaceConfig _config;
    private readonly HuggingFaceOptions _options;
    private readonly ProviderHttpClient _http;
    private readonly TimeProvider _time;
    private readonly AuthenticationHeaderValue _clientAuthentication;
    private readonly Uri _authorizeEndpoint;
    private readonly Uri _tokenEndpoint;
    private readonly Uri _userInfoEndpoint;

    internal HuggingFaceConnector(HuggingFaceConfig config, HuggingFaceOptions options, Endpoints endpoints, ProviderHttpClient http, TimeProvider time)
    {
        _config = config;
        _options = options;
        _http = http;
        _time = time;
        _clientAuthentication = BasicAuthentication(config.ClientId, config.ClientSecret.Reveal());
        _authorizeEndpoint = endpoints.Authorize;
        _tokenEndpoint = endpoints.Token;
        _userInfoEndpoint = endpoints.UserInfo;
        _issuer = endpoints.Issuer;
    }

    /// <summary>The Hub's endpoints under <see cref="HuggingFaceOptions.BaseAddress"/>, built once per factory.</summary>
    internal sealed record Endpoints(Uri Authorize, Uri Token, Uri UserInfo, string Issuer)
    {
        public static Endpoints From(Uri baseAddress) => new(
            ProviderEndpoint.Combine(baseAddress, "oauth/authorize"),
            ProviderEndpoint.Combine(baseAddress, "oauth/token"),
            ProviderEndpoint.Combine(baseAddress, "oauth/userinfo"),
            baseAddress.GetLeftPart(UriPartial.Authority));
    }

    /// <summary>The clock skew allowed when checking an ID token's <c>exp</c>.</summary>
    internal static readonly TimeSpan ClockSkew = TimeSpan.FromMinutes(5);

    private static readonly TimeSpan MaxTokenLifetime = TimeSpan.FromDays(366);
    private readonly string _issuer;

    /// <inheritdoc/>
    public ConnectorMetadata Metadata => HuggingFaceConnectorFactory.ConnectorMetadata;

    /// <summary>The config this connector was created from (its secret prints as <c>***</c>).</summary>
    public HuggingFaceConfig Config => _config;

    /// <inheritdoc/>
    /// <remarks>
    /// Adds PKCE (<c>code_challenge</c> = S256 of a fresh 256-bit verifier) and, when <c>openid</c> is requested, a
    /// <c>nonce</c>. The session holds <c>redirectUri</c>, <c>codeVerifier</c> and <c>nonce</c>: keep it, protected,
    /// until the callback. Scope: <see cref="AuthorizationRequest.Scope"/>, else the config's, else <c>openid profile</c>.
    /// </remarks>
    public ValueTask<AuthorizationRedirect> GetAuthorizationUriAsync(AuthorizationRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(request.RedirectUri);
        cancellationToken.ThrowIfCancellationRequested();
        if (string.IsNullOrEmpty(request.State))
        {
            throw _http.Reject("authorize", ConnectorErrorCode.InvalidRequestParameters, "A state is required: generate a random value per sign-in and compare it on the callback.");
        }

        var scope = HuggingFaceConfig.NormalizeScope(request.Scope) ?? _config.Scope ?? DefaultScope;
        var verifier = RandomToken(32);
        var session = new Dictionary<string, string>(3, StringComparer.Ordinal)
        {
            [SessionKeys.RedirectUri] = request.RedirectUri.AbsoluteUri,
            [SessionKeys.CodeVerifier] = verifier,
        };

        var query = new StringBuilder(512);
        UriQuery.Append(query, "response_type", "code");
        UriQuery.Append(query, "client_id", _config.ClientId);
        UriQuery.Append(query, "scope", scope);
        UriQuery.Append(query, "redirect_uri", request.RedirectUri.AbsoluteUri);
        UriQuery.Append(query, "state", request.State);
        UriQuery.Append(query, "code_challenge", Challenge(verifier));
        UriQuery.Append(query, "code_challenge_method", "S256");
        if (HasScope(scope, "openid"))
        {
            var nonce = RandomToken(16);
            session[SessionKeys.Nonce] = nonce;
            UriQuery.Append(query, "nonce", nonce);
        }

        if (_options.OrgIds.Count > 0)
        {
            UriQuery.Append(query, "orgIds", string.Join(',', _options.OrgIds));
        }

        return ValueTask.FromResult(new AuthorizationRedirect(new Uri($"{_authorizeEndpoint.AbsoluteUri}?{query}"), session));
    }

    /// <inheritdoc/>
    /// <exception cref="ConnectorException">
    /// <see cref="ConnectorErrorCode.AuthorizationFailed"/> for an <c>error</c> callback or one without a code;
    /// <see cref="ConnectorErrorCode.InvalidRequestParameters"/> when the session lacks the redirect URI or verifier;
    /// <see cref="ConnectorErrorCode.SocialAuthCodeInvalid"/> (<c>invalid_grant</c>);
    /// <see cref="ConnectorErrorCode.InvalidConfig"/> (<c>invalid_client</c>, 401);
    /// <see cref="ConnectorErrorCode.SocialAccessTokenInvalid"/> (userinfo 401);
    /// <see cref="ConnectorErrorCode.SocialIdTokenInvalid"/> (ID token for another client, user or nonce);
    /// <see cref="ConnectorErrorCode.InvalidResponse"/>; <see cref="ConnectorErrorCode.General"/>.
    /// </exception>
    public async Task<SocialUserInfo> GetUserInfoAsync(SocialCallback callback, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(callback);
        if (callback.GetParameter("error") is { } error)
        {
            // The callback's text comes from the browser: cut, flattened and never followed as is into a log line.
            var description = SafeText.FromProvider(callback.GetParameter("error_description"));
            throw _http.Reject(
                "callback",
                ConnectorErrorCode.AuthorizationFailed,
                $"Hugging Face did not authorize the sign-in: {SafeText.FromProvider(error, 100)}{(description is null ? string.Empty : $" ({description})")}.",
                providerErrorCode: error);
        }

        var code = callback.GetParameter("code") ?? throw _http.Reject(
            "callback",
            ConnectorErrorCode.AuthorizationFailed,
            "The Hugging Face callback carries no code: the user did not authorize, or the request is not a Hugging Face callback.");

        var redirectUri = callback.GetSessionValue(SessionKeys.RedirectUri);
        var verifier = callback.GetSessionValue(SessionKeys.CodeVerifier);
        if (redirectUri is null || verifier is null)
        {
            throw _http.Reject(
                "callback",
                ConnectorErrorCode.InvalidRequestParameters,
                $"The connector session lacks {(redirectUri is null ? "redirectUri" : "codeVerifier")}: pass the Session returned with the authorization URL back in the callback.");
        }

        using var budget = new OperationBudget(_options.Http.TotalTimeout, _time, cancellationToken);
        try
        {
            var tokens = await ExchangeCodeAsync(code, redirectUri, verifier, budget.Token).ConfigureAwait(false);
            var profile = await _http.SendJsonAsync(
                new ProviderRequest("userinfo", HttpMethod.Get, _userInfoEndpoint, RequestSafety.Safe)
                {
                    Authorization = new AuthenticationHeaderValue("Bearer", tokens.AccessToken),
                    Inspect = InspectUserInfo,
                    Secrets = [tokens.AccessToken],
                },
                budget.Token).ConfigureAwait(false);

            var sub = profile.ValueKind == JsonValueKind.Object ? profile.GetStringOrNull("sub") : null;
            if (sub is null)
            {
                throw _http.Fail("userinfo", new ProviderFailure(ConnectorErrorCode.InvalidResponse, "returned no 'sub' (user id)"));
            }

            if (tokens.IdToken is { } idToken)
            {
                CheckIdToken(idToken, sub, callback.GetSessionValue(SessionKeys.Nonce));
            }

            return new SocialUserInfo(sub)
            {
                Name = profile.GetStringOrNull("name") ?? profile.GetStringOrNull("preferred_username"),
                Email = profile.GetStringOrNull("email"),
                AvatarUrl = profile.GetStringOrNull("picture"),
                RawData = profile,
                Tokens = tokens,
            };
        }
        catch (OperationCanceledException) when (budget.IsExhausted)
        {
            throw _http.Reject(
                "sign-in",
                ConnectorErrorCode.General,
                string.Create(System.Globalization.CultureInfo.InvariantCulture, $"The Hugging Face sign-in did not complete within {budget.Limit.TotalSeconds:0.###} s (ConnectorHttpOptions.TotalTimeout). Check that Hugging Face is reachable from this server."));
        }
    }

    private async Task<TokenSet> ExchangeCodeAsync(string code, string redirectUri, string verifier, CancellationToken cancellationToken)
    {
        var json = await _http.SendJsonAsync(
            new ProviderRequest("token", HttpMethod.Post, _tokenEndpoint, RequestSafety.Unsafe) // the code is single-use
            {
                Authorization = _clientAuthentication,
                Content = () => new FormUrlEncodedContent(
                [
                    new("grant_type", "authorization_code"),
                    new("code", code),
                    new("redirect_uri", redirectUri),
                    new("code_verifier", verifier),
                ]),
                Inspect = InspectToken,
                Secrets = [_config.ClientSecret.Reveal(), code, verifier, _clientAuthentication.Parameter!],
            },
            cancellationToken).ConfigureAwait(false);

        var accessToken = json.ValueKind == JsonValueKind.Object ? json.GetStringOrNull("access_token") : null;
        var tokenType = json.ValueKind == JsonValueKind.Object ? json.GetStringOrNull("token_type") : null;
        if (accessToken is null || tokenType is null)
        {
            throw _http.Fail("token", new ProviderFailure(ConnectorErrorCode.InvalidResponse, $"returned no {(accessToken is null ? "access_token" : "token_type")}"));
        }

        // It goes into an Authorization header: a value with spaces, line breaks or control characters cannot.
        if (!ApplicationTokenCache.IsUsableToken(accessToken))
        {
            throw _http.Fail("token", new ProviderFailure(ConnectorErrorCode.InvalidResponse, "returned an access_token that cannot be sent as a bearer token (too long, or with spaces or control characters)"));
        }

        return new TokenSet(accessToken, tokenType)
        {
            RefreshToken = json.GetStringOrNull("refresh_token"),
            IdToken = json.GetStringOrNull("id_token"),
            Scope = json.GetStringOrNull("scope"),
            ExpiresAt = json.GetLifetimeOrNull("expires_in", MaxTokenLifetime) is { } lifetime ? _time.GetUtcNow() + lifetime : null,
        };
    }

    private static ProviderFailure? InspectToken(ProviderResponse response)
    {
        if (response.IsSuccessStatusCode)
        {
            return null;
        }

        var error = response.TryGetJson(out var json) && json.ValueKind == JsonValueKind.Object ? json.GetStringOrNull("error") : null;
        var description = error is null ? null : SafeText.FromProvider(json.GetStringOrNull("error_description"));
        var said = error is null ? $"failed with HTTP {response.StatusCode}" : $"failed with HTTP {response.StatusCode} {SafeText.FromProvider(error, 100)}{(description is null ? string.Empty : $" ({description})")}";
        return error switch
        {
            "invalid_grant" => new ProviderFailure(ConnectorErrorCode.SocialAuthCodeInvalid, $"{said}: the code is invalid, used or expired, or the redirect URI or PKCE verifier does not match; sign in again"),
            "invalid_client" => InvalidClient(said),
            _ when response.StatusCode == 401 => InvalidClient(said),
            null => null, // no OAuth error body: the shared status mapping
            _ => new ProviderFailure(ConnectorErrorCode.General, said),
        } is { } failure ? failure with { ProviderErrorCode = error } : null;

        static ProviderFailure InvalidClient(string said) =>
            new(ConnectorErrorCode.InvalidConfig, $"{said}: the client was rejected; check clientId and clientSecret against the Hugging Face OAuth app");
    }

    private static ProviderFailure? InspectUserInfo(ProviderResponse response) => response.StatusCode switch
    {
        401 => new ProviderFailure(ConnectorErrorCode.SocialAccessTokenInvalid, "rejected the access token (HTTP 401)"),
        >= 200 and < 300 when response.TryGetJson(out var json) && json.ValueKind != JsonValueKind.Object =>
            new ProviderFailure(ConnectorErrorCode.InvalidResponse, "returned JSON that is not an object"),
        _ => null,
    };

    /// <summary>
    /// Checks the ID token's claims. It came straight from the token endpoint over TLS, so, as OpenID Connect Core
    /// 3.1.3.7 allows, TLS stands in for the signature; the audience, subject, issuer, expiry and nonce are checked,
    /// and each must be present. A sign-in that asked for an ID token put a nonce in its session: a session without one
    /// is refused rather than accepting any nonce.
    /// </summary>
    private void CheckIdToken(string idToken, string sub, string? nonce)
    {
        string? problem;
        try
        {
            var parts = idToken.Split('.');
            var payload = parts.Length == 3 ? Base64UrlDecode(parts[1]) : [];
            var reader = new Utf8JsonReader(payload);
            var claims = JsonElement.ParseValue(ref reader);
            var audience = claims.TryGetProperty("aud", out var aud) ? aud : default;
            var forUs = audience.ValueKind == JsonValueKind.String
                ? audience.ValueEquals(_config.ClientId)
                : audience.ValueKind == JsonValueKind.Array && audience.EnumerateArray().Any(a => a.ValueKind == JsonValueKind.String && a.ValueEquals(_config.ClientId));
            var issuer = claims.GetStringOrNull("iss")?.TrimEnd('/');
            var expires = claims.TryGetProperty("exp", out var exp) && exp.ValueKind == JsonValueKind.Number && exp.TryGetInt64(out var seconds)
                && seconds is > 0 and < 253402300799 ? DateTimeOffset.FromUnixTimeSeconds(seconds) : (DateTimeOffset?)null;
            problem = !forUs ? "was issued for another client (aud)"
                : claims.GetStringOrNull("sub") is { } tokenSub && tokenSub != sub ? "names another user than userinfo (sub)"
                : issuer is null ? "has no issuer (iss)"
                : issuer != _issuer ? "has an unexpected issuer (iss)"
                : expires is null ? "has no readable expiry (exp)"
                : expires.Value + ClockSkew < _time.GetUtcNow() ? "has expired (exp)"
                : nonce is null ? "came back to a session without a nonce; start the sign-in again with the session returned by GetAuthorizationUriAsync"
                : claims.GetStringOrNull("nonce") != nonce ? "does not carry this sign-in's nonce"
                : null;
        }
        catch (Exception exception) when (exception is FormatException or JsonException or InvalidOperationException)
        {
            problem = "is not a readable JWT";
        }

        if (problem is not null)
        {
            throw _http.Fail("token", new ProviderFailure(ConnectorErrorCode.SocialIdTokenInvalid, $"returned an ID token that {problem}"));
        }
    }

    /// <summary>RFC 6749 2.3.1: id and secret are form-url-encoded before Base64, so ':' and '%' survive.</summary>
    internal static AuthenticationHeaderValue BasicAuthentication(string clientId, string clientSecret) =>
        new("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{WebUtility.UrlEncode(clientId)}:{WebUtility.UrlEncode(clientSecret)}")));

    internal static string Challenge(string verifier) => Base64UrlEncode(SHA256.HashData(Encoding.ASCII.GetBytes(verifier)));

    private static string RandomToken(int bytes) => Base64UrlEncode(RandomNumberGenerator.GetBytes(bytes));

    // System.Buffers.Text.Base64Url is .NET 9+; this library also targets .NET 8.
    private static string Base64UrlEncode(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    private static byte[] Base64UrlDecode(string text)
    {
        var base64 = text.Replace('-', '+').Replace('_', '/');
        return Convert.FromBase64String(base64.PadRight(base64.Length + ((4 - (base64.Length % 4)) % 4), '='));
    }

    private static bool HasScope(string scope, string name) =>
        scope.Split(' ', StringSplitOptions.RemoveEmptyEntries).Contains(name, StringComparer.Ordinal);

}
