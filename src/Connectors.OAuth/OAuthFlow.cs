using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Connectors.Abstractions;
using Connectors.Abstractions.Providers;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Connectors.OAuth;

/// <summary>What the code exchange gave: the tokens and, when an ID token came and was checked, its claims.</summary>
/// <param name="Tokens">The token response.</param>
/// <param name="IdTokenClaims">The checked ID token's claims, or null.</param>
public sealed record OAuthSignIn(TokenSet Tokens, JsonElement? IdTokenClaims);

/// <summary>
/// The OAuth 2.0 authorization-code flow with OpenID Connect, for any provider: the authorization URL (state, PKCE
/// S256, nonce, extra parameters), the callback's checks, the code exchange (client_secret_basic, _post or _jwt; never
/// repeated once sent), OAuth error mapping, the token set, the ID token checked against the provider's JWKS
/// (signature, iss, aud, exp/nbf/iat with skew on the <see cref="TimeProvider"/>, nonce), and userinfo. A provider
/// describes itself with <see cref="OAuthClientSettings"/> and <see cref="OAuthEndpoints"/> (or an issuer to discover);
/// <see cref="OAuthSocialConnector"/> builds a connector on it.
/// </summary>
public sealed class OAuthFlow
{
    private static readonly JsonWebTokenHandler Handler = new();
    private readonly OAuthClientSettings _client;
    private readonly OAuthEndpoints? _endpoints;
    private readonly Uri? _issuer;
    private readonly ProviderHttpClient _http;
    private readonly OpenIdMetadataCache? _metadata;
    private readonly AuthenticationHeaderValue? _basic;

    /// <summary>A flow with known endpoints; <paramref name="metadata"/> holds the JWKS that ID tokens are checked
    /// against, and is needed only when <see cref="OAuthClientSettings.IdToken"/> is set (plain OAuth 2.0 needs none).</summary>
    /// <exception cref="ArgumentException">When ID tokens are checked and <paramref name="metadata"/> is null.</exception>
    public OAuthFlow(OAuthClientSettings client, OAuthEndpoints endpoints, ProviderHttpClient http, OpenIdMetadataCache? metadata)
        : this(client, http, metadata)
    {
        _endpoints = endpoints ?? throw new ArgumentNullException(nameof(endpoints));
    }

    /// <summary>A flow whose endpoints come from <paramref name="issuer"/>'s discovery document (cached in <paramref name="metadata"/>).</summary>
    public OAuthFlow(OAuthClientSettings client, Uri issuer, ProviderHttpClient http, OpenIdMetadataCache metadata)
        : this(client, http, metadata ?? throw new ArgumentNullException(nameof(metadata)))
    {
        _issuer = issuer ?? throw new ArgumentNullException(nameof(issuer));
    }

    private OAuthFlow(OAuthClientSettings client, ProviderHttpClient http, OpenIdMetadataCache? metadata)
    {
        _client = client ?? throw new ArgumentNullException(nameof(client));
        _http = http ?? throw new ArgumentNullException(nameof(http));
        _metadata = metadata;
        if (metadata is null && client.IdToken is not null)
        {
            throw new ArgumentException("A flow that checks ID tokens (OAuthClientSettings.IdToken) needs an OpenIdMetadataCache for the provider's keys.", nameof(metadata));
        }

        _basic = client.Authentication == ClientAuthenticationMethod.ClientSecretBasic
            // RFC 6749 2.3.1: id and secret are form-url-encoded before Base64, so ':' and '%' survive.
            ? new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{WebUtility.UrlEncode(client.ClientId)}:{WebUtility.UrlEncode(client.ClientSecret.Reveal())}")))
            : null;
    }

    /// <summary>The client settings.</summary>
    public OAuthClientSettings Client => _client;

    /// <summary>The provider's HTTP client: failures outside a request go through its <see cref="ProviderHttpClient.Reject"/>.</summary>
    public ProviderHttpClient Http => _http;

    /// <summary>The endpoints: as given, or discovered.</summary>
    public async ValueTask<OAuthEndpoints> GetEndpointsAsync(CancellationToken cancellationToken = default) =>
        _endpoints ?? (await _metadata!.GetConfigurationAsync(_issuer!, cancellationToken).ConfigureAwait(false)).Endpoints;

    /// <summary>
    /// The authorization URL. Scope: the request's, else <see cref="OAuthClientSettings.Scope"/>. With PKCE a fresh
    /// 256-bit verifier (S256 challenge); when the scope holds <c>openid</c>, or ID tokens are required, a nonce. The
    /// session holds <c>redirectUri</c>, <c>codeVerifier</c> and <c>nonce</c>: keep it, protected, until the callback.
    /// </summary>
    /// <exception cref="ConnectorException"><see cref="ConnectorErrorCode.InvalidRequestParameters"/> without a state.</exception>
    public async ValueTask<AuthorizationRedirect> AuthorizeAsync(AuthorizationRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(request.RedirectUri);
        cancellationToken.ThrowIfCancellationRequested();
        if (string.IsNullOrEmpty(request.State))
        {
            throw _http.Reject("authorize", ConnectorErrorCode.InvalidRequestParameters, "A state is required: generate a random value per sign-in and compare it on the callback.");
        }

        var endpoints = await GetEndpointsAsync(cancellationToken).ConfigureAwait(false);
        var scope = NormalizeScope(request.Scope) ?? _client.Scope;
        var session = new Dictionary<string, string>(3, StringComparer.Ordinal) { [SessionKeys.RedirectUri] = request.RedirectUri.AbsoluteUri };
        var parameters = new List<KeyValuePair<string, string>>(12)
        {
            new("response_type", "code"),
            new("client_id", _client.ClientId),
        };
        if (scope is not null)
        {
            parameters.Add(new("scope", scope));
        }

        parameters.Add(new("redirect_uri", request.RedirectUri.AbsoluteUri));
        parameters.Add(new("state", request.State));
        if (_client.UsePkce)
        {
            var verifier = RandomToken(32);
            session[SessionKeys.CodeVerifier] = verifier;
            parameters.Add(new("code_challenge", Base64UrlEncoder.Encode(SHA256.HashData(Encoding.ASCII.GetBytes(verifier)))));
            parameters.Add(new("code_challenge_method", "S256"));
        }

        if (_client.IdToken is { Required: true } || HasScope(scope, "openid"))
        {
            var nonce = RandomToken(16);
            session[SessionKeys.Nonce] = nonce;
            parameters.Add(new("nonce", nonce));
        }

        parameters.AddRange(_client.AuthorizationParameters);
        var posted = parameters.Any(p => p.Key == "response_mode" && p.Value == "form_post");
        var push = _client.PushedAuthorization switch
        {
            PushedAuthorizationBehavior.Disable => null,
            PushedAuthorizationBehavior.Require => endpoints.PushedAuthorizationRequest ?? throw _http.Reject(
                "par",
                ConnectorErrorCode.InvalidConfig,
                $"{_http.Provider} has no pushed authorization request endpoint, and the config requires pushed authorization requests (RFC 9126)."),
            _ => endpoints.PushedAuthorizationRequest,
        };
        if (push is not null)
        {
            // RFC 9126: the parameters go to the provider directly, with client authentication; the browser carries
            // only the request_uri it answers with.
            var requestUri = await PushAsync(push, parameters, cancellationToken).ConfigureAwait(false);
            parameters = [new("client_id", _client.ClientId), new("request_uri", requestUri)];
        }

        var query = new StringBuilder(512);
        foreach (var (name, value) in parameters)
        {
            UriQuery.Append(query, name, value);
        }

        var endpoint = endpoints.Authorization.AbsoluteUri;
        var uri = new Uri(endpoint.Contains('?', StringComparison.Ordinal) ? $"{endpoint}&{query}" : $"{endpoint}?{query}");
        return new AuthorizationRedirect(uri, session) { ResponseIsPosted = posted };
    }

    private async Task<string> PushAsync(Uri endpoint, List<KeyValuePair<string, string>> parameters, CancellationToken cancellationToken)
    {
        var form = new List<KeyValuePair<string, string>>(parameters);
        var secrets = AddClientAuthentication(form, endpoint);
        var json = await _http.SendJsonAsync(
            new ProviderRequest("par", HttpMethod.Post, endpoint, RequestSafety.Safe) // a retry only pushes another request
            {
                Authorization = _basic,
                Headers = AcceptJson,
                Content = () => new FormUrlEncodedContent(form),
                Inspect = InspectToken,
                Secrets = secrets,
            },
            cancellationToken).ConfigureAwait(false);
        return json.GetStringOrNull("request_uri")
            ?? throw _http.Fail("par", new ProviderFailure(ConnectorErrorCode.InvalidResponse, "returned no request_uri"));
    }

    /// <summary>Adds the client authentication of <see cref="OAuthClientSettings.Authentication"/> to a form sent to
    /// <paramref name="audience"/> (Basic goes in the header), and returns the secrets the request carries.</summary>
    private string[] AddClientAuthentication(List<KeyValuePair<string, string>> form, Uri audience)
    {
        var secret = _client.ClientSecret.Reveal();
        string? assertion = null;
        switch (_client.Authentication)
        {
            case ClientAuthenticationMethod.ClientSecretPost:
                AddClientId(form);
                form.Add(new("client_secret", secret));
                break;
            case ClientAuthenticationMethod.ClientSecretJwt:
                assertion = ClientSecretJwt.Create(_client.ClientId, secret, _client.JwtAlgorithm, audience, _http.TimeProvider.GetUtcNow());
                AddClientId(form);
                form.Add(new("client_assertion_type", "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"));
                form.Add(new("client_assertion", assertion));
                break;
        }

        return [secret, _basic?.Parameter ?? string.Empty, assertion ?? string.Empty];

        void AddClientId(List<KeyValuePair<string, string>> fields)
        {
            if (!fields.Any(f => f.Key == "client_id"))
            {
                fields.Add(new("client_id", _client.ClientId));
            }
        }
    }

    /// <summary>Checks the callback, exchanges the code (never repeated once sent: it is single-use) and checks the ID token.</summary>
    /// <exception cref="ConnectorException">
    /// <see cref="ConnectorErrorCode.AuthorizationFailed"/> for an <c>error</c> callback or one without a code;
    /// <see cref="ConnectorErrorCode.InvalidRequestParameters"/> when the session lacks the redirect URI or verifier;
    /// <see cref="ConnectorErrorCode.SocialAuthCodeInvalid"/> (<c>invalid_grant</c>); <see cref="ConnectorErrorCode.InvalidConfig"/>
    /// (<c>invalid_client</c>, 401); <see cref="ConnectorErrorCode.SocialIdTokenInvalid"/>; <see cref="ConnectorErrorCode.InvalidResponse"/>;
    /// <see cref="ConnectorErrorCode.General"/>.
    /// </exception>
    public async Task<OAuthSignIn> CompleteAsync(SocialCallback callback, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(callback);
        var provider = _http.Provider;
        var endpoints = await GetEndpointsAsync(cancellationToken).ConfigureAwait(false);
        // RFC 9207: a response that names its issuer must name this one, and a provider that always names it must
        // have; otherwise the code may be another provider's (a mix-up attack). Checked for errors too. A trailing
        // slash is not told apart, as for the ID token's iss (a configured issuer is kept without one).
        var iss = callback.GetParameter("iss");
        if (iss is not null ? endpoints.Issuer is { } expected && !string.Equals(iss.TrimEnd('/'), expected.TrimEnd('/'), StringComparison.Ordinal) : endpoints.AuthorizationResponseHasIssuer)
        {
            throw _http.Reject(
                "callback",
                ConnectorErrorCode.AuthorizationFailed,
                iss is null
                    ? $"The {provider} callback carries no issuer (iss), which {provider} always sends (RFC 9207): it may come from another provider; sign in again."
                    : $"The {provider} callback names another issuer (iss) than {provider}'s: it may come from another provider (a mix-up attack); sign in again.");
        }

        if (callback.GetParameter("error") is { } error)
        {
            // The callback's text comes from the browser: cut, flattened and never followed as is into a log line.
            var description = SafeText.FromProvider(callback.GetParameter("error_description"));
            throw _http.Reject(
                "callback",
                ConnectorErrorCode.AuthorizationFailed,
                $"{provider} did not authorize the sign-in: {SafeText.FromProvider(error, 100)}{(description is null ? string.Empty : $" ({description})")}.",
                providerErrorCode: error);
        }

        var code = callback.GetParameter("code") ?? throw _http.Reject(
            "callback",
            ConnectorErrorCode.AuthorizationFailed,
            $"The {provider} callback carries no code: the user did not authorize, or the request is not a {provider} callback.");
        var redirectUri = callback.GetSessionValue(SessionKeys.RedirectUri);
        var verifier = callback.GetSessionValue(SessionKeys.CodeVerifier);
        if (redirectUri is null || (_client.UsePkce && verifier is null))
        {
            throw _http.Reject(
                "callback",
                ConnectorErrorCode.InvalidRequestParameters,
                $"The connector session lacks {(redirectUri is null ? "redirectUri" : "codeVerifier")}: pass the Session returned with the authorization URL back in the callback.");
        }

        var tokens = await ExchangeAsync(endpoints, code, redirectUri, verifier, cancellationToken).ConfigureAwait(false);
        JsonElement? claims = null;
        if (_client.IdToken is { } rules)
        {
            var nonce = callback.GetSessionValue(SessionKeys.Nonce);
            if (tokens.IdToken is { } idToken)
            {
                claims = await ValidateIdTokenAsync(idToken, endpoints, rules, nonce, cancellationToken).ConfigureAwait(false);
            }
            else if (rules.Required || nonce is not null)
            {
                // A nonce was sent because openid was asked for: an OpenID provider must answer with an ID token.
                throw _http.Fail("token", new ProviderFailure(ConnectorErrorCode.SocialIdTokenInvalid, "returned no ID token; check that the scope holds openid"));
            }
        }

        return new OAuthSignIn(tokens, claims);
    }

    /// <summary>The userinfo profile (a JSON object). When an ID token was checked, its <c>sub</c> must be the same
    /// (OpenID Connect Core 5.3.2).</summary>
    /// <exception cref="ConnectorException"><see cref="ConnectorErrorCode.SocialAccessTokenInvalid"/> (401);
    /// <see cref="ConnectorErrorCode.InvalidResponse"/> (not an object, another <c>sub</c>); <see cref="ConnectorErrorCode.General"/>.</exception>
    public async Task<JsonElement> GetUserInfoAsync(OAuthSignIn signIn, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(signIn);
        var endpoints = await GetEndpointsAsync(cancellationToken).ConfigureAwait(false);
        var endpoint = endpoints.UserInfo ?? throw _http.Reject("userinfo", ConnectorErrorCode.InvalidConfig, $"{_http.Provider} has no userinfo endpoint configured.");
        var profile = await _http.SendJsonAsync(
            new ProviderRequest("userinfo", HttpMethod.Get, endpoint, RequestSafety.Safe)
            {
                Authorization = new AuthenticationHeaderValue("Bearer", signIn.Tokens.AccessToken),
                Inspect = InspectUserInfo,
                Secrets = [signIn.Tokens.AccessToken],
            },
            cancellationToken).ConfigureAwait(false);

        if (signIn.IdTokenClaims is { } claims && profile.GetStringOrNull("sub") is { } sub && claims.GetStringOrNull("sub") != sub)
        {
            throw _http.Fail("userinfo", new ProviderFailure(ConnectorErrorCode.SocialIdTokenInvalid, "names another user (sub) than the ID token"));
        }

        return profile;
    }

    /// <summary>
    /// A further call to the provider's API with the access token, such as GitHub's <c>/user/emails</c>: a GET with
    /// <c>Authorization: Bearer</c> and <c>Accept: application/json</c> (plus <paramref name="headers"/>), retried as a
    /// safe operation, the token kept out of every message, the body a JSON value. <paramref name="inspect"/> reads the
    /// provider's answer (its shape, an error in a 200 body); by default a 401 is
    /// <see cref="ConnectorErrorCode.SocialAccessTokenInvalid"/>. A <paramref name="bestEffort"/> call returns null when
    /// it fails (<see cref="ProviderRequest.BestEffort"/>: logged as event 1004, not counted as a failure); a required one throws.
    /// </summary>
    /// <exception cref="ConnectorException">A required call's failure, as <see cref="ProviderHttpClient.SendJsonAsync"/>.</exception>
    /// <exception cref="OperationCanceledException">When <paramref name="cancellationToken"/> is cancelled, best effort or not.</exception>
    public async Task<JsonElement?> GetJsonAsync(OAuthSignIn signIn, string operation, Uri endpoint, bool bestEffort, Func<ProviderResponse, ProviderFailure?>? inspect = null, IReadOnlyList<KeyValuePair<string, string>>? headers = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(signIn);
        ArgumentException.ThrowIfNullOrEmpty(operation);
        ArgumentNullException.ThrowIfNull(endpoint);
        try
        {
            return await _http.SendJsonAsync(
                new ProviderRequest(operation, HttpMethod.Get, endpoint, RequestSafety.Safe)
                {
                    Authorization = new AuthenticationHeaderValue("Bearer", signIn.Tokens.AccessToken),
                    Headers = headers is null ? AcceptJson : [.. AcceptJson, .. headers],
                    Inspect = inspect ?? InspectApi,
                    Secrets = [signIn.Tokens.AccessToken],
                    BestEffort = bestEffort,
                },
                cancellationToken).ConfigureAwait(false);
        }
        catch (ConnectorException) when (bestEffort)
        {
            return null;
        }
    }

    private static ProviderFailure? InspectApi(ProviderResponse response) =>
        response.StatusCode == 401 ? new ProviderFailure(ConnectorErrorCode.SocialAccessTokenInvalid, "rejected the access token (HTTP 401)") : null;

    private async Task<TokenSet> ExchangeAsync(OAuthEndpoints endpoints, string code, string redirectUri, string? verifier, CancellationToken cancellationToken)
    {
        var form = new List<KeyValuePair<string, string>>(10)
        {
            new("grant_type", "authorization_code"),
            new("code", code),
            new("redirect_uri", redirectUri),
        };
        if (verifier is not null)
        {
            form.Add(new("code_verifier", verifier));
        }

        var secrets = AddClientAuthentication(form, endpoints.Token);
        form.AddRange(_client.TokenParameters);
        var response = await _http.SendAsync(
            new ProviderRequest("token", HttpMethod.Post, endpoints.Token, RequestSafety.Unsafe) // the code is single-use
            {
                Authorization = _basic,
                Headers = AcceptJson,
                Content = () => new FormUrlEncodedContent(form),
                Inspect = InspectToken,
                Secrets = [.. secrets, code, verifier ?? string.Empty],
            },
            cancellationToken).ConfigureAwait(false);

        var json = TokenFields(response);
        var accessToken = json?.GetStringOrNull("access_token");
        var tokenType = json?.GetStringOrNull("token_type");
        if (json is null || accessToken is null || tokenType is null)
        {
            throw _http.Fail("token", new ProviderFailure(ConnectorErrorCode.InvalidResponse, json is null
                ? "returned a body that is neither a JSON object nor form fields"
                : $"returned no {(accessToken is null ? "access_token" : "token_type")}"), response.StatusCode);
        }

        // It goes into an Authorization header: a value with spaces, line breaks or control characters cannot.
        if (!ApplicationTokenCache.IsUsableToken(accessToken))
        {
            throw _http.Fail("token", new ProviderFailure(ConnectorErrorCode.InvalidResponse, "returned an access_token that cannot be sent as a bearer token (too long, or with spaces or control characters)"));
        }

        var fields = json.Value;
        return new TokenSet(accessToken, tokenType)
        {
            RefreshToken = fields.GetStringOrNull("refresh_token"),
            IdToken = fields.GetStringOrNull("id_token"),
            Scope = fields.GetStringOrNull("scope"),
            ExpiresAt = fields.GetLifetimeOrNull("expires_in", MaxTokenLifetime) is { } lifetime ? _http.TimeProvider.GetUtcNow() + lifetime : null,
        };
    }

    private static readonly TimeSpan MaxTokenLifetime = TimeSpan.FromDays(366);

    private static readonly IReadOnlyList<KeyValuePair<string, string>> AcceptJson = [new("Accept", "application/json")];

    /// <summary>The token response as a JSON object: parsed JSON, or (for <see cref="TokenResponseFormat.JsonOrForm"/>)
    /// form fields turned into string properties. Null when it is neither.</summary>
    private JsonElement? TokenFields(ProviderResponse response)
    {
        if (response.TryGetJson(out var json))
        {
            return json.ValueKind == JsonValueKind.Object ? json : null;
        }

        return _client.TokenResponseFormat == TokenResponseFormat.JsonOrForm ? FormFields(response) : null;
    }

    private static JsonElement? FormFields(ProviderResponse response)
    {
        var text = Encoding.UTF8.GetString(response.Body.Span).Trim();
        if (text.Length == 0 || !text.Contains('=', StringComparison.Ordinal))
        {
            return null;
        }

        var parsed = SocialCallback.FromQueryString(text).Parameters;
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            foreach (var (name, value) in parsed)
            {
                writer.WriteString(name, value);
            }

            writer.WriteEndObject();
        }

        using var document = JsonDocument.Parse(buffer.ToArray());
        return document.RootElement.Clone();
    }

    private ProviderFailure? InspectToken(ProviderResponse response)
    {
        // An OAuth error can come with a 4xx, or (GitHub) with a 200.
        var fields = TokenFields(response);
        var error = fields?.GetStringOrNull("error");
        if (error is null)
        {
            return response.IsSuccessStatusCode || response.StatusCode != 401
                ? null // no OAuth error: accepted, or the shared status mapping
                : InvalidClient($"failed with HTTP {response.StatusCode}", null);
        }

        var description = SafeText.FromProvider(fields!.Value.GetStringOrNull("error_description"));
        var said = $"failed with HTTP {response.StatusCode} {SafeText.FromProvider(error, 100)}{(description is null ? string.Empty : $" ({description})")}";
        return error switch
        {
            "invalid_grant" or "bad_verification_code" => new ProviderFailure(ConnectorErrorCode.SocialAuthCodeInvalid, $"{said}: the code is invalid, used or expired, or the redirect URI or PKCE verifier does not match; sign in again") { ProviderErrorCode = error },
            "invalid_client" or "unauthorized_client" or "incorrect_client_credentials" => InvalidClient(said, error),
            _ when response.StatusCode == 401 => InvalidClient(said, error),
            _ => new ProviderFailure(ConnectorErrorCode.General, said) { ProviderErrorCode = error },
        };

        ProviderFailure InvalidClient(string said, string? code) =>
            new(ConnectorErrorCode.InvalidConfig, $"{said}: the client was rejected; check clientId, clientSecret and the token endpoint auth method against the provider's app") { ProviderErrorCode = code };
    }

    private static ProviderFailure? InspectUserInfo(ProviderResponse response) => response.StatusCode switch
    {
        401 => new ProviderFailure(ConnectorErrorCode.SocialAccessTokenInvalid, "rejected the access token (HTTP 401)"),
        >= 200 and < 300 when response.TryGetJson(out var json) && json.ValueKind != JsonValueKind.Object =>
            new ProviderFailure(ConnectorErrorCode.InvalidResponse, "returned JSON that is not an object"),
        _ => null,
    };

    /// <summary>Checks the ID token against the provider's keys (fetched again once for an unknown key id) and the
    /// rules, and returns its claims.</summary>
    private async Task<JsonElement> ValidateIdTokenAsync(string idToken, OAuthEndpoints endpoints, IdTokenRules rules, string? nonce, CancellationToken cancellationToken)
    {
        var jwks = endpoints.Jwks ?? throw _http.Reject("token", ConnectorErrorCode.InvalidConfig, $"{_http.Provider} has no JWKS address to check ID tokens against (jwksUri).");
        IReadOnlyList<string> issuers = rules.ValidIssuers ?? (endpoints.Issuer is { } issuer ? [issuer, issuer.TrimEnd('/') + "/"] : []);
        var now = _http.TimeProvider.GetUtcNow();
        string? problem;
        JsonWebToken? token = null;
        try
        {
            var keys = await _metadata!.GetSigningKeysAsync(jwks, refresh: false, cancellationToken).ConfigureAwait(false);
            var result = await Handler.ValidateTokenAsync(idToken, Parameters(keys)).ConfigureAwait(false);
            if (!result.IsValid && result.Exception is SecurityTokenSignatureKeyNotFoundException)
            {
                // The provider may have rotated its keys since they were fetched.
                keys = await _metadata.GetSigningKeysAsync(jwks, refresh: true, cancellationToken).ConfigureAwait(false);
                result = await Handler.ValidateTokenAsync(idToken, Parameters(keys)).ConfigureAwait(false);
            }

            token = result.SecurityToken as JsonWebToken;
            problem = result.IsValid ? null : Describe(result.Exception);
        }
        catch (ArgumentException)
        {
            problem = "is not a readable JWT";
        }

        if (problem is null && token is not null && token.TryGetHeaderValue<object>("crit", out _))
        {
            // RFC 7515 4.1.11: a header extension the recipient does not understand makes the token invalid, and this
            // library understands none.
            problem = "lists critical header extensions (crit) this library does not process";
        }

        if (problem is null && token is not null)
        {
            var tokenNonce = token.TryGetPayloadValue<string>("nonce", out var n) ? n : null;
            var issuedAt = token.IssuedAt;
            problem = nonce is null ? "came back to a session without a nonce; start the sign-in again with the session returned with the authorization URL"
                : tokenNonce != nonce ? "does not carry this sign-in's nonce"
                : rules.MaxAge is { } maxAge && (issuedAt == DateTime.MinValue || now - issuedAt > maxAge + rules.ClockSkew) ? "is older than its allowed maximum age (iat)"
                : null;
        }

        if (problem is not null)
        {
            throw _http.Fail("token", new ProviderFailure(ConnectorErrorCode.SocialIdTokenInvalid, $"returned an ID token that {problem}"));
        }

        var payload = Base64UrlEncoder.DecodeBytes(token!.EncodedPayload);
        if (!JsonElementExtensions.HasTextPropertyNames(payload))
        {
            throw _http.Fail("token", new ProviderFailure(ConnectorErrorCode.SocialIdTokenInvalid, "returned an ID token whose claim names are not text"));
        }

        var reader = new Utf8JsonReader(payload);
        return JsonElement.ParseValue(ref reader);

        TokenValidationParameters Parameters(IReadOnlyList<SecurityKey> keys) => new()
        {
            IssuerSigningKeys = keys,
            ValidAlgorithms = rules.Algorithms,
            ValidIssuers = issuers,
            ValidateIssuer = issuers.Count > 0, // an explicit Logto config may leave the issuer out, as jose allows
            ValidAudience = _client.ClientId,
            ValidateAudience = true,
            RequireSignedTokens = true,
            RequireExpirationTime = true,
            ValidateLifetime = true,
            ClockSkew = rules.ClockSkew,
            // On this library's clock, so that tests control time (IdentityModel 8.16 takes no TimeProvider). Only
            // "now" is shifted by the skew: a token's own times may be anything, even DateTime.MinValue.
            LifetimeValidator = (notBefore, expires, _, _) => CheckLifetime(notBefore, expires, now.UtcDateTime, rules.ClockSkew),
        };

        string Describe(Exception? exception) => exception switch
        {
            SecurityTokenSignatureKeyNotFoundException => "is signed with a key the provider's JWKS does not hold (kid)",
            SecurityTokenInvalidSignatureException => "has an invalid signature",
            SecurityTokenInvalidAlgorithmException => "is signed with an algorithm that is not allowed",
            SecurityTokenInvalidIssuerException { InvalidIssuer: null or "" } => "has no issuer (iss)",
            SecurityTokenInvalidIssuerException => "has an unexpected issuer (iss)",
            SecurityTokenInvalidAudienceException => "was issued for another client (aud)",
            SecurityTokenNoExpirationException => "has no expiry (exp)",
            SecurityTokenExpiredException => "has expired (exp)",
            SecurityTokenNotYetValidException => "is not valid yet (nbf)",
            SecurityTokenInvalidLifetimeException => "has an invalid lifetime (exp, nbf)",
            SecurityTokenMalformedException or ArgumentException => "is not a readable JWT",
            _ => "could not be validated",
        };
    }

    private static bool CheckLifetime(DateTime? notBefore, DateTime? expires, DateTime now, TimeSpan skew)
    {
        if (expires is not { } exp || exp == DateTime.MinValue)
        {
            throw new SecurityTokenNoExpirationException();
        }

        if (exp.ToUniversalTime() < now - skew)
        {
            throw new SecurityTokenExpiredException();
        }

        if (notBefore is { } nbf && nbf != DateTime.MinValue && nbf.ToUniversalTime() > now + skew)
        {
            throw new SecurityTokenNotYetValidException();
        }

        return true;
    }

    /// <summary>Collapses any whitespace (Logto's forms are multi-line) to single spaces; null when blank.</summary>
    public static string? NormalizeScope(string? scope) =>
        string.IsNullOrWhiteSpace(scope) ? null : string.Join(' ', scope.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries));

    private static bool HasScope(string? scope, string name) =>
        scope is not null && scope.Split(' ', StringSplitOptions.RemoveEmptyEntries).Contains(name, StringComparer.Ordinal);

    private static string RandomToken(int bytes) => Base64UrlEncoder.Encode(RandomNumberGenerator.GetBytes(bytes));
}
