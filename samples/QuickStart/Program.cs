using Connectors.Abstractions;
using Connectors.HuggingFace;
using Connectors.Mailgun;
using Connectors.WeCom;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.Extensions.Options;

var builder = WebApplication.CreateBuilder(args);
builder.Logging.AddFilter("Microsoft.Extensions.Hosting.Internal.Host", LogLevel.None); // start failures: see the end

builder.Services.AddConnectors()   // options of each Add* are checked when the host starts
    .AddWeCom()
    .AddHuggingFace()
    .AddMailgun()
    .AddVerificationCodes();       // email codes: RNG, stored hashed, expiry, attempt lock, cooldown, send caps
// The providers' real addresses unless configured: appsettings.Development.json points them at the simulated
// providers of samples/Connectors.SampleHost.
builder.Services.Configure<WeComOptions>(builder.Configuration.GetSection("ConnectorOptions:WeCom"));
builder.Services.Configure<HuggingFaceOptions>(builder.Configuration.GetSection("ConnectorOptions:HuggingFace"));
builder.Services.Configure<MailgunOptions>(builder.Configuration.GetSection("ConnectorOptions:Mailgun"));

builder.Services.AddAuthentication(CookieAuthenticationDefaults.AuthenticationScheme)
    .AddCookie()
    .AddConnector("wecom", "WeCom", o =>
    {
        o.ConnectorId = "wecom-universal";
        o.Configuration = builder.Configuration.GetSection("Connectors:WeCom"); // checked, with the config, at start
        o.Events.OnRemoteFailure = SignInFailed;
    })
    .AddConnector("huggingface", "Hugging Face", o =>
    {
        o.ConnectorId = "huggingface-universal";
        o.Configuration = builder.Configuration.GetSection("Connectors:HuggingFace");
        o.Events.OnRemoteFailure = SignInFailed;
    });

var app = builder.Build();
app.UseAuthentication();

app.MapGet("/", () => Results.Content("""
    <p><a href="/login/wecom">Sign in with WeCom</a> | <a href="/login/huggingface">Sign in with Hugging Face</a> | <a href="/me">Who am I</a></p>
    <p>Email codes: POST /code/send {"email": "..."}, then POST /code/verify {"email": "...", "code": "..."}.</p>
    """, "text/html"));

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
        // 400 for an address that cannot be sent to, 429 for a limit, 503 when Mailgun fails or is unreachable.
        return Results.Problem(e.Message, statusCode: e.Code.ToResponseStatusCode());
    }
});
app.MapPost("/code/verify", async (CodeRequest request, VerificationCodeService codes) =>
{
    var check = await codes.VerifyAsync(request.Email, UsageType.SignIn, request.Code ?? string.Empty);
    // Verified: sign the user in. Wrong (check.AttemptsLeft), Expired, Locked, NonePending: say so.
    return Results.Ok(new { result = check.Result.ToString(), check.AttemptsLeft });
});

// A host that cannot start says why in a line per problem, not in a stack trace.
try
{
    app.Run();
}
catch (IOException e) when (e.InnerException is Microsoft.AspNetCore.Connections.AddressInUseException)
{
    Console.Error.WriteLine($"{e.Message} Start it on another address: dotnet run --urls http://127.0.0.1:5001");
    Environment.ExitCode = 1;
}
catch (Exception e) when (e is OptionsValidationException || e is AggregateException { InnerExceptions: [OptionsValidationException, ..] })
{
    // A config refused at start: a placeholder, a misspelled field or section. Each message names it, never a secret.
    foreach (var problem in e is AggregateException all ? all.InnerExceptions : [e])
    {
        Console.Error.WriteLine(problem.Message);
    }

    Environment.ExitCode = 1;
}

// A sign-in that failed or was declined: say why (the message holds no secret) instead of an unhandled 500.
static Task SignInFailed(RemoteFailureContext context)
{
    context.Response.StatusCode = context.Failure is ConnectorException e ? e.Code.ToResponseStatusCode() : 400;
    context.HandleResponse();
    return context.Response.WriteAsync($"Sign-in failed: {context.Failure?.Message} Start again at /.");
}

internal sealed record CodeRequest(string Email, string? Code);
