using System.Net;
using System.Security.Claims;
using System.Text.Json;
using Connectors.HuggingFace;
using Connectors.WeCom;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.Logging;

namespace Connectors.AspNetCore.Tests;

/// <summary>
/// An identity host on ASP.NET Core's TestServer with a <c>wecom</c> and a <c>huggingface</c> connector scheme whose
/// providers are WireMock. <c>/login/{scheme}</c> challenges, <c>/me</c> shows the signed-in user, <c>/denied</c> is
/// the access-denied page, and a remote failure answers 400 with its message.
/// </summary>
public sealed class TestApp : IAsyncDisposable
{
    public const string WeComConfig = """{ "corpId": "ww-corp-1", "agentId": "1000002", "secret": "wecom-secret-S3CR3T" }""";
    // Without openid: the scheme tests need no ID token (the Hugging Face tests check those).
    public const string HuggingFaceConfig = """{ "clientId": "hf-client-1", "clientSecret": "hf-secret-S3CR3T", "scope": "profile email" }""";

    private readonly WebApplication _app;

    private TestApp(WebApplication app, ManualTimeProvider time)
    {
        _app = app;
        Time = time;
    }

    /// <summary>The host's clock: connectors, attempt expiry and cookies.</summary>
    public ManualTimeProvider Time { get; }

    public IServiceProvider Services => _app.Services;

    public static async Task<TestApp> StartAsync(Uri wireMock, FakeLoggerProvider logs, Action<WebApplicationBuilder>? services = null, Action<WebApplication>? endpoints = null, Action<ConnectorAuthenticationOptions>? wecom = null, Action<ConnectorAuthenticationOptions>? huggingface = null)
    {
        var builder = WebApplication.CreateBuilder();
        builder.WebHost.UseTestServer();
        builder.Logging.ClearProviders().SetMinimumLevel(LogLevel.Trace).AddProvider(logs);
        var time = new ManualTimeProvider(DateTimeOffset.UtcNow);
        builder.Services.AddSingleton<TimeProvider>(time);
        builder.Services.AddConnectors()
            .AddWeCom(o =>
            {
                o.ApiBaseAddress = wireMock;
                o.Http.RetryBaseDelay = TimeSpan.Zero;
            })
            .AddHuggingFace(o =>
            {
                o.BaseAddress = wireMock;
                o.Http.RetryBaseDelay = TimeSpan.Zero;
            })
            .AddMailgun(o =>
            {
                o.AllowedEndpoints.Add(wireMock);
                o.Http.RetryBaseDelay = TimeSpan.Zero;
            });
        var authentication = builder.Services.AddAuthentication(CookieAuthenticationDefaults.AuthenticationScheme).AddCookie();
        static void Common(ConnectorAuthenticationOptions o)
        {
            o.AccessDeniedPath = "/denied";
            o.Events.OnRemoteFailure = async context =>
            {
                context.Response.StatusCode = 400;
                await context.Response.WriteAsync("failure: " + context.Failure?.Message);
                context.HandleResponse();
            };
        }

        authentication.AddConnector("wecom", "WeCom", o =>
        {
            o.ConnectorId = WeComConnectorFactory.ConnectorId;
            o.Config = ConnectorHost.Json(WeComConfig);
            Common(o);
            wecom?.Invoke(o);
        });
        authentication.AddConnector("huggingface", "Hugging Face", o =>
        {
            o.ConnectorId = HuggingFaceConnectorFactory.ConnectorId;
            o.Config = ConnectorHost.Json(HuggingFaceConfig);
            o.SaveTokens = true;
            Common(o);
            huggingface?.Invoke(o);
        });
        services?.Invoke(builder);

        var app = builder.Build();
        app.UseAuthentication();
        app.MapGet("/login/{scheme}", (string scheme) => Results.Challenge(new AuthenticationProperties { RedirectUri = "/me" }, [scheme]));
        app.MapGet("/return/{scheme}", (string scheme, string? to) => Results.Challenge(new AuthenticationProperties { RedirectUri = to }, [scheme]));
        app.MapGet("/me", async (HttpContext context) => context.User.Identity?.IsAuthenticated == true
            ? Results.Json(new
            {
                claims = context.User.Claims.ToDictionary(c => c.Type, c => c.Value),
                accessToken = await context.GetTokenAsync("access_token"),
                expiresAt = await context.GetTokenAsync("expires_at"),
            })
            : Results.Unauthorized());
        app.MapGet("/denied", () => Results.Text("denied"));
        endpoints?.Invoke(app);
        await app.StartAsync();
        return new TestApp(app, time);
    }

    /// <summary>A browser: keeps cookies (in <paramref name="cookies"/> when given: another instance's browser, to
    /// reach this instance with the same cookies), does not follow redirects.</summary>
    public Browser NewBrowser(string? userAgent = null, CookieContainer? cookies = null) => new(_app.GetTestServer(), userAgent, cookies);

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}

/// <summary>A cookie-keeping client of the TestServer that follows no redirect.</summary>
public sealed class Browser
{
    private readonly HttpClient _client;

    public Browser(TestServer server, string? userAgent, CookieContainer? cookies = null)
    {
        Cookies = cookies ?? new CookieContainer();
        _client = new HttpClient(new CookieHandler(Cookies) { InnerHandler = server.CreateHandler() }) { BaseAddress = new Uri("https://id.example.com/") };
        if (userAgent is not null)
        {
            _client.DefaultRequestHeaders.UserAgent.ParseAdd(userAgent);
        }
    }

    public CookieContainer Cookies { get; }

    public Task<HttpResponseMessage> GetAsync(string url) => _client.GetAsync(url);

    public Task<HttpResponseMessage> PostAsync(string url) => _client.PostAsync(url, null);

    /// <summary>Starts a sign-in: the provider URL and the state sent to it.</summary>
    public async Task<(Uri Provider, string State)> ChallengeAsync(string scheme)
    {
        using var response = await GetAsync($"/login/{scheme}");
        response.StatusCode.Should().Be(HttpStatusCode.Redirect);
        var location = response.Headers.Location!;
        return (location, SocialCallback.FromQueryString(location.Query).Parameters["state"]!);
    }

    /// <summary>The provider redirects back; returns the response of the callback.</summary>
    public Task<HttpResponseMessage> CallbackAsync(string scheme, string query) => GetAsync($"/signin-{scheme}?{query}");

    public async Task<JsonElement> MeAsync()
    {
        using var response = await GetAsync("/me");
        response.StatusCode.Should().Be(HttpStatusCode.OK, "the user is signed in");
        return JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone();
    }

    private sealed class CookieHandler(CookieContainer cookies) : DelegatingHandler
    {
        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var header = cookies.GetCookieHeader(request.RequestUri!);
            if (header.Length > 0)
            {
                request.Headers.Add("Cookie", header);
            }

            var response = await base.SendAsync(request, cancellationToken);
            if (response.Headers.TryGetValues("Set-Cookie", out var values))
            {
                foreach (var value in values)
                {
                    cookies.SetCookies(request.RequestUri!, value);
                }
            }

            return response;
        }
    }
}
