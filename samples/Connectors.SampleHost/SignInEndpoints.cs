using System.Security.Claims;
using Connectors.Abstractions;
using Connectors.Abstractions.Providers;
using Connectors.AspNetCore;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using static Connectors.Simulators.Html;

namespace Connectors.SampleHost;

/// <summary>The identity host's own pages: sign-in choices, email codes, profile. Social sign-in is the
/// <c>wecom</c> and <c>huggingface</c> connector schemes (state, correlation and session are theirs); codes are
/// <see cref="VerificationCodeService"/>'s.</summary>
internal static class SignInEndpoints
{
    private const string ConnectorClaim = "connector";
    private const string EmailConnector = "Email code (Mailgun)";

    public static void Map(WebApplication app)
    {
        app.MapGet("/", Home);
        app.MapGet("/signin/{scheme}", ChallengeAsync);
        app.MapPost("/email/send", SendCodeAsync).DisableAntiforgery();
        app.MapGet("/email/code", CodeForm);
        app.MapPost("/email/verify", VerifyCodeAsync).DisableAntiforgery();
        app.MapPost("/signout", async (HttpContext context, IAntiforgery antiforgery) =>
        {
            if (!await antiforgery.IsRequestValidAsync(context))
            {
                return AntiforgeryRefused();
            }

            await context.SignOutAsync(CookieAuthenticationDefaults.AuthenticationScheme);
            return Results.Redirect("/");
        }).DisableAntiforgery();
    }

    /// <summary>A connector scheme of this host: its config section, a <c>/callback/{scheme}</c> callback, the scheme's
    /// display name as a claim, and pages for a denial or a failure.</summary>
    public static void Configure(ConnectorAuthenticationOptions options, string scheme, string connectorId, IConfigurationSection config)
    {
        options.ConnectorId = connectorId;
        options.Configuration = config;
        options.CallbackPath = "/callback/" + scheme;
        options.Events.OnCreatingTicket = context =>
        {
            context.Identity!.AddClaim(new Claim(ConnectorClaim, context.Scheme.DisplayName ?? context.Scheme.Name));
            return Task.CompletedTask;
        };
        options.Events.OnAccessDenied = async context =>
        {
            var query = context.Request.Query;
            var reason = query.ContainsKey("error") ? $" ({query["error"]}: {query["error_description"]})" : string.Empty;
            context.HandleResponse();
            await FailurePage(context.Scheme, $"The sign-in was declined at {context.Scheme.DisplayName}{reason}.", null, StatusCodes.Status403Forbidden).ExecuteAsync(context.HttpContext);
        };
        options.Events.OnRemoteFailure = async context =>
        {
            context.HandleResponse();
            var page = context.Failure switch
            {
                ConnectorException exception => FailurePage(context.Scheme, exception.Message, exception.WireCode, exception.Code.ToResponseStatusCode()),
                // The scheme's own refusals (state, attempt cookie, replay, expiry): their messages hold no secret.
                // A replayed or stale callback (e.g. Back after signing in) leaves an earlier sign-in as it was.
                AuthenticationFailureException refusal when (await context.HttpContext.AuthenticateAsync(CookieAuthenticationDefaults.AuthenticationScheme)).Principal is { } user => Page("Still signed in", $"""
                    <h1>You are still signed in</h1>
                    <p>As {E(user.FindFirstValue(ClaimTypes.Name))} with {E(user.FindFirstValue(ConnectorClaim))}. This new sign-in attempt was refused:</p>
                    <p class="error" id="error">{E(refusal.Message)}</p>
                    <a class="button primary" id="continue" href="/">Continue</a>
                    """, StatusCodes.Status400BadRequest),
                AuthenticationFailureException refusal => Page("Sign-in refused", $"""
                    <h1>Sign-in refused</h1>
                    <p class="error" id="error">{E(refusal.Message)}</p>
                    <a class="button" href="/">Back to sign-in</a>
                    """, StatusCodes.Status400BadRequest),
                _ => FailurePage(context.Scheme, "The sign-in failed unexpectedly. Start again.", null, StatusCodes.Status500InternalServerError),
            };
            await page.ExecuteAsync(context.HttpContext);
        };
    }

    private static IResult Home(HttpContext context, SampleSettings settings)
    {
        var user = context.User;
        if (user.Identity?.IsAuthenticated == true)
        {
            var avatar = user.FindFirstValue(ConnectorClaimTypes.Avatar);
            return Page("Signed in", $"""
                <h1>Signed in</h1>
                <div class="card" id="profile">
                  {(string.IsNullOrEmpty(avatar) ? string.Empty : $"""<img class="avatar" id="avatar" src="{E(avatar)}" alt="avatar">""")}
                  <dl>
                    <dt>Connector</dt><dd id="connector">{E(user.FindFirstValue(ConnectorClaim))}</dd>
                    <dt>User id</dt><dd id="user-id">{E(user.FindFirstValue(ConnectorClaimTypes.UserId) ?? user.FindFirstValue(ClaimTypes.NameIdentifier))}</dd>
                    <dt>Name</dt><dd id="user-name">{E(user.FindFirstValue(ClaimTypes.Name))}</dd>
                    <dt>Email</dt><dd id="user-email">{E(user.FindFirstValue(ClaimTypes.Email))}</dd>
                  </dl>
                  {(user.FindFirstValue(ClaimTypes.Email) is { Length: > 0 } ? string.Empty : $"""<p class="note" id="email-note">{E(NoEmail(user.FindFirstValue(ConnectorClaimTypes.Connector)))}</p>""")}
                </div>
                <form method="post" action="/signout">
                  {Antiforgery(context)}
                  <button id="signout" type="submit">Sign out</button>
                </form>
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
            {(settings.Simulated ? $"""<p class="note">Providers are simulated{(settings.Providers == settings.Self ? " on this host" : string.Empty)}. Sent mail appears in the <a id="inbox" href="{new Uri(settings.Providers, "sim/mailgun/inbox")}" target="_blank">simulated inbox</a>.</p>""" : string.Empty)}
            """);
    }

    private static string NoEmail(string? connectorId) => connectorId == WeCom.WeComConnectorFactory.ConnectorId
        ? "No email: WeCom's browser login gives the member's id and name only. An email comes only from a sign-in inside the WeCom app with the snsapi_privateinfo scope, when the app's admin selected the field and the member consented."
        : "No email: the provider gave none for this account.";

    private static async Task<IResult> ChallengeAsync(string scheme, HttpContext context, IAuthenticationSchemeProvider schemes)
    {
        if (scheme is not ("wecom" or "huggingface") || await schemes.GetSchemeAsync(scheme) is not { } found)
        {
            return Results.NotFound();
        }

        try
        {
            await context.ChallengeAsync(scheme, new AuthenticationProperties { RedirectUri = "/" });
            return Results.Empty;
        }
        catch (ConnectorException exception)
        {
            // The connector refused to start (e.g. an invalid config): its message names the field, never a secret.
            return FailurePage(found, exception.Message, exception.WireCode, exception.Code.ToResponseStatusCode());
        }
    }

    private static async Task<IResult> SendCodeAsync(HttpContext context, SampleMail mail, SampleUsers users, VerificationCodeService codes, IAntiforgery antiforgery, CodePages pages, TimeProvider time)
    {
        if (!await antiforgery.IsRequestValidAsync(context))
        {
            return AntiforgeryRefused();
        }

        var form = await context.Request.ReadFormAsync(context.RequestAborted);
        var address = form["email"].ToString().Trim();
        if (!EmailAddress.IsValid(address))
        {
            return Page("Sign in", """<h1>Email me a code</h1><p class="error" id="error">Enter one valid email address.</p><a class="button" href="/">Back</a>""", 400);
        }

        // Post, redirect, get: the code page is a GET, so a refresh or Back never sends the form again.
        var earlier = pages.Read(context) is { } page && page.Address == address ? page : null;
        CodePage next;
        try
        {
            var sent = await codes.SendAsync(mail.Connector, address, users.UsageFor(address), context.Connection.RemoteIpAddress?.ToString(), new EmailPayload { Locale = "en" }, context.RequestAborted);
            next = new CodePage(address, sent.DeliveryUnknown
                ? $"A code was probably sent to {address}, but Mailgun's answer was lost. Check the inbox; it expires in 10 minutes."
                : $"We sent a 6-digit code to {address}. It expires in 10 minutes.", null, CodePending: true, Locked: false, time.GetUtcNow() + pages.Cooldown);
        }
        catch (ConnectorException exception) when (exception.Code == ConnectorErrorCode.RateLimitExceeded)
        {
            // Cooldown or cap: a code sent earlier still works, so the form stays. A lock ends this address's codes.
            var locked = exception.ProviderErrorCode == "locked";
            next = new CodePage(address, earlier?.Note ?? $"Enter the code we sent to {address} earlier.", exception.Message, CodePending: !locked, locked, time.GetUtcNow() + (exception.RetryAfter ?? TimeSpan.Zero));
        }
        catch (ConnectorException exception)
        {
            next = new CodePage(address, earlier?.Note, $"No code sent: {exception.Message} ({exception.WireCode})", CodePending: earlier?.CodePending == true, Locked: false, null);
        }

        pages.Write(context, next);
        return Results.Redirect("/email/code");
    }

    private static async Task<IResult> VerifyCodeAsync(HttpContext context, SampleUsers users, VerificationCodeService codes, IAntiforgery antiforgery, CodePages pages)
    {
        if (!await antiforgery.IsRequestValidAsync(context))
        {
            return AntiforgeryRefused();
        }

        var form = await context.Request.ReadFormAsync(context.RequestAborted);
        if (pages.Read(context) is not { } page)
        {
            return Results.Redirect("/");
        }

        var address = page.Address;
        var check = await codes.VerifyAsync(address, users.UsageFor(address), form["code"].ToString(), context.RequestAborted);
        switch (check.Result)
        {
            case VerificationResult.Verified:
                users.Add(address);
                pages.Clear(context);
                await context.SignInAsync(CookieAuthenticationDefaults.AuthenticationScheme, new ClaimsPrincipal(new ClaimsIdentity(
                    [
                        new Claim(ClaimTypes.NameIdentifier, "email:" + address.ToLowerInvariant()),
                        new Claim(ClaimTypes.Name, address),
                        new Claim(ClaimTypes.Email, address),
                        new Claim(ConnectorClaim, EmailConnector),
                    ],
                    CookieAuthenticationDefaults.AuthenticationScheme)));
                return Results.Redirect("/");
            case VerificationResult.Wrong:
                page = page with { Error = $"That code is not right. {check.AttemptsLeft} attempt{(check.AttemptsLeft == 1 ? string.Empty : "s")} left." };
                break;
            case VerificationResult.Locked:
                page = page with { Error = "Too many wrong attempts: codes for this address are locked for 10 minutes, and a new code does not unlock them.", CodePending = false, Locked = true };
                break;
            default:
                page = page with { Error = "This code has expired or was already used. Request a new code.", CodePending = false };
                break;
        }

        pages.Write(context, page);
        return Results.Redirect("/email/code");
    }

    /// <summary>The code page: the form while a code may be pending (through a refused resend and a refresh), the
    /// resend button with the time left before it works, neither once the address is locked.</summary>
    private static IResult CodeForm(HttpContext context, CodePages pages, SampleSettings settings, TimeProvider time)
    {
        if (pages.Read(context) is not { } page)
        {
            return Results.Redirect("/");
        }

        var wait = page.ResendAt is { } at ? Math.Ceiling((at - time.GetUtcNow()).TotalSeconds) : 0;
        return Page("Enter your code", $"""
            <h1>{(page.Locked ? "Codes locked" : "Enter your code")}</h1>
            {(page.Note is null ? string.Empty : $"""<p id="note">{E(page.Note)}</p>""")}
            {(page.Error is null ? string.Empty : $"""<p class="error" id="error">{E(page.Error)}</p>""")}
            {(page.CodePending ? $"""
                <div class="card">
                  <form method="post" action="/email/verify">
                    {Antiforgery(context)}
                    <input id="code" name="code" inputmode="numeric" autocomplete="one-time-code" pattern="[0-9]{"{6}"}" required placeholder="6-digit code">
                    <button id="verify" class="primary" type="submit">Sign in</button>
                  </form>
                </div>
                """ : string.Empty)}
            {(page.Locked ? string.Empty : $"""
                <form method="post" action="/email/send">
                  {Antiforgery(context)}
                  <input type="hidden" name="email" value="{E(page.Address)}">
                  <button id="resend" type="submit">Send a new code</button>
                  {(wait > 0 ? $"""<span class="note" id="cooldown">A new code can be sent in {wait} s.</span>""" : string.Empty)}
                </form>
                """)}
            {(settings.Simulated ? $"""<p class="note">Sent mail appears in the <a id="inbox" href="{new Uri(settings.Providers, "sim/mailgun/inbox")}" target="_blank">simulated inbox</a>.</p>""" : string.Empty)}
            <a class="button" href="/">Back to sign-in</a>
            """);
    }

    private static IResult FailurePage(AuthenticationScheme scheme, string message, string? code, int status) => Page("Sign-in failed", $"""
        <h1>{E(scheme.DisplayName ?? scheme.Name)} sign-in failed</h1>
        <p class="error" id="error">{E(message)}</p>
        {(code is null ? string.Empty : $"""<p class="note">Code: {E(code)}</p>""")}
        <a class="button" href="/">Back to sign-in</a>
        """, status);

    private static IResult AntiforgeryRefused() => Page("Request refused", """
        <h1>Request refused</h1>
        <p class="error" id="error">This form expired or did not come from this site. Go back, reload the page and try again.</p>
        <a class="button" href="/">Back to sign-in</a>
        """, StatusCodes.Status400BadRequest);
}
