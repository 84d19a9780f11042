using Connectors.Abstractions;
using Connectors.HuggingFace;
using Connectors.Mailgun;
using Connectors.SampleHost.Simulators;
using Connectors.WeCom;
using Microsoft.AspNetCore.Authentication.Cookies;

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
        if (listen is not null)
        {
            builder.WebHost.ConfigureKestrel(listen);
        }

        var self = new Uri((builder.Configuration["Urls"] ?? "http://127.0.0.1:5080").Split(';')[0].TrimEnd('/') + "/");
        var simulate = SimulatorsEnabled(builder.Configuration);

        var connectors = builder.Services.AddConnectors();
        connectors.AddWeCom(o =>
        {
            if (simulate)
            {
                o.ApiBaseAddress = new Uri(self, "sim/wecom/");
                o.WebLoginEndpoint = new Uri(self, "sim/wecom/wwlogin/sso/login");
                o.InClientAuthorizeEndpoint = new Uri(self, "sim/wecom/connect/oauth2/authorize");
            }
        });
        connectors.AddHuggingFace(o =>
        {
            if (simulate)
            {
                o.BaseAddress = new Uri(self, "sim/huggingface/");
            }
        });
        connectors.AddMailgun(o =>
        {
            if (simulate)
            {
                o.AllowedEndpoints.Add(self);
            }
        });

        builder.Services.AddSingleton(new SampleSettings(self, simulate));
        builder.Services.AddSingleton<SampleConnectors>();
        builder.Services.AddSingleton<EmailCodes>();
        builder.Services.AddAntiforgery();
        builder.Services.AddAuthentication(CookieAuthenticationDefaults.AuthenticationScheme)
            .AddCookie(o =>
            {
                o.LoginPath = "/";
                o.Cookie.Name = ".connectors.sample";
                o.Cookie.HttpOnly = true;
                o.Cookie.SameSite = SameSiteMode.Lax;
            });
        builder.Services.AddAuthorization();
        if (simulate)
        {
            builder.Services.AddSingleton<SimulatorState>();
        }

        var app = builder.Build();
        app.UseAuthentication();
        app.UseAuthorization();
        SignInEndpoints.Map(app);
        if (simulate)
        {
            WeComSimulator.Map(app);
            HuggingFaceSimulator.Map(app);
            MailgunSimulator.Map(app);
        }

        return app;
    }
}

/// <summary>Where the host runs and whether providers are simulated.</summary>
public sealed record SampleSettings(Uri Self, bool Simulated);

/// <summary>The three connectors, created through the registry from the <c>Connectors:*</c> configuration sections.</summary>
public sealed class SampleConnectors(IConnectorRegistry registry, IConfiguration configuration, SampleSettings settings)
{
    private readonly Lazy<ISocialConnector> _weCom = new(() => (ISocialConnector)registry.Create(WeComConnectorFactory.ConnectorId, ConnectorConfiguration.ToJson(configuration.GetSection("Connectors:WeCom"))));
    private readonly Lazy<ISocialConnector> _huggingFace = new(() => (ISocialConnector)registry.Create(HuggingFaceConnectorFactory.ConnectorId, ConnectorConfiguration.ToJson(configuration.GetSection("Connectors:HuggingFace"))));
    private readonly Lazy<IEmailConnector> _mailgun = new(() =>
    {
        var json = ConnectorConfiguration.ToJson(configuration.GetSection("Connectors:Mailgun"));
        if (settings.Simulated)
        {
            // The simulator serves Mailgun's /v3/{domain}/messages on this host; the host allowed its address.
            var node = System.Text.Json.Nodes.JsonObject.Create(json)!;
            node["endpoint"] = settings.Self.GetLeftPart(UriPartial.Authority);
            json = System.Text.Json.JsonDocument.Parse(node.ToJsonString()).RootElement.Clone();
        }

        return (IEmailConnector)registry.Create(MailgunConnectorFactory.ConnectorId, json);
    });

    /// <summary>The social connector for a route name (<c>wecom</c>, <c>huggingface</c>), or null.</summary>
    public ISocialConnector? Social(string provider) => provider switch
    {
        "wecom" => _weCom.Value,
        "huggingface" => _huggingFace.Value,
        _ => null,
    };

    /// <summary>The email connector.</summary>
    public IEmailConnector Email => _mailgun.Value;

    /// <summary>A display name for a route name.</summary>
    public static string DisplayName(string provider) => provider switch
    {
        "wecom" => "WeCom",
        "huggingface" => "Hugging Face",
        "email" => "Email code (Mailgun)",
        _ => provider,
    };
}
