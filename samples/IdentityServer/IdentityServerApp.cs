using System.Security.Cryptography;
using Connectors.AspNetCore;
using Connectors.HuggingFace;
using Connectors.Mailgun;
using Connectors.Simulators;
using Connectors.WeCom;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.IdentityModel.Tokens;
using OpenIddict.Abstractions;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace IdentityServer;

/// <summary>Builds the identity server: OpenIddict's OpenID Provider over ASP.NET Core Identity on SQLite, the
/// WeCom and Hugging Face schemes and the email-code sign-in of Connectors, and (by default) the simulated providers
/// on this host's own address.</summary>
public static class IdentityServerApp
{
    /// <summary>The scopes Logto's SDKs and Auth.js ask for. Every one is registered: OpenIddict refuses a whole
    /// sign-in for one unknown scope, and Logto's SDKs always ask for <c>offline_access</c> (and the organization
    /// scopes when configured).</summary>
    public static readonly string[] LogtoScopes =
    [
        Scopes.OpenId, Scopes.OfflineAccess, Scopes.Profile, Scopes.Email, Scopes.Phone, Scopes.Roles,
        "custom_data", "identities", "urn:logto:scope:organizations", "urn:logto:scope:organization_roles",
    ];

    /// <summary>Builds the app; <c>--urls</c> (or <c>Urls</c>) sets its address, default <c>http://127.0.0.1:5090</c>.</summary>
    /// <param name="args">Command-line arguments.</param>
    /// <param name="listen">Replaces where Kestrel listens (a test harness hands over a socket it holds); <c>Urls</c>
    /// still names the server's own address, and so its issuer.</param>
    public static WebApplication Build(string[] args, Action<Microsoft.AspNetCore.Server.Kestrel.Core.KestrelServerOptions>? listen = null)
    {
        var builder = WebApplication.CreateBuilder(args);
        builder.Logging.AddFilter("Microsoft.Extensions.Hosting.Internal.Host", LogLevel.None); // Program.cs says why a start failed
        if (listen is not null)
        {
            builder.WebHost.ConfigureKestrel(listen);
        }

        var self = new Uri((builder.Configuration["Urls"] ?? "http://127.0.0.1:5090").Split(';')[0].TrimEnd('/') + "/");
        var simulate = builder.Configuration.GetValue("Simulators:Enabled", true);
        if (simulate)
        {
            // The simulated Mailgun serves /v3/{domain}/messages on this host.
            builder.Configuration.AddInMemoryCollection([new("Connectors:Mailgun:endpoint", self.GetLeftPart(UriPartial.Authority))]);
        }

        var database = builder.Configuration.GetConnectionString("Identity") ?? $"Data Source={Path.Combine(builder.Environment.ContentRootPath, "identity-server.db")}";
        builder.Services.AddDbContext<AppDb>(o => o.UseSqlite(database).UseOpenIddict());
        builder.Services.AddIdentity<AppUser, IdentityRole>()
            .AddEntityFrameworkStores<AppDb>()
            .AddDefaultTokenProviders();
        builder.Services.ConfigureApplicationCookie(o =>
        {
            o.LoginPath = "/login";
            o.Cookie.Name = ".identity-server.session";
        });

        // The connectors: WeCom and Hugging Face as Identity's external logins, Mailgun for Identity's mail and codes.
        // "Http" (ConnectorHttpOptions: AttemptTimeout, OverallTimeout, TotalTimeout, ...) for every provider.
        var http = builder.Configuration.GetSection("Http");
        var connectors = builder.Services.AddConnectors()
            .AddWeCom(o =>
            {
                http.Bind(o.Http);
                if (simulate)
                {
                    o.ApiBaseAddress = new Uri(self, "sim/wecom/");
                    o.WebLoginEndpoint = new Uri(self, "sim/wecom/wwlogin/sso/login");
                    o.InClientAuthorizeEndpoint = new Uri(self, "sim/wecom/connect/oauth2/authorize");
                }
            })
            .AddHuggingFace(o =>
            {
                http.Bind(o.Http);
                if (simulate)
                {
                    o.BaseAddress = new Uri(self, "sim/huggingface/");
                }
            })
            .AddMailgun(o =>
            {
                http.Bind(o.Http);
                if (simulate)
                {
                    o.AllowedEndpoints.Add(self);
                }
            })
            .AddVerificationCodes(o => builder.Configuration.GetSection("Codes").Bind(o));
        builder.Services.AddConnectorEmailSender<AppUser>(o =>
        {
            o.ConnectorId = MailgunConnectorFactory.ConnectorId;
            o.Configuration = builder.Configuration.GetSection("Connectors:Mailgun");
        });
        builder.Services.AddEmailCodeSignIn<AppUser>();
        builder.Services.AddAuthentication()
            .AddConnector("wecom", "WeCom", o => External(o, WeComConnectorFactory.ConnectorId, builder.Configuration.GetSection("Connectors:WeCom")))
            .AddConnector("huggingface", "Hugging Face", o => External(o, HuggingFaceConnectorFactory.ConnectorId, builder.Configuration.GetSection("Connectors:HuggingFace")));

        var resources = builder.Configuration.GetSection("Resources").Get<string[]>() ?? [];
        builder.Services.AddOpenIddict()
            .AddCore(o => o.UseEntityFrameworkCore().UseDbContext<AppDb>())
            .AddServer(o =>
            {
                // Logto's issuer and paths: issuer exactly {origin}/oidc, no trailing slash (Logto's SDKs build
                // discovery's address from it and compare the ID token's iss with it); discovery at
                // /oidc/.well-known/openid-configuration (what Auth.js's wellKnown and Logto's SDKs fetch).
                o.SetIssuer(new Uri(self, "oidc"))
                    .SetConfigurationEndpointUris("oidc/.well-known/openid-configuration")
                    .SetJsonWebKeySetEndpointUris("oidc/jwks")
                    .SetAuthorizationEndpointUris("oidc/auth")
                    .SetTokenEndpointUris("oidc/token")
                    // Listed in discovery because they are enabled: Logto's SDKs read userinfo, end-session and
                    // revocation from it (signOut revokes, then ends the session).
                    .SetUserInfoEndpointUris("oidc/me")
                    .SetEndSessionEndpointUris("oidc/session/end")
                    .SetRevocationEndpointUris("oidc/token/revocation");
                // Code flow with refresh tokens (offline_access, which every Logto SDK asks for). Left at OpenIddict's
                // defaults on purpose: client secrets by Basic and by form (Auth.js and Logto's SDKs send Basic, other
                // clients post the form), and neither state nor nonce demanded (next-auth v4 sends no nonce).
                o.AllowAuthorizationCodeFlow().AllowRefreshTokenFlow();
                o.RegisterScopes(LogtoScopes);
                o.RegisterClaims(Claims.Subject, Claims.Name, "username", Claims.Picture, Claims.Email, Claims.EmailVerified, Claims.PhoneNumber, Claims.PhoneNumberVerified);
                // API resources (RFC 8707) a client may ask an access token for, as Logto's SDKs' getAccessToken(resource).
                // Give each a path (https://api.example.com/api): OpenIddict 7.8 keeps a registered origin as
                // "https://api.example.com/" and then refuses the request's "https://api.example.com" (invalid_target).
                o.RegisterResources(resources);
                // ES384 with a kid and use "sig": next-auth v4's client is told id_token_signed_response_alg ES384
                // (what Logto signs with); an RS256 key fails it at the callback.
                o.AddSigningCredentials(new SigningCredentials(SigningKey(builder.Environment.ContentRootPath, builder.Configuration["SigningKeyPath"]), SecurityAlgorithms.EcdsaSha384));
                o.AddEphemeralEncryptionKey(); // codes and state only: access tokens are not encrypted (below)
                // A plain signed JWT access token: Logto's SDKs read its claims (getAccessTokenClaims); an encrypted one breaks that.
                o.DisableAccessTokenEncryption();
                // Refresh tokens by reference (a short id in the database): Flask's Logto SDK keeps every token in
                // its 4 KB session cookie, and OpenIddict's self-contained refresh token alone took it past 6 KB.
                o.UseReferenceRefreshTokens();
                o.SetAccessTokenLifetime(TimeSpan.FromHours(1)).SetIdentityTokenLifetime(TimeSpan.FromHours(1)).SetRefreshTokenLifetime(TimeSpan.FromDays(14));
                var aspNetCore = o.UseAspNetCore()
                    .EnableAuthorizationEndpointPassthrough()
                    .EnableTokenEndpointPassthrough()
                    .EnableUserInfoEndpointPassthrough()
                    .EnableEndSessionEndpointPassthrough()
                    .EnableStatusCodePagesIntegration();
                if (self.Scheme == Uri.UriSchemeHttp)
                {
                    aspNetCore.DisableTransportSecurityRequirement(); // http only on a development or test address
                }
            });

        builder.Services.AddAntiforgery();
        builder.Services.Configure<List<ClientApp>>(builder.Configuration.GetSection("Clients"));
        if (simulate)
        {
            builder.Services.AddProviderSimulators(builder.Configuration.GetSection("Connectors"));
        }

        var app = builder.Build();
        app.UseStatusCodePages();
        app.UseAuthentication();
        OidcEndpoints.Map(app);
        LoginEndpoints.Map(app);
        if (simulate)
        {
            app.MapProviderSimulators();
        }

        return app;
    }

    /// <summary>A social scheme as Identity's external login, with the claims an OpenID Provider copies.</summary>
    private static void External(ConnectorAuthenticationOptions o, string connectorId, IConfigurationSection config)
    {
        o.ConnectorId = connectorId;
        o.Configuration = config; // per OIDC client instead: o.ConfigResolver = c => ... c.Properties.Items["client_id"] ...
        o.SignInScheme = IdentityConstants.ExternalScheme;
        o.CallbackPath = "/callback/" + (connectorId == WeComConnectorFactory.ConnectorId ? "wecom" : "huggingface");
        o.ClaimNames = ConnectorClaimNames.Oidc;
        o.SaveProfile = true; // for Logto's identities claim
    }

    /// <summary>Creates the database and registers the clients of <c>Clients</c>.</summary>
    public static async Task PrepareAsync(WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        await using var scope = app.Services.CreateAsyncScope();
        await scope.ServiceProvider.GetRequiredService<AppDb>().Database.EnsureCreatedAsync();
        var manager = scope.ServiceProvider.GetRequiredService<IOpenIddictApplicationManager>();
        var resources = app.Configuration.GetSection("Resources").Get<string[]>() ?? [];
        foreach (var client in app.Configuration.GetSection("Clients").Get<List<ClientApp>>() ?? [])
        {
            var descriptor = new OpenIddictApplicationDescriptor
            {
                ClientId = client.ClientId,
                ClientSecret = client.ClientSecret,
                ClientType = client.ClientSecret is null ? ClientTypes.Public : ClientTypes.Confidential,
                DisplayName = client.DisplayName ?? client.ClientId,
                // First-party apps: no consent screen, and prompt=consent (Logto's SDKs send it) is accepted as given.
                ConsentType = ConsentTypes.Implicit,
            };
            descriptor.RedirectUris.UnionWith(client.RedirectUris);
            descriptor.PostLogoutRedirectUris.UnionWith(client.PostLogoutRedirectUris);
            descriptor.Permissions.UnionWith([
                Permissions.Endpoints.Authorization, Permissions.Endpoints.Token, Permissions.Endpoints.EndSession, Permissions.Endpoints.Revocation,
                Permissions.GrantTypes.AuthorizationCode, Permissions.GrantTypes.RefreshToken, Permissions.ResponseTypes.Code,
                .. LogtoScopes.Where(s => s != Scopes.OpenId && s != Scopes.OfflineAccess).Select(s => Permissions.Prefixes.Scope + s),
                .. resources.Select(r => Permissions.Prefixes.Resource + r),
            ]);
            if (client.RequirePkce)
            {
                descriptor.Requirements.Add(Requirements.Features.ProofKeyForCodeExchange);
            }

            if (await manager.FindByClientIdAsync(client.ClientId) is { } existing)
            {
                await manager.UpdateAsync(existing, descriptor);
            }
            else
            {
                await manager.CreateAsync(descriptor);
            }
        }
    }

    /// <summary>The ES384 signing key, kept as PEM beside the database (made on first start) so that a restart keeps
    /// the tokens it signed valid. Production keeps it in a vault.</summary>
    private static ECDsaSecurityKey SigningKey(string contentRoot, string? path)
    {
        path ??= Path.Combine(contentRoot, "signing-key.pem");
        var key = ECDsa.Create(ECCurve.NamedCurves.nistP384);
        if (File.Exists(path))
        {
            key.ImportFromPem(File.ReadAllText(path));
        }
        else
        {
            File.WriteAllText(path, key.ExportECPrivateKeyPem());
        }

        var id = Base64UrlEncoder.Encode(SHA256.HashData(key.ExportSubjectPublicKeyInfo()).AsSpan(0, 12).ToArray());
        return new ECDsaSecurityKey(key) { KeyId = id };
    }
}
