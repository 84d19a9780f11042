using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Connectors.Abstractions;
using Connectors.Abstractions.Providers;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.DataProtection;
using static Connectors.SampleHost.Html;

namespace Connectors.SampleHost;

/// <summary>The identity host's own pages: sign-in choices, social redirect and callback, email codes, profile.</summary>
internal static class SignInEndpoints
{
    private const string FlowCookie = ".connectors.flow";
    private const string StateAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

    /// <summary>What the host keeps between the redirect and the callback, in a data-protected cookie.</summary>
    private sealed record Flow(string Provider, string State, Dictionary<string, string> Session);

    public static void Map(WebApplication app)
    {
        app.MapGet("/", Home);
        app.MapGet("/signin/{provider}", StartSocialAsync);
        app.MapGet("/callback/{provider}", SocialCallbackAsync);
        app.MapPost("/email/send", SendCodeAsync).DisableAntiforgery();
        app.MapPost("/email/verify", VerifyCodeAsync).DisableAntiforgery();
        app.MapGet("/signout", async (HttpContext context) =>
        {
            await context.SignOutAsync(CookieAuthenticationDefaults.AuthenticationScheme);
            return Results.Redirect("/");
        });
    }

    private static IResult Home(HttpContext context, SampleSettings settings)
    {
        var user = context.User;
        if (user.Identity?.IsAuthenticated == true)
        {
            var avatar = user.FindFirstValue("avatar");
            return Page("Signed in", $"""
                <h1>Signed in</h1>
                <div class="card" id="profile">
                  {(string.IsNullOrEmpty(avatar) ? string.Empty : $"""<img class="avatar" id="avatar" src="{E(avatar)}" alt="avatar">""")}
                  <dl>
                    <dt>Connector</dt><dd id="connector">{E(user.FindFirstValue("connector"))}</dd>
                    <dt>User id</dt><dd id="user-id">{E(user.FindFirstValue(ClaimTypes.NameIdentifier))}</dd>
                    <dt>Name</dt><dd id="user-name">{E(user.FindFirstValue(ClaimTypes.Name))}</dd>
                    <dt>Email</dt><dd id="user-email">{E(user.FindFirstValue(ClaimTypes.Email))}</dd>
                  </dl>
                </div>
                <a class="button" id="signout" href="/signout">Sign out</a>
                """);
        }

        return Page("Sign in", $"""
            <h1>Sign in to the Connectors sample</h1>
            <div class="card">
              <a class="button primary" id="wecom" href="/signin/wecom">Continue with WeCom</a><br>
              <a class="button primary" id="huggingface" href="/signin/huggingface">Continue with Hugging Face</a>
            </div>
            <div class="card">
              <form method="post" action="/email/send">
                {Antiforgery(context)}
                <label for="email">Email me a code</label><br>
                <input id="email" name="email" type="email" required placeholder="you@example.com">
                <button id="send-code" type="submit">Email me a code</button>
              </form>
            </div>
            {(settings.Simulated ? """<p class="note">Providers are simulated on this host. Sent mail appears in the <a id="inbox" href="/sim/mailgun/inbox" target="_blank">simulated inbox</a>.</p>""" : string.Empty)}
            """);
    }

    private static async Task<IResult> StartSocialAsync(string provider, HttpContext context, SampleConnectors connectors, IDataProtectionProvider protection)
    {
        if (!TryGetConnector(provider, connectors, out var connector, out var failure))
        {
            return failure;
        }

        var state = RandomNumberGenerator.GetString(StateAlphabet, 32);
        var callback = new Uri($"{context.Request.Scheme}://{context.Request.Host}/callback/{provider}");
        AuthorizationRedirect redirect;
        try
        {
            redirect = await connector.GetAuthorizationUriAsync(
                new AuthorizationRequest(state, callback) { UserAgent = context.Request.Headers.UserAgent.ToString() },
                context.RequestAborted);
        }
        catch (ConnectorException exception)
        {
            return ErrorPage(provider, exception);
        }

        var flow = JsonSerializer.Serialize(new Flow(provider, state, redirect.Session.ToDictionary()));
        context.Response.Cookies.Append(FlowCookie, Protector(protection).Protect(flow), new CookieOptions
        {
            HttpOnly = true,
            SameSite = SameSiteMode.Lax, // the provider's redirect back is a top-level GET from another site
            Secure = context.Request.IsHttps,
            MaxAge = TimeSpan.FromMinutes(10),
            Path = "/callback",
        });
        return Results.Redirect(redirect.Uri.AbsoluteUri);
    }

    private static async Task<IResult> SocialCallbackAsync(string provider, HttpContext context, SampleConnectors connectors, IDataProtectionProvider protection)
    {
        if (!TryGetConnector(provider, connectors, out var connector, out var failure))
        {
            return failure;
        }

        Flow? flow = null;
        if (context.Request.Cookies.TryGetValue(FlowCookie, out var protectedFlow))
        {
            try
            {
                flow = JsonSerializer.Deserialize<Flow>(Protector(protection).Unprotect(protectedFlow));
            }
            catch (CryptographicException)
            {
                flow = null;
            }
        }

        context.Response.Cookies.Delete(FlowCookie, new CookieOptions { Path = "/callback" });
        var state = context.Request.Query["state"].ToString();
        if (flow is null || flow.Provider != provider
            || !CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(flow.State), Encoding.UTF8.GetBytes(state)))
        {
            return Page("Sign-in refused", """
                <h1>Sign-in refused</h1>
                <p class="error" id="error">The sign-in state does not match this browser's sign-in attempt. Start again.</p>
                <a class="button" href="/">Back to sign-in</a>
                """, 400);
        }

        try
        {
            var user = await connector.GetUserInfoAsync(SocialCallback.FromQueryString(context.Request.QueryString.Value, flow.Session), context.RequestAborted);
            await SignInAsync(context, provider, user.Id, user.Name, user.Email, user.AvatarUrl);
            return Results.Redirect("/");
        }
        catch (ConnectorException exception)
        {
            return ErrorPage(provider, exception);
        }
    }

    private static async Task<IResult> SendCodeAsync(HttpContext context, SampleConnectors connectors, EmailCodes codes, IAntiforgery antiforgery)
    {
        await antiforgery.ValidateRequestAsync(context);
        var form = await context.Request.ReadFormAsync(context.RequestAborted);
        var address = form["email"].ToString().Trim();
        if (!EmailAddress.IsValid(address))
        {
            return Page("Sign in", """<h1>Email me a code</h1><p class="error" id="error">Enter one valid email address.</p><a class="button" href="/">Back</a>""", 400);
        }

        var code = codes.Issue(address);
        var type = codes.IsKnown(address) ? UsageType.SignIn : UsageType.Register;
        try
        {
            await connectors.Email.SendAsync(new EmailMessage(address, type, new EmailPayload { Code = code, Locale = "en" }), context.RequestAborted);
        }
        catch (ConnectorException exception)
        {
            return ErrorPage("email", exception);
        }

        return CodeForm(context, address, $"We sent a 6-digit code to {address}. It expires in 10 minutes.", null);
    }

    private static async Task<IResult> VerifyCodeAsync(HttpContext context, EmailCodes codes, IAntiforgery antiforgery)
    {
        await antiforgery.ValidateRequestAsync(context);
        var form = await context.Request.ReadFormAsync(context.RequestAborted);
        var address = form["email"].ToString();
        var (result, left) = codes.Verify(address, form["code"].ToString());
        switch (result)
        {
            case CodeCheck.Valid:
                await SignInAsync(context, "email", "email:" + address.ToLowerInvariant(), address, address, null);
                return Results.Redirect("/");
            case CodeCheck.Wrong:
                return CodeForm(context, address, null, $"That code is not right. {left} attempt{(left == 1 ? string.Empty : "s")} left.", 400);
            case CodeCheck.Locked:
                return CodeForm(context, address, null, "Too many wrong attempts: this code is locked. Request a new code.", 400);
            default:
                return CodeForm(context, address, null, "This code has expired or was already used. Request a new code.", 400);
        }
    }

    private static IResult CodeForm(HttpContext context, string address, string? note, string? error, int status = 200) => Page("Enter your code", $"""
        <h1>Enter your code</h1>
        {(note is null ? string.Empty : $"""<p id="note">{E(note)}</p>""")}
        {(error is null ? string.Empty : $"""<p class="error" id="error">{E(error)}</p>""")}
        <div class="card">
          <form method="post" action="/email/verify">
            {Antiforgery(context)}
            <input type="hidden" name="email" value="{E(address)}">
            <input id="code" name="code" inputmode="numeric" autocomplete="one-time-code" pattern="[0-9]{"{6}"}" required placeholder="6-digit code">
            <button id="verify" class="primary" type="submit">Sign in</button>
          </form>
        </div>
        <a class="button" href="/">Request a new code</a>
        """, status);

    private static Task SignInAsync(HttpContext context, string provider, string id, string? name, string? email, string? avatar)
    {
        var claims = new List<Claim>
        {
            new(ClaimTypes.NameIdentifier, id),
            new(ClaimTypes.Name, name ?? id),
            new("connector", SampleConnectors.DisplayName(provider)),
        };
        if (email is not null)
        {
            claims.Add(new Claim(ClaimTypes.Email, email));
        }

        if (avatar is not null)
        {
            claims.Add(new Claim("avatar", avatar));
        }

        return context.SignInAsync(CookieAuthenticationDefaults.AuthenticationScheme, new ClaimsPrincipal(new ClaimsIdentity(claims, CookieAuthenticationDefaults.AuthenticationScheme)));
    }

    private static bool TryGetConnector(string provider, SampleConnectors connectors, out ISocialConnector connector, out IResult failure)
    {
        try
        {
            connector = connectors.Social(provider)!;
            failure = Results.NotFound();
            return connector is not null;
        }
        catch (ConnectorException exception)
        {
            connector = null!;
            failure = ErrorPage(provider, exception);
            return false;
        }
    }

    private static IResult ErrorPage(string provider, ConnectorException exception) => Page("Sign-in failed", $"""
        <h1>{E(SampleConnectors.DisplayName(provider))} sign-in failed</h1>
        <p class="error" id="error">{E(exception.Message)}</p>
        <p class="note">Code: {E(exception.WireCode)}</p>
        <a class="button" href="/">Back to sign-in</a>
        """, exception.Code.ToHttpStatusCode());

    private static IDataProtector Protector(IDataProtectionProvider protection) => protection.CreateProtector("Connectors.SampleHost.Flow");
}
