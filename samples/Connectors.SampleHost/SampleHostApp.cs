using Connectors.Abstractions;
using Connectors.AspNetCore;
using Connectors.HuggingFace;
using Connectors.Mailgun;
using Connectors.Simulators;
using Connectors.WeCom;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace Connectors.SampleHost;

/// <summary>Builds the sample identity host: sign-in pages, the three connectors from configuration and, by
/// default, simulators of the three providers on the host's own address.</summary>
public static class SampleHostApp
{
    /// <summary>Whether the providers are simulated (<c>Simulators:Enabled</c>, default true).</summary>
    public static bool SimulatorsEnabled(IConfiguration configuration) => configuration.GetValue("Simulators:Enabled", true);

    /// <summary>Builds the app; <c>--urls</c> (or <c>Urls</c>) sets its address, default <c>http://127.0.0.1:5080</c>.</summary>
    /// <param name="args">Command-line arguments.</param>
    /// <param name="listen">Replaces where Kestrel listens (a test harness hands over a socket it already holds); the
    /// <c>Urls</c> setting still names the host's own address.</param>
    public static WebApplication Build(string[] args, Action<Microsoft.AspNetCore.Server.Kestrel.Core.KestrelServerOptions>? listen = null)
    {
        var builder = WebApplication.CreateBuilder(args);
        builder.Logging.AddFilter("Microsoft.Extensions.Hosting.Internal.Host", LogLevel.None); // Program.cs says why a start failed
        if (listen is not null)
        {
            builder.WebHost.ConfigureKestrel(listen);
        }

        var self = new Uri((builder.Configuration["Urls"] ?? "http://127.0.0.1:5080").Split(';')[0].TrimEnd('/') + "/");
        var simulate = SimulatorsEnabled(builder.Configuration);
        // Where the simulated providers are: this host, or (a second instance) the first instance's address, since a
        // provider is one service whichever instance calls it.
        var providers = builder.Configuration["Simulators:Address"] is { Length: > 0 } address ? new Uri(address.TrimEnd('/') + "/") : self;

        var connectors = builder.Services.AddConnectors();
        // Several instances (docs/operations.md, "Several instances"): "Redis" names the Redis they share, for the Data Protection
        // key ring (attempt, auth and antiforgery cookies), codes, WeCom's token and callback replays; "Codes:HashKey"
        // (base64, 32 bytes) is then the same on every instance.
        if (builder.Configuration["Redis"] is { Length: > 0 } redis)
        {
            var multiplexer = ConnectionMultiplexer.Connect(redis + ",abortConnect=false");
            builder.Services.AddSingleton<IConnectionMultiplexer>(multiplexer);
            builder.Services.AddDataProtection()
                .SetApplicationName("connectors-sample")
                .PersistKeysToStackExchangeRedis(multiplexer, "connectors-sample:data-protection-keys");
            connectors.UseRedis(o => o.KeyPrefix = "connectors-sample:");
        }

        // "Http" (ConnectorHttpOptions: AttemptTimeout, OverallTimeout, TotalTimeout, ...) for every provider.
        var http = builder.Configuration.GetSection("Http");
        connectors.AddWeCom(o =>
        {
            http.Bind(o.Http);
            if (simulate)
            {
                o.ApiBaseAddress = new Uri(providers, "sim/wecom/");
                o.WebLoginEndpoint = new Uri(providers, "sim/wecom/wwlogin/sso/login");
                o.InClientAuthorizeEndpoint = new Uri(providers, "sim/wecom/connect/oauth2/authorize");
            }
        });
        connectors.AddHuggingFace(o =>
        {
            http.Bind(o.Http);
            if (simulate)
            {
                o.BaseAddress = new Uri(providers, "sim/huggingface/");
            }
        });
        connectors.AddMailgun(o =>
        {
            http.Bind(o.Http);
            if (simulate)
            {
                o.AllowedEndpoints.Add(providers);
            }
        });

        // Email codes: 6 digits, 10 minutes, 5 wrong attempts then locked, a 60 s resend cooldown, at most 5 mails per
        // address and 20 per client address an hour (VerificationCodeOptions, from "Codes" in configuration).
        connectors.AddVerificationCodes(o =>
        {
            builder.Configuration.GetSection("Codes").Bind(o);
            o.HashKey = builder.Configuration["Codes:HashKey"] is { Length: > 0 } key ? Convert.FromBase64String(key) : null;
        });

        builder.Services.AddSingleton(new SampleSettings(self, simulate, providers));
        builder.Services.AddSingleton<SampleMail>();
        builder.Services.AddSingleton<SampleUsers>();
        builder.Services.AddSingleton<CodePages>();
        builder.Services.AddAntiforgery();
        builder.Services.AddAuthentication(CookieAuthenticationDefaults.AuthenticationScheme)
            .AddCookie(o =>
            {
                o.LoginPath = "/";
                o.Cookie.Name = ".connectors.sample";
                o.Cookie.HttpOnly = true;
                o.Cookie.SameSite = SameSiteMode.Lax;
            })
            .AddConnector("wecom", "WeCom", o => SignInEndpoints.Configure(o, "wecom", WeComConnectorFactory.ConnectorId, builder.Configuration.GetSection("Connectors:WeCom")))
            .AddConnector("huggingface", "Hugging Face", o => SignInEndpoints.Configure(o, "huggingface", HuggingFaceConnectorFactory.ConnectorId, builder.Configuration.GetSection("Connectors:HuggingFace")));
        builder.Services.AddAuthorization();

        // GET /healthz: the two schemes' configs valid and WeCom accepting its corpId and secret (an app access
        // token, cached with sign-ins), the Mailgun config valid; results reused for 60 s.
        builder.Services.AddHealthChecks()
            .AddConnector("wecom", o => o.Scheme = "wecom")
            .AddConnector("huggingface", o => o.Scheme = "huggingface")
            .AddConnector("mailgun", o =>
            {
                o.ConnectorId = MailgunConnectorFactory.ConnectorId;
                o.Configuration = builder.Configuration.GetSection("Connectors:Mailgun");
            });
        if (simulate)
        {
            builder.Services.AddProviderSimulators(builder.Configuration.GetSection("Connectors"));
        }

        var app = builder.Build();
        app.UseAuthentication();
        app.UseAuthorization();
        SignInEndpoints.Map(app);
        app.MapHealthChecks("/healthz");
        if (simulate)
        {
            app.MapProviderSimulators();
        }

        return app;
    }
}

/// <summary>Where the host runs, whether providers are simulated, and where.</summary>
public sealed record SampleSettings(Uri Self, bool Simulated, Uri Providers);

/// <summary>The email connector, created through the registry from the <c>Connectors:Mailgun</c> configuration section.</summary>
public sealed class SampleMail(IConnectorRegistry registry, IConfiguration configuration, SampleSettings settings)
{
    private readonly Lazy<IEmailConnector> _mailgun = new(() =>
    {
        var json = ConnectorConfiguration.ToJson(configuration.GetSection("Connectors:Mailgun"));
        if (settings.Simulated)
        {
            // The simulator serves Mailgun's /v3/{domain}/messages on this host; the host allowed its address.
            var node = System.Text.Json.Nodes.JsonObject.Create(json)!;
            node["endpoint"] = settings.Providers.GetLeftPart(UriPartial.Authority);
            json = System.Text.Json.JsonDocument.Parse(node.ToJsonString()).RootElement.Clone();
        }

        return registry.Create<IEmailConnector>(MailgunConnectorFactory.ConnectorId, json);
    });

    /// <summary>The email connector.</summary>
    public IEmailConnector Connector => _mailgun.Value;
}

/// <summary>The addresses that have signed in with a code: they get a <c>SignIn</c> mail, others a <c>Register</c>
/// mail. In memory, as a sample; a real server asks its user store.</summary>
public sealed class SampleUsers
{
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, bool> _known = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>The usage type a code for this address is sent and verified with.</summary>
    public UsageType UsageFor(string address) => _known.ContainsKey(address) ? UsageType.SignIn : UsageType.Register;

    /// <summary>Remembers an address that signed in.</summary>
    public void Add(string address) => _known.TryAdd(address, true);
}

/// <summary>What the code page shows, kept between the form posts and the page's GET in a cookie protected with the
/// Data Protection key ring (so any instance reads it). It holds the address, never a code.</summary>
public sealed record CodePage(string Address, string? Note, string? Error, bool CodePending, bool Locked, DateTimeOffset? ResendAt);

/// <summary>Reads and writes the <see cref="CodePage"/> cookie.</summary>
public sealed class CodePages(IDataProtectionProvider protection, IOptions<VerificationCodeOptions> codes)
{
    private const string Cookie = "sample.code";
    private readonly IDataProtector _protector = protection.CreateProtector("Connectors.SampleHost.CodePage");

    /// <summary>How long after a send a new code can be sent.</summary>
    public TimeSpan Cooldown => codes.Value.ResendCooldown;

    /// <summary>The page of this browser's code sign-in, or null.</summary>
    public CodePage? Read(HttpContext context)
    {
        try
        {
            return context.Request.Cookies.TryGetValue(Cookie, out var value)
                ? System.Text.Json.JsonSerializer.Deserialize<CodePage>(_protector.Unprotect(value))
                : null;
        }
        catch (System.Security.Cryptography.CryptographicException)
        {
            return null;
        }
    }

    /// <summary>Keeps the page for the next GET.</summary>
    public void Write(HttpContext context, CodePage page) => context.Response.Cookies.Append(Cookie,
        _protector.Protect(System.Text.Json.JsonSerializer.Serialize(page)),
        new CookieOptions { HttpOnly = true, SameSite = SameSiteMode.Lax, Secure = context.Request.IsHttps, Path = "/email", MaxAge = TimeSpan.FromMinutes(15) });

    /// <summary>Forgets the page (after a sign-in).</summary>
    public void Clear(HttpContext context) => context.Response.Cookies.Delete(Cookie, new CookieOptions { Path = "/email" });
}
