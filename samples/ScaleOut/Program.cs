using Connectors.Abstractions;
using Connectors.HuggingFace;
using Connectors.Mailgun;
using Connectors.WeCom;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.DataProtection;
using StackExchange.Redis;

var builder = WebApplication.CreateBuilder(args);

// One Redis for every instance. abortConnect=false: an instance starts while Redis is away and reconnects by itself.
var redis = ConnectionMultiplexer.Connect(builder.Configuration["Redis"] + ",abortConnect=false");
builder.Services.AddSingleton<IConnectionMultiplexer>(redis);

// 1. The Data Protection key ring: the sign-in attempt cookie and the auth cookie are protected with it, so an
//    instance can read what another wrote only when they share it.
builder.Services.AddDataProtection()
    .SetApplicationName("my-identity-server")
    .PersistKeysToStackExchangeRedis(redis, "my-identity-server:data-protection-keys");

builder.Services.AddConnectors()
    .UseRedis(o => o.KeyPrefix = "my-identity-server:") // 2. codes, WeCom's token, callback replays: on that Redis
    .AddWeCom()
    .AddHuggingFace()
    .AddMailgun()
    .AddVerificationCodes(o =>
        // 3. The same code-hashing key on every instance (32 random bytes, base64, from your secret store).
        o.HashKey = Convert.FromBase64String(builder.Configuration["Codes:HashKey"] ?? ""));
// As in the quick start: appsettings.Development.json points the providers at samples/Connectors.SampleHost.
builder.Services.Configure<WeComOptions>(builder.Configuration.GetSection("ConnectorOptions:WeCom"));
builder.Services.Configure<HuggingFaceOptions>(builder.Configuration.GetSection("ConnectorOptions:HuggingFace"));
builder.Services.Configure<MailgunOptions>(builder.Configuration.GetSection("ConnectorOptions:Mailgun"));

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

app.MapGet("/login/{scheme}", (string scheme) =>
    Results.Challenge(new AuthenticationProperties { RedirectUri = "/me" }, [scheme]));
app.MapGet("/me", (HttpContext http) => http.User.Identity?.IsAuthenticated == true
    ? Results.Ok(http.User.Claims.Select(c => new { c.Type, c.Value }))
    : Results.Unauthorized());

// A code sent by one instance verifies on any other, and the limits count every instance's requests. With Redis
// down, both calls fail closed: ConnectorException (General, Provider "Redis"), nothing sent, no guess judged.
app.MapPost("/code/send", async (CodeRequest request, HttpContext http, IConnectorRegistry registry, VerificationCodeService codes) =>
{
    try
    {
        var mailgun = registry.Create<IEmailConnector>("mailgun-email", app.Configuration.GetSection("Connectors:Mailgun"));
        await codes.SendAsync(mailgun, request.Email, UsageType.SignIn, http.Connection.RemoteIpAddress?.ToString());
        return Results.NoContent();
    }
    catch (ConnectorException e)
    {
        return Results.Problem(e.Message, statusCode: e.Code.ToResponseStatusCode());
    }
});
app.MapPost("/code/verify", async (CodeRequest request, VerificationCodeService codes) =>
{
    try
    {
        var check = await codes.VerifyAsync(request.Email, UsageType.SignIn, request.Code ?? string.Empty);
        return Results.Ok(new { result = check.Result.ToString(), check.AttemptsLeft });
    }
    catch (ConnectorException e)
    {
        return Results.Problem(e.Message, statusCode: e.Code.ToResponseStatusCode());
    }
});

app.Run();

internal sealed record CodeRequest(string Email, string? Code);
