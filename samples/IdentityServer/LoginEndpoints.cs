using System.Text.Json;
using System.Text.Json.Nodes;
using Connectors.Abstractions;
using Connectors.AspNetCore;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.WebUtilities;
using OpenIddict.Abstractions;
using static Connectors.Simulators.Html;

namespace IdentityServer;

/// <summary>The login page the authorization endpoint sends a user without a session to: WeCom, Hugging Face or an
/// emailed code, each ending in Identity's session and a return to the authorization request.</summary>
internal static class LoginEndpoints
{
    public static void Map(WebApplication app)
    {
        app.MapGet("/", () => Page("Identity server", """
            <h1>Connectors identity server</h1>
            <p>An OpenID Provider: apps sign in through <code>/oidc</code> (discovery at
            <a href="/oidc/.well-known/openid-configuration">/oidc/.well-known/openid-configuration</a>).</p>
            """));
        app.MapGet("/login", LoginPage);
        app.MapGet("/login/{scheme}", ChallengeAsync);
        app.MapGet("/login/callback", ExternalCallbackAsync);
        app.MapPost("/login/email", SendCodeAsync);
        app.MapGet("/login/email", (HttpContext http, string email, string returnUrl, string? status, int? left, int? wait) => CodePage(http, email, returnUrl, status, left, wait));
        app.MapPost("/login/email/verify", VerifyCodeAsync);
    }

    /// <summary>Only a return to this server's authorization endpoint: a login page is no open redirect.</summary>
    private static string Safe(string? returnUrl) => returnUrl is not null && returnUrl.StartsWith("/oidc/auth?", StringComparison.Ordinal) ? returnUrl : "/";

    /// <summary>The OIDC client a return URL signs in to: a ConfigResolver could choose a WeCom corp by it.</summary>
    private static string? ClientId(string returnUrl) => returnUrl.IndexOf('?', StringComparison.Ordinal) is var query and >= 0
        && QueryHelpers.ParseQuery(returnUrl[query..]).GetValueOrDefault(OpenIddictConstants.Parameters.ClientId).ToString() is { Length: > 0 } id ? id : null;

    private static IResult LoginPage(HttpContext http, string? returnUrl, string? error)
    {
        var back = Uri.EscapeDataString(Safe(returnUrl));
        // The page's own texts, chosen by a key: a link cannot make the login page say what it likes.
        error = error switch
        {
            "incomplete" => "The sign-in did not complete; try again.",
            "refused" => "This account cannot sign in.",
            _ => null,
        };
        return Page("Sign in", $"""
            <h1>Sign in</h1>
            {(error is null ? string.Empty : $"""<p class="error" id="error">{E(error)}</p>""")}
            <p class="note" id="client">to {E(ClientId(Safe(returnUrl)) ?? "this server")}</p>
            <div class="card">
              <a class="button primary" id="wecom" href="/login/wecom?returnUrl={back}">Continue with WeCom</a><br>
              <a class="button primary" id="huggingface" href="/login/huggingface?returnUrl={back}">Continue with Hugging Face</a>
            </div>
            <div class="card">
              <form method="post" action="/login/email">
                {Antiforgery(http)}
                <input type="hidden" name="returnUrl" value="{E(Safe(returnUrl))}">
                <label for="email">Or get a code by email</label><br>
                <input id="email" name="email" type="email" required placeholder="you@example.com">
                <button id="send-code" type="submit">Email me a code</button>
              </form>
            </div>
            """);
    }

    private static IResult ChallengeAsync(string scheme, string? returnUrl, SignInManager<AppUser> signIn)
    {
        if (scheme is not ("wecom" or "huggingface"))
        {
            return Results.NotFound();
        }

        var back = Safe(returnUrl);
        var properties = signIn.ConfigureExternalAuthenticationProperties(scheme, "/login/callback?returnUrl=" + Uri.EscapeDataString(back));
        properties.Items["client_id"] = ClientId(back); // ConnectorConfigContext.Properties: the client signed in to
        return Results.Challenge(properties, [scheme]);
    }

    /// <summary>The external login's account: the one it is linked to; else, only when the provider says the email is
    /// verified, the account of that confirmed email; else a new one. The provider key is tenant-qualified
    /// (WeCom's corp, Hugging Face's issuer), so two corps' members with one userid never share an account.</summary>
    private static async Task<IResult> ExternalCallbackAsync(HttpContext http, string? returnUrl, SignInManager<AppUser> signIn, UserManager<AppUser> users)
    {
        var back = Safe(returnUrl);
        var info = await signIn.GetExternalLoginInfoAsync();
        if (info is null)
        {
            return Results.Redirect($"/login?returnUrl={Uri.EscapeDataString(back)}&error=incomplete");
        }

        var email = info.Principal.FindFirst("email")?.Value;
        var verified = info.Principal.FindFirst(ConnectorClaimTypes.EmailVerified)?.Value == "true";
        var user = await users.FindByLoginAsync(info.LoginProvider, info.ProviderKey);
        var linked = user is not null;
        if (user is null && verified && email is not null && await users.FindByEmailAsync(email) is { EmailConfirmed: true } owner)
        {
            user = owner;
        }

        var created = user is null;
        user ??= new AppUser { UserName = "u-" + Guid.NewGuid().ToString("N") };
        user.Name = info.Principal.FindFirst("name")?.Value ?? user.Name;
        user.Picture = info.Principal.FindFirst("picture")?.Value ?? user.Picture;
        if (user.Email is null && verified && email is not null)
        {
            (user.Email, user.EmailConfirmed) = (email, true); // an unverified address is never stored: it could be anyone's
        }

        var identities = user.Identities is null ? new JsonObject() : JsonNode.Parse(user.Identities)!.AsObject();
        identities[info.LoginProvider] = new JsonObject
        {
            ["userId"] = info.Principal.FindFirst(ConnectorClaimTypes.UserId)?.Value,
            ["details"] = info.AuthenticationProperties?.GetProfile() is { } profile ? JsonNode.Parse(profile.GetRawText()) : null,
        };
        user.Identities = identities.ToJsonString();

        var saved = created ? await users.CreateAsync(user) : await users.UpdateAsync(user);
        if (saved.Succeeded && !linked)
        {
            saved = await users.AddLoginAsync(user, info);
        }

        if (!saved.Succeeded || !await signIn.CanSignInAsync(user))
        {
            return Results.Redirect($"/login?returnUrl={Uri.EscapeDataString(back)}&error=refused");
        }

        await http.SignOutAsync(IdentityConstants.ExternalScheme);
        await signIn.SignInAsync(user, isPersistent: false, info.LoginProvider);
        return Results.Redirect(back);
    }

    /// <summary>Sends a code, the same way whether or not an account has the address, then shows the code page
    /// (POST-redirect-GET: a reload or Back sends nothing again).</summary>
    private static async Task<IResult> SendCodeAsync(HttpContext http, EmailCodeSignIn<AppUser> codes, IAntiforgery antiforgery)
    {
        if (!await antiforgery.IsRequestValidAsync(http))
        {
            return Results.BadRequest("This form expired; go back and reload it.");
        }

        var form = await http.Request.ReadFormAsync(http.RequestAborted);
        var (email, back) = (form["email"].ToString().Trim(), Safe(form["returnUrl"]));
        try
        {
            var sent = await codes.SendCodeAsync(email, http.Connection.RemoteIpAddress?.ToString(), http.RequestAborted);
            return ToCodePage(email, back, sent.DeliveryUnknown ? "unknown" : "sent");
        }
        catch (ConnectorException exception) when (exception.Code is ConnectorErrorCode.RateLimitExceeded)
        {
            // The same for every address: cooldown (the code sent moments ago still works), a cap, or locked.
            return ToCodePage(email, back, exception.ProviderErrorCode ?? "cap", wait: (int)Math.Ceiling((exception.RetryAfter ?? TimeSpan.Zero).TotalSeconds));
        }
        catch (ConnectorException exception) when (exception.Code is ConnectorErrorCode.InvalidRequestParameters)
        {
            return ToCodePage(email, back, "invalid");
        }
    }

    private static async Task<IResult> VerifyCodeAsync(HttpContext http, EmailCodeSignIn<AppUser> codes, IAntiforgery antiforgery)
    {
        if (!await antiforgery.IsRequestValidAsync(http))
        {
            return Results.BadRequest("This form expired; go back and reload it.");
        }

        var form = await http.Request.ReadFormAsync(http.RequestAborted);
        var (email, back) = (form["email"].ToString(), Safe(form["returnUrl"]));
        var result = await codes.SignInAsync(email, form["code"].ToString(), cancellationToken: http.RequestAborted);
        return result.Status switch
        {
            EmailCodeSignInStatus.SignedIn => Results.Redirect(back),
            EmailCodeSignInStatus.WrongCode => ToCodePage(email, back, "wrong", left: result.AttemptsLeft),
            EmailCodeSignInStatus.Locked => ToCodePage(email, back, "locked"),
            EmailCodeSignInStatus.Expired or EmailCodeSignInStatus.NoCode => ToCodePage(email, back, "expired"),
            _ => ToCodePage(email, back, "refused"),
        };
    }

    private static IResult ToCodePage(string email, string back, string status, int? left = null, int? wait = null) => Results.Redirect(
        $"/login/email?email={Uri.EscapeDataString(email)}&returnUrl={Uri.EscapeDataString(back)}&status={status}{(left is { } n ? $"&left={n}" : string.Empty)}{(wait is { } w ? $"&wait={w}" : string.Empty)}");

    /// <summary>The code page for a <paramref name="status"/> of the last post: the code form while a code may be
    /// pending (through a refused resend and a reload), the resend button unless locked. The texts are this page's own,
    /// never taken from the URL.</summary>
    private static IResult CodePage(HttpContext http, string email, string returnUrl, string? status, int? left, int? wait)
    {
        var (note, error) = status switch
        {
            "sent" => ($"We sent a code to {email}.", null),
            "unknown" => ("If the address can receive mail, a code is on its way.", null),
            "cooldown" => (null, $"A code was sent to this address moments ago: enter it below, or ask for a new one in {wait ?? 0} s."),
            "cap" or "client-cap" => (null, $"Too many codes were asked for; try again in {wait ?? 0} s."),
            "invalid" => (null, "That is not one email address."),
            "wrong" => (null, $"That code is not right; {left ?? 0} tries left."),
            "locked" => (null, "Too many wrong codes: this address is locked for a while, and a new code does not unlock it."),
            "expired" => (null, "This code expired or was used; send a new one."),
            "refused" => (null, "This account cannot sign in."),
            _ => ((string?)null, (string?)null),
        };
        var (codeForm, resend) = (status is not ("locked" or "expired" or "invalid" or "refused"), status is not ("locked" or "invalid"));
        return Page("Enter your code", $"""
            <h1>Enter your code</h1>
            {(note is null ? string.Empty : $"""<p id="note">{E(note)}</p>""")}
            {(error is null ? string.Empty : $"""<p class="error" id="error">{E(error)}</p>""")}
            <div class="card">
              {(codeForm ? $"""
                <form method="post" action="/login/email/verify">
                  {Antiforgery(http)}
                  <input type="hidden" name="email" value="{E(email)}">
                  <input type="hidden" name="returnUrl" value="{E(Safe(returnUrl))}">
                  <input id="code" name="code" inputmode="numeric" autocomplete="one-time-code" required placeholder="6-digit code">
                  <button id="verify" class="primary" type="submit">Sign in</button>
                </form>
                """ : string.Empty)}
              {(resend ? $"""
                <form method="post" action="/login/email">
                  {Antiforgery(http)}
                  <input type="hidden" name="email" value="{E(email)}">
                  <input type="hidden" name="returnUrl" value="{E(Safe(returnUrl))}">
                  <button id="resend" type="submit">Send a new code</button>
                </form>
                """ : string.Empty)}
            </div>
            <a class="button" href="/login?returnUrl={Uri.EscapeDataString(Safe(returnUrl))}">Other ways to sign in</a>
            """);
    }
}
