using System.Text.Json;
using Connectors.Abstractions;
using Connectors.Abstractions.Providers;
using Microsoft.Extensions.Logging;

namespace Connectors.OAuth;

/// <summary>An <c>oidc</c> config, with the field names of Logto's OpenID Connect connector, plus <c>issuer</c> for
/// discovery.</summary>
/// <param name="Client">The client: id, secret, auth method (default <c>client_secret_post</c>), scope (always with
/// <c>openid</c>), PKCE, <c>authRequestOptionalConfig</c> and <c>customConfig</c> parameters, ID token rules.</param>
/// <param name="Endpoints">The endpoints, when given explicitly.</param>
/// <param name="Issuer">The issuer whose discovery document gives the endpoints, when they are not given.</param>
/// <param name="TrustUnverifiedEmail">Whether an <c>email</c> without <c>email_verified</c> is used (Logto's flag).</param>
/// <param name="AcceptStringTypedBooleanClaims">Whether <c>"true"</c>/<c>"false"</c> strings count as booleans in
/// <c>email_verified</c> and <c>phone_verified</c> (Logto's flag).</param>
public sealed record OidcConfig(OAuthClientSettings Client, OAuthEndpoints? Endpoints, Uri? Issuer, bool TrustUnverifiedEmail, bool AcceptStringTypedBooleanClaims)
{
    private static readonly (string Key, string Parameter)[] AuthRequestParameters =
    [
        ("responseMode", "response_mode"), ("display", "display"), ("prompt", "prompt"), ("maxAge", "max_age"),
        ("uiLocales", "ui_locales"), ("idTokenHint", "id_token_hint"), ("loginHint", "login_hint"), ("acrValues", "acr_values"),
    ];

    internal static OidcConfig? Parse(ConfigReader reader, OidcOptions options)
    {
        // Whether the config names an issuer decides the mode, even when the issuer itself is refused: its own error
        // says what is wrong, without "is required" errors for the endpoints it would have given.
        var namesIssuer = reader.Root.TryGetProperty("issuer", out var issuerValue) && issuerValue.GetTextOrNull() is { } issuerText && issuerText.Trim().Length > 0;
        var issuer = OAuthConfigFields.Endpoint(reader, reader.Root, "issuer", "issuer", required: false, options);
        var discover = namesIssuer && !reader.Root.TryGetProperty("authorizationEndpoint", out _);
        var authorization = OAuthConfigFields.Endpoint(reader, reader.Root, "authorizationEndpoint", "authorizationEndpoint", required: !discover, options);
        var token = OAuthConfigFields.Endpoint(reader, reader.Root, "tokenEndpoint", "tokenEndpoint", required: !discover, options);
        var userInfo = OAuthConfigFields.Endpoint(reader, reader.Root, "userInfoEndpoint", "userInfoEndpoint", required: false, options);
        var par = OAuthConfigFields.Endpoint(reader, reader.Root, "pushedAuthorizationRequestEndpoint", "pushedAuthorizationRequestEndpoint", required: false, options);
        var client = OAuthConfigFields.Client(reader, scope => scope is null ? "openid" : scope.Split(' ').Contains("openid", StringComparer.Ordinal) ? scope : $"{scope} openid");

        // idTokenVerificationConfig: Logto hands it to jose's jwtVerify; the audience is always the client id there.
        var verification = discover
            ? reader.OptionalObject(reader.Root, "idTokenVerificationConfig", "idTokenVerificationConfig")
            : reader.RequiredObject("idTokenVerificationConfig");
        var section = verification ?? default;
        var jwks = verification is null ? null : OAuthConfigFields.Endpoint(reader, section, "jwksUri", "idTokenVerificationConfig.jwksUri", required: !discover, options);
        var issuers = verification is null ? null : OAuthConfigFields.StringOrArray(reader, section, "issuer", "idTokenVerificationConfig.issuer");
        if (issuer is not null)
        {
            // The configured issuer is the one ID tokens must name, whichever way the endpoints are given.
            var expected = issuer.AbsoluteUri.TrimEnd('/');
            if (issuers is not null && issuers.Any(i => i.TrimEnd('/') != expected))
            {
                reader.AddError("idTokenVerificationConfig.issuer", "must be the issuer given in 'issuer' (or be left out)");
            }

            issuers = [expected, expected + "/"];
        }

        var algorithms = verification is null ? null : OAuthConfigFields.StringOrArray(reader, section, "algorithms", "idTokenVerificationConfig.algorithms");
        if (algorithms?.FirstOrDefault(a => !IdTokenRules.DefaultAlgorithms.Contains(a, StringComparer.Ordinal)) is { } refused)
        {
            reader.AddError("idTokenVerificationConfig.algorithms", $"lists {SafeText.FromProvider(refused, 20)}; only the asymmetric algorithms {string.Join(", ", IdTokenRules.DefaultAlgorithms)} are accepted");
        }

        var skew = verification is null ? null : OAuthConfigFields.Duration(reader, section, "clockTolerance", "idTokenVerificationConfig.clockTolerance");
        var maxAge = verification is null ? null : OAuthConfigFields.Duration(reader, section, "maxTokenAge", "idTokenVerificationConfig.maxTokenAge");
        foreach (var unsupported in new[] { "subject", "typ", "crit" })
        {
            if (verification is not null && section.TryGetProperty(unsupported, out var value) && value.ValueKind != JsonValueKind.Null)
            {
                reader.AddError($"idTokenVerificationConfig.{unsupported}", "is not supported; remove it (the signature, issuer, audience, expiry and nonce are always checked)");
            }
        }

        var optional = reader.OptionalObject(reader.Root, "authRequestOptionalConfig", "authRequestOptionalConfig") ?? default;
        var parameters = new List<KeyValuePair<string, string>>();
        foreach (var (key, parameter) in AuthRequestParameters)
        {
            if (reader.OptionalString(optional, key, $"authRequestOptionalConfig.{key}") is { } value)
            {
                parameters.Add(new(parameter, value.Trim()));
            }
        }

        var trust = OAuthConfigFields.Flag(reader, "trustUnverifiedEmail", fallback: false);
        var strings = OAuthConfigFields.Flag(reader, "acceptStringTypedBooleanClaims", fallback: false);
        var pkce = OAuthConfigFields.Flag(reader, "enablePkce", fallback: true);
        var fetchUserInfo = OAuthConfigFields.Flag(reader, "fetchUserInfo", fallback: true);
        var push = reader.OptionalString("pushedAuthorization")?.Trim() switch
        {
            null or "auto" => PushedAuthorizationBehavior.UseIfAvailable,
            "disable" => PushedAuthorizationBehavior.Disable,
            "require" => PushedAuthorizationBehavior.Require,
            _ => Invalid(reader),
        };
        if (client is null || !reader.IsValid)
        {
            return null;
        }

        var rules = new IdTokenRules
        {
            Required = true,
            ValidIssuers = issuers,
            Algorithms = algorithms ?? IdTokenRules.DefaultAlgorithms,
            ClockSkew = skew ?? TimeSpan.FromMinutes(5),
            MaxAge = maxAge,
        };
        var settings = client with { UsePkce = pkce, IdToken = rules, PushedAuthorization = push, AuthorizationParameters = [.. parameters, .. client.AuthorizationParameters] };
        var endpoints = discover ? null : new OAuthEndpoints(authorization!, token!)
        {
            Jwks = jwks,
            Issuer = issuers?.FirstOrDefault(),
            UserInfo = userInfo,
            PushedAuthorizationRequest = par,
        };
        return new OidcConfig(settings, endpoints, discover ? issuer : null, trust, strings) { FetchUserInfo = fetchUserInfo };

        static PushedAuthorizationBehavior Invalid(ConfigReader reader)
        {
            reader.AddError("pushedAuthorization", "must be auto (default: when the provider offers it), disable or require");
            return default;
        }
    }

    /// <summary>Whether the profile is completed from the userinfo endpoint when one is known (discovered, or
    /// <c>userInfoEndpoint</c>): claims the ID token lacks are taken from it (OpenID Connect Core 5.4 lets a provider
    /// return scope-requested claims there only). Config field <c>fetchUserInfo</c>; default true. False keeps
    /// Logto's ID-token-only profile.</summary>
    public bool FetchUserInfo { get; init; } = true;
}

/// <summary>Sign in with any OpenID Connect provider (Logto's <c>oidc</c> connector config): the engine with the
/// configured or discovered endpoints; the profile is the ID token's claims, checked against the provider's JWKS,
/// completed from userinfo when the provider has it (<see cref="OidcConfig.FetchUserInfo"/>).
/// Created by <see cref="OidcConnectorFactory"/>.</summary>
internal sealed class OidcConnector : OAuthSocialConnector
{
    internal OidcConnector(OidcConfig config, OAuthFlow flow, ILogger logger)
        : base(flow, logger)
    {
        Config = config;
    }

    /// <inheritdoc/>
    public override ConnectorMetadata Metadata => OidcConnectorFactory.ConnectorMetadata;

    /// <summary>The config this connector was created from (its secret prints as <c>***</c>).</summary>
    public OidcConfig Config { get; }

    /// <inheritdoc/>
    /// <remarks>Claims from the ID token, then those it lacks from userinfo (when fetched; its <c>sub</c> must be the
    /// ID token's). As Logto: <c>email</c> only when <c>email_verified</c> is true (or absent and
    /// <see cref="OidcConfig.TrustUnverifiedEmail"/>), <c>phone</c> (or <c>phone_number</c>) only when
    /// <c>phone_verified</c> (or <c>phone_number_verified</c>) is true, and then in E.164.</remarks>
    protected override async Task<SocialUserInfo> MapUserAsync(OAuthSignIn signIn, CancellationToken cancellationToken)
    {
        var claims = signIn.IdTokenClaims!.Value; // required by the rules: CompleteAsync refused a response without one
        var sub = claims.GetStringOrNull("sub") ?? throw Flow.Http.Fail("token", new ProviderFailure(ConnectorErrorCode.SocialIdTokenInvalid, "returned an ID token without a subject (sub)"));
        var endpoints = await Flow.GetEndpointsAsync(cancellationToken).ConfigureAwait(false);
        if (Config.FetchUserInfo && endpoints.UserInfo is not null)
        {
            var profile = await Flow.GetUserInfoAsync(signIn, cancellationToken).ConfigureAwait(false);
            if (profile.GetStringOrNull("sub") is null)
            {
                // OpenID Connect Core 5.3.2: userinfo always names the user, and it must be the ID token's.
                throw Flow.Http.Fail("userinfo", new ProviderFailure(ConnectorErrorCode.InvalidResponse, "returned no subject (sub)"));
            }

            claims = Merge(claims, profile);
        }

        var emailVerified = Verified(claims, "email_verified");
        var phoneVerified = Verified(claims, "phone_verified") ?? Verified(claims, "phone_number_verified");
        var phone = phoneVerified == true ? ProviderPhoneNumbers.ToE164(claims.GetStringOrNull("phone") ?? claims.GetStringOrNull("phone_number"), Logger, Flow.Http.Provider) : null;
        return new SocialUserInfo(sub)
        {
            // A sub is unique per issuer: the signed iss (checked against the configured or discovered issuer when
            // there is one), else the configured one, else the token endpoint that issued the ID token.
            Tenant = claims.GetStringOrNull("iss") ?? endpoints.Issuer ?? endpoints.Token.GetLeftPart(UriPartial.Path),
            Name = claims.GetStringOrNull("name"),
            AvatarUrl = claims.GetStringOrNull("picture"),
            Email = emailVerified ?? Config.TrustUnverifiedEmail ? claims.GetStringOrNull("email") : null,
            EmailVerified = emailVerified == true,
            Phone = phone,
            PhoneVerified = phone is not null,
            RawData = claims,
            Tokens = signIn.Tokens,
        };
    }

    /// <summary>The ID token's claims, then each userinfo claim the ID token lacks: the signed token wins.</summary>
    private static JsonElement Merge(JsonElement idToken, JsonElement userInfo)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            foreach (var claim in idToken.EnumerateObject())
            {
                claim.WriteTo(writer);
            }

            foreach (var claim in userInfo.EnumerateObject())
            {
                if (!idToken.TryGetProperty(claim.Name, out _))
                {
                    claim.WriteTo(writer);
                }
            }

            writer.WriteEndObject();
        }

        using var document = JsonDocument.Parse(buffer.ToArray());
        return document.RootElement.Clone();
    }

    private bool? Verified(JsonElement claims, string name) =>
        claims.TryGetProperty(name, out var value) ? value.ValueKind switch
        {
            JsonValueKind.True => true,
            JsonValueKind.False => false,
            JsonValueKind.String when Config.AcceptStringTypedBooleanClaims => value.GetTextOrNull()?.ToLowerInvariant() switch
            {
                "true" or "yes" or "1" => true,
                _ => false,
            },
            _ => null,
        } : null;
}
