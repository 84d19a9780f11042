using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using static Connectors.Simulators.Html;

namespace Connectors.Simulators;

/// <summary>
/// A simulated Hugging Face: the authorize page, <c>/oauth/token</c> (checks client_secret_basic with form-encoded
/// credentials, the redirect URI and the PKCE S256 verifier; codes are single use; ID tokens signed RS256 with a key
/// made at start), <c>/oauth/jwks</c> and <c>/oauth/userinfo</c>, with the shapes of tests/contracts/huggingface.
/// </summary>
internal static class HuggingFaceSimulator
{
    private const string HuggingFaceYellow = "#b7791f";
    private const string Prefix = "/sim/huggingface";

    public static void Map(IEndpointRouteBuilder app)
    {
        app.MapGet(Prefix + "/oauth/authorize", Authorize);
        app.MapGet(Prefix + "/approve", Approve);
        app.MapPost(Prefix + "/oauth/token", TokenAsync);
        app.MapGet(Prefix + "/oauth/userinfo", UserInfo);
        app.MapGet(Prefix + "/oauth/jwks", () =>
        {
            var key = SigningKey.ExportParameters(includePrivateParameters: false);
            return Results.Json(new { keys = new[] { new { kty = "RSA", use = "sig", alg = "RS256", kid = KeyId, n = Base64Url(key.Modulus!), e = Base64Url(key.Exponent!) } } });
        });
    }

    private const string KeyId = "sim-1";
    private static readonly RSA SigningKey = RSA.Create(2048);

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    private static IConfigurationSection Config(SimulatorState state) => state.Configuration.GetSection("HuggingFace");

    private static IResult Authorize(HttpContext context, SimulatorState state)
    {
        var q = context.Request.Query;
        var problems = new List<string>();
        if (q["client_id"] != Config(state)["clientId"])
        {
            problems.Add("unknown client_id");
        }

        if (q["response_type"] != "code")
        {
            problems.Add("response_type must be code");
        }

        if (q["code_challenge_method"] != "S256" || string.IsNullOrEmpty(q["code_challenge"]))
        {
            problems.Add("PKCE with S256 is required");
        }

        if (string.IsNullOrEmpty(q["redirect_uri"]))
        {
            problems.Add("invalid redirect_uri");
        }

        if (problems.Count > 0)
        {
            return ProviderPage("Hugging Face", HuggingFaceYellow, "Hugging Face error", $"""<h1>400 Error</h1><p class="error" id="error">{E(string.Join("; ", problems))}</p>""", 400);
        }

        var query = context.Request.QueryString.Value;
        return ProviderPage("Hugging Face", HuggingFaceYellow, "Authorize (simulated Hugging Face)", $"""
            <h1>Hugging Face (simulated)</h1>
            <div class="card">
              <p>The application <strong>{E(q["client_id"])}</strong> wants to sign you in as <strong>ada</strong>.</p>
              <p class="note" id="scopes">Scopes: {E(q["scope"])}</p>
              <a class="button primary" id="approve" href="{Prefix}/approve{E(query)}&decision=allow">Authorize</a>
              <a class="button" id="deny" href="{Prefix}/approve{E(query)}&decision=deny">Deny</a>
            </div>
            """);
    }

    private static IResult Approve(HttpContext context, SimulatorState state)
    {
        var q = context.Request.Query;
        var redirect = q["redirect_uri"].ToString();
        var separator = redirect.Contains('?', StringComparison.Ordinal) ? '&' : '?';
        var stateParameter = Uri.EscapeDataString(q["state"].ToString());
        if (q["decision"] != "allow")
        {
            return Results.Redirect($"{redirect}{separator}error=access_denied&error_description=The+user+denied+the+request&state={stateParameter}");
        }

        var code = SimulatorState.NewValue("hfcode");
        state.Codes[code] = new IssuedCode("ada", q["scope"], redirect, q["code_challenge"], q["nonce"], q["client_id"], DateTimeOffset.UtcNow.AddMinutes(5));
        return Results.Redirect($"{redirect}{separator}code={code}&state={stateParameter}");
    }

    private static async Task<IResult> TokenAsync(HttpContext context, SimulatorState state)
    {
        var config = Config(state);
        if (!TryReadBasic(context, out var clientId, out var secret) || clientId != config["clientId"] || secret != config["clientSecret"])
        {
            return OAuthError(401, "invalid_client", "Client authentication failed");
        }

        var form = await context.Request.ReadFormAsync(context.RequestAborted);
        if (form["grant_type"] != "authorization_code")
        {
            return OAuthError(400, "unsupported_grant_type", "Only authorization_code is supported here");
        }

        if (!state.Codes.TryRemove(form["code"].ToString(), out var code) || code.ExpiresAt < DateTimeOffset.UtcNow || code.ClientId != clientId)
        {
            return OAuthError(400, "invalid_grant", "The provided authorization grant is invalid");
        }

        var challenge = Convert.ToBase64String(SHA256.HashData(Encoding.ASCII.GetBytes(form["code_verifier"].ToString()))).TrimEnd('=').Replace('+', '-').Replace('/', '_');
        if (code.RedirectUri != form["redirect_uri"] || code.CodeChallenge != challenge)
        {
            return OAuthError(400, "invalid_grant", "redirect_uri or code_verifier does not match");
        }

        var token = SimulatorState.NewValue("hf_oauth_");
        state.Tokens[token] = new IssuedToken(code.User, code.Scope);
        var scopes = (code.Scope ?? string.Empty).Split(' ', StringSplitOptions.RemoveEmptyEntries);
        return Results.Json(new Dictionary<string, object?>
        {
            ["access_token"] = token,
            ["token_type"] = "bearer",
            ["expires_in"] = 28800,
            ["scope"] = code.Scope,
            ["id_token"] = scopes.Contains("openid") ? IdToken(context, clientId!, code) : null,
        });
    }

    private static IResult UserInfo(HttpContext context, SimulatorState state)
    {
        var authorization = context.Request.Headers.Authorization.ToString();
        if (!authorization.StartsWith("Bearer ", StringComparison.Ordinal) || !state.Tokens.TryGetValue(authorization["Bearer ".Length..], out var token) || token.User is null)
        {
            return Results.Json(new { error = "Invalid credentials in Authorization header" }, statusCode: 401);
        }

        var scopes = (token.Scope ?? string.Empty).Split(' ', StringSplitOptions.RemoveEmptyEntries);
        var profile = new Dictionary<string, object?>
        {
            ["sub"] = "64f1e2d3c4b5a69788796a5b",
            ["name"] = "Ada Lovelace",
            ["preferred_username"] = "ada",
            ["profile"] = "https://huggingface.co/ada",
            ["picture"] = $"{context.Request.Scheme}://{context.Request.Host}/sim/avatar/ada.svg",
            ["isPro"] = false,
            ["orgs"] = Array.Empty<object>(),
        };
        if (scopes.Contains("email"))
        {
            profile["email"] = "ada@example.com";
            profile["email_verified"] = true;
        }

        return Results.Json(profile);
    }

    private static string IdToken(HttpContext context, string clientId, IssuedCode code)
    {
        static string Part(object value) => Base64Url(JsonSerializer.SerializeToUtf8Bytes(value));
        var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        var input = $"{Part(new { alg = "RS256", typ = "JWT", kid = KeyId })}.{Part(new { iss = $"{context.Request.Scheme}://{context.Request.Host}", aud = clientId, sub = "64f1e2d3c4b5a69788796a5b", nonce = code.Nonce, iat = now, exp = now + 3600 })}";
        return $"{input}.{Base64Url(SigningKey.SignData(Encoding.ASCII.GetBytes(input), HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1))}";
    }

    private static bool TryReadBasic(HttpContext context, out string? clientId, out string? secret)
    {
        clientId = secret = null;
        var header = context.Request.Headers.Authorization.ToString();
        if (!header.StartsWith("Basic ", StringComparison.Ordinal))
        {
            return false;
        }

        try
        {
            var decoded = Encoding.UTF8.GetString(Convert.FromBase64String(header["Basic ".Length..]));
            var colon = decoded.IndexOf(':', StringComparison.Ordinal);
            if (colon < 0)
            {
                return false;
            }

            // RFC 6749 2.3.1: both parts are form-url-encoded.
            clientId = WebUtility.UrlDecode(decoded[..colon]);
            secret = WebUtility.UrlDecode(decoded[(colon + 1)..]);
            return true;
        }
        catch (FormatException)
        {
            return false;
        }
    }

    private static IResult OAuthError(int status, string error, string description) =>
        Results.Json(new { error, error_description = description }, statusCode: status);
}
