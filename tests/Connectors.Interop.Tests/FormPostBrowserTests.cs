using System.Security.Claims;
using Connectors.AspNetCore;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Playwright;

namespace Connectors.Interop.Tests;

/// <summary>
/// The authentication scheme in a real browser against the real provider, for what only a browser decides: the
/// provider's <c>form_post</c> answer is a POST from another site (the provider is <c>localhost</c>, the app
/// <c>127.0.0.1</c>), which carries the attempt cookie only if it is <c>SameSite=None; Secure</c>.
/// </summary>
public sealed class FormPostBrowserTests : IAsyncLifetime
{
    private const string ChromiumPath = "/usr/bin/chromium";
    private static readonly OidcClient Client = new("client-browser", "browser-secret-S3CR3T-0123456789abcdef0123456", "client_secret_basic", "http://127.0.0.1/signin-oidc")
    {
        ApplicationType = "native",
    };

    private readonly FakeLoggerProvider _logs = new();
    private OidcProviderServer _op = null!;
    private WebApplication _app = null!;
    private IPlaywright _playwright = null!;
    private IBrowser _browser = null!;
    private Uri _appUri = null!;

    public async Task InitializeAsync()
    {
        if (!File.Exists(ChromiumPath))
        {
            throw new InvalidOperationException($"{ChromiumPath} is missing: the test build installs it with tests/apt-install.sh (apt-get install chromium).");
        }

        _op = await OidcProviderServer.StartAsync([Client]);
        var builder = WebApplication.CreateBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders().SetMinimumLevel(LogLevel.Debug).AddProvider(_logs);
        builder.Services.AddConnectors().AddOidc(o =>
        {
            o.AllowedHttpOrigins.Add(_op.Issuer);
            ConnectorHost.Generous(o.Http);
        });
        builder.Services.AddAuthentication(CookieAuthenticationDefaults.AuthenticationScheme)
            .AddCookie()
            .AddConnector("oidc", "OpenID Connect", o =>
            {
                o.ConnectorId = "oidc";
                o.Config = ConnectorHost.Json($$"""
                    { "issuer": "{{_op.IssuerText}}", "clientId": "{{Client.Id}}", "clientSecret": "{{Client.Secret}}", "tokenEndpointAuthMethod": "client_secret_basic",
                      "scope": "openid profile email", "authRequestOptionalConfig": { "responseMode": "form_post" } }
                    """);
                o.Events.OnRemoteFailure = async context =>
                {
                    context.Response.StatusCode = 400;
                    await context.Response.WriteAsync("failure: " + context.Failure?.Message);
                    context.HandleResponse();
                };
            });
        _app = builder.Build();
        _app.UseAuthentication();
        _app.MapGet("/login", () => Results.Challenge(new AuthenticationProperties { RedirectUri = "/me" }, ["oidc"]));
        _app.MapGet("/me", (HttpContext context) => context.User.Identity?.IsAuthenticated == true
            ? Results.Text($"signed in as {context.User.FindFirstValue(ClaimTypes.Name)} <{context.User.FindFirstValue(ClaimTypes.Email)}>")
            : Results.Unauthorized());
        await _app.StartAsync();
        _appUri = new Uri(_app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single());

        _playwright = await Playwright.CreateAsync();
        _browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = ChromiumPath,
            Headless = true,
            Args = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"],
        });
    }

    public async Task DisposeAsync()
    {
        await _browser.CloseAsync();
        _playwright.Dispose();
        await _app.StopAsync();
        await _app.DisposeAsync();
        await _op.DisposeAsync();
    }

    [Fact]
    public async Task A_form_post_sign_in_completes_in_Chromium()
    {
        await using var context = await _browser.NewContextAsync();
        var page = await context.NewPageAsync();
        var posted = new List<string>();
        page.Request += (_, request) =>
        {
            if (request.Method == "POST" && request.Url.Contains("/signin-oidc", StringComparison.Ordinal))
            {
                posted.Add(request.Url);
            }
        };

        await page.GotoAsync(new Uri(_appUri, "/login").AbsoluteUri);
        // The provider's form posts itself to the callback, which signs in and goes on to /me, or answers the failure.
        await page.WaitForFunctionAsync("() => /signed in as|failure:/.test(document.body?.innerText ?? '')", null, new PageWaitForFunctionOptions { Timeout = 60_000 });

        (await page.InnerTextAsync("body")).Should().Be("signed in as Alice Example <alice@example.com>");
        page.Url.Should().Be(new Uri(_appUri, "/me").AbsoluteUri);
        posted.Should().ContainSingle("the provider answered with form_post");
        new Uri(posted[0]).Host.Should().Be("127.0.0.1", "the callback is on another site than the provider (localhost)");
    }
}
