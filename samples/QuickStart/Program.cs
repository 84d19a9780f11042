using Connectors.Abstractions;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;

var builder = WebApplication.CreateBuilder(args);

builder.Services.AddConnectors()   // options of each Add* are checked when the host starts
    .AddWeCom()
    .AddHuggingFace()
    .AddMailgun()
    .AddVerificationCodes();       // email codes: RNG, stored hashed, expiry, attempt lock, cooldown, send caps

builder.Services.AddAuthentication(CookieAuthenticationDefaults.AuthenticationScheme)
    .AddCookie()
    .AddConnector("wecom", "WeCom", o =>
    {
        o.ConnectorId = "wecom-universal";
        o.Configuration = builder.Configuration.GetSection("Connectors:WeCom");
    })
    .AddConnector("huggingface", "Hugging Face", o =>
    {
        o.ConnectorId = "huggingface-universal";
        o.Configuration = builder.Configuration.GetSection("Connectors:HuggingFace");
    });

var app = builder.Build();
app.UseAuthentication();

// Social sign-in: challenge a scheme. State, PKCE, nonce, the callback (/signin-wecom, /signin-huggingface) and the
// connector session are the scheme's.
app.MapGet("/login/{scheme}", (string scheme) =>
    Results.Challenge(new AuthenticationProperties { RedirectUri = "/me" }, [scheme]));
app.MapGet("/me", (HttpContext http) => http.User.Identity?.IsAuthenticated == true
    ? Results.Ok(http.User.Claims.Select(c => new { c.Type, c.Value }))
    : Results.Unauthorized());

// Email codes through Mailgun (JSON bodies: {"email": "..."} and {"email": "...", "code": "..."}).
app.MapPost("/code/send", async (CodeRequest request, HttpContext http, IConnectorRegistry registry, VerificationCodeService codes) =>
{
    try
    {
        var mailgun = registry.Create<IEmailConnector>("mailgun-email", app.Configuration.GetSection("Connectors:Mailgun"));
        await codes.SendAsync(mailgun, request.Email, UsageType.SignIn, http.Connection.RemoteIpAddress?.ToString());
        return Results.NoContent();
    }
    catch (ConnectorException e) // e.g. RateLimitExceeded with RetryAfter; its message holds no secret
    {
        return Results.Problem(e.Message, statusCode: e.Code.ToHttpStatusCode());
    }
});
app.MapPost("/code/verify", async (CodeRequest request, VerificationCodeService codes) =>
{
    var check = await codes.VerifyAsync(request.Email, UsageType.SignIn, request.Code ?? string.Empty);
    // Verified: sign the user in. Wrong (check.AttemptsLeft), Expired, Locked, NonePending: say so.
    return Results.Ok(new { result = check.Result.ToString(), check.AttemptsLeft });
});

app.Run();

internal sealed record CodeRequest(string Email, string? Code);
