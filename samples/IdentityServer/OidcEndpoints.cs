using System.Security.Claims;
using System.Text.Json;
using Microsoft.AspNetCore;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Identity;
using Microsoft.IdentityModel.Tokens;
using OpenIddict.Abstractions;
using OpenIddict.Server.AspNetCore;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace IdentityServer;

/// <summary>The OpenID Provider's own endpoints that OpenIddict hands to the app (passthrough): authorization, token,
/// userinfo and end session. Discovery, JWKS and revocation are OpenIddict's.</summary>
internal static class OidcEndpoints
{
    private const string Server = OpenIddictServerAspNetCoreDefaults.AuthenticationScheme;

    public static void Map(WebApplication app)
    {
        app.MapMethods("/oidc/auth", ["GET", "POST"], AuthorizeAsync).DisableAntiforgery();
        app.MapPost("/oidc/token", TokenAsync).DisableAntiforgery();
        app.MapMethods("/oidc/me", ["GET", "POST"], UserInfoAsync).DisableAntiforgery();
        app.MapMethods("/oidc/session/end", ["GET", "POST"], (Delegate)EndSessionAsync).DisableAntiforgery();
    }

    /// <summary>Signs the user in to the client: with this server's session, or after the login page.</summary>
    private static async Task<IResult> AuthorizeAsync(HttpContext http, UserManager<AppUser> users, SignInManager<AppUser> signIn)
    {
        var request = http.GetOpenIddictServerRequest() ?? throw new InvalidOperationException("Not an OpenID Connect request.");
        var session = await http.AuthenticateAsync(IdentityConstants.ApplicationScheme);
        var user = session.Succeeded ? await users.GetUserAsync(session.Principal!) : null;
        if (user is null || request.HasPromptValue(PromptValues.Login) || !await signIn.CanSignInAsync(user))
        {
            if (request.HasPromptValue(PromptValues.None))
            {
                return Refuse(Errors.LoginRequired, "The user is not signed in.");
            }

            // To the login page, which comes back here signed in. prompt=login is dropped from the way back, or the
            // user would be asked again and again.
            var parameters = request.GetParameters()
                .Where(p => p.Key != Parameters.Prompt || !request.HasPromptValue(PromptValues.Login))
                .Select(p => KeyValuePair.Create(p.Key, (string?)p.Value.ToString()));
            var returnUrl = http.Request.PathBase + http.Request.Path + QueryString.Create(parameters);
            return Results.Redirect("/login?returnUrl=" + Uri.EscapeDataString(returnUrl));
        }

        // First-party clients: no consent screen, whatever prompt=consent asks (the client's ConsentType is implicit).
        var identity = Identity(user, request.GetScopes());
        identity.SetScopes(request.GetScopes());
        identity.SetResources(request.GetResources());
        return Results.SignIn(new ClaimsPrincipal(identity), authenticationScheme: Server);
    }

    /// <summary>Code and refresh grants: the user's current claims, and an access token for the resource asked for.</summary>
    private static async Task<IResult> TokenAsync(HttpContext http, UserManager<AppUser> users, SignInManager<AppUser> signIn)
    {
        var request = http.GetOpenIddictServerRequest() ?? throw new InvalidOperationException("Not an OpenID Connect request.");
        if (!request.IsAuthorizationCodeGrantType() && !request.IsRefreshTokenGrantType())
        {
            return Refuse(Errors.UnsupportedGrantType, "Only the code and refresh grants are enabled.");
        }

        var granted = (await http.AuthenticateAsync(Server)).Principal!;
        var user = await users.FindByIdAsync(granted.GetClaim(Claims.Subject)!);
        if (user is null || !await signIn.CanSignInAsync(user))
        {
            return Refuse(Errors.InvalidGrant, "The user can no longer sign in.");
        }

        var identity = Identity(user, granted.GetScopes());
        identity.SetScopes(granted.GetScopes());
        identity.SetAuthorizationId(granted.GetAuthorizationId());
        // Logto's SDKs ask for a resource's access token by refreshing with resource=...: its audience is that resource.
        var resources = request.GetResources() is { Length: > 0 } asked ? asked : granted.GetResources();
        identity.SetResources(resources);
        identity.SetAudiences(resources);
        return Results.SignIn(new ClaimsPrincipal(identity), authenticationScheme: Server);
    }

    /// <summary>The profile for the access token's scopes, with Logto's claim names.</summary>
    private static async Task<IResult> UserInfoAsync(HttpContext http, UserManager<AppUser> users)
    {
        var token = (await http.AuthenticateAsync(Server)).Principal!;
        var user = await users.FindByIdAsync(token.GetClaim(Claims.Subject)!);
        if (user is null)
        {
            return Results.Challenge(authenticationSchemes: [Server]);
        }

        var profile = new Dictionary<string, object?> { [Claims.Subject] = user.Id };
        foreach (var claim in Profile(user, token.GetScopes()))
        {
            profile[claim.Type] = claim.ValueType == ClaimValueTypes.Boolean ? claim.Value == "true" : claim.Value;
        }

        if (token.HasScope("identities"))
        {
            profile["identities"] = user.Identities is null ? new Dictionary<string, object>() : JsonDocument.Parse(user.Identities).RootElement.Clone();
        }

        if (token.HasScope("custom_data"))
        {
            profile["custom_data"] = new Dictionary<string, object>();
        }

        return Results.Json(profile);
    }

    /// <summary>Ends this server's session; OpenIddict then returns to the client's registered post-logout address.
    /// Logto's SDKs send client_id and post_logout_redirect_uri without an id_token_hint: OpenIddict accepts that.</summary>
    private static async Task<IResult> EndSessionAsync(HttpContext http)
    {
        await http.SignOutAsync(IdentityConstants.ApplicationScheme);
        return Results.SignOut(new AuthenticationProperties { RedirectUri = "/" }, [Server]);
    }

    /// <summary>The user's identity for OpenIddict: <c>sub</c> in every token, the profile in the ID token only, so
    /// access tokens stay small. The ID token's <c>aud</c> is the one client, a single string as Logto's (OpenIddict
    /// writes one audience so; Logto's SDKs compare it as a string).</summary>
    private static ClaimsIdentity Identity(AppUser user, IEnumerable<string> scopes)
    {
        var identity = new ClaimsIdentity(TokenValidationParameters.DefaultAuthenticationType, Claims.Name, Claims.Role);
        identity.SetClaim(Claims.Subject, user.Id);
        identity.AddClaims(Profile(user, [.. scopes]));
        identity.SetDestinations(claim => claim.Type == Claims.Subject
            ? [Destinations.AccessToken, Destinations.IdentityToken]
            : [Destinations.IdentityToken]);
        return identity;
    }

    /// <summary>Logto's ID-token claims for the scopes: <c>name</c>, <c>username</c>, <c>picture</c> (profile);
    /// <c>email</c> and a boolean <c>email_verified</c> (email); <c>phone_number</c> and <c>phone_number_verified</c> (phone).</summary>
    private static IEnumerable<Claim> Profile(AppUser user, IReadOnlyCollection<string> scopes)
    {
        static Claim Flag(string type, bool value) => new(type, value ? "true" : "false", ClaimValueTypes.Boolean);
        if (scopes.Contains(Scopes.Profile))
        {
            yield return new Claim(Claims.Name, user.Name ?? user.UserName ?? user.Id);
            yield return new Claim("username", user.UserName ?? user.Id);
            if (user.Picture is { } picture)
            {
                yield return new Claim(Claims.Picture, picture);
            }
        }

        if (scopes.Contains(Scopes.Email) && user.Email is { } email)
        {
            yield return new Claim(Claims.Email, email);
            yield return Flag(Claims.EmailVerified, user.EmailConfirmed);
        }

        if (scopes.Contains(Scopes.Phone) && user.PhoneNumber is { } phone)
        {
            yield return new Claim(Claims.PhoneNumber, phone);
            yield return Flag(Claims.PhoneNumberVerified, user.PhoneNumberConfirmed);
        }
    }

    private static IResult Refuse(string error, string description) => Results.Forbid(
        new AuthenticationProperties(new Dictionary<string, string?>
        {
            [OpenIddictServerAspNetCoreConstants.Properties.Error] = error,
            [OpenIddictServerAspNetCoreConstants.Properties.ErrorDescription] = description,
        }),
        [Server]);
}
