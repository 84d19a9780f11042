using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Reflection;
using System.Runtime.InteropServices;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Builder;
using Microsoft.Playwright;

namespace Connectors.IdentityServer.Tests;

/// <summary>
/// The identity server sample (in this process, on the simulated providers, a fresh SQLite database) and three apps
/// written for Logto that sign in through it, each a Node.js process on a port it binds itself: next-auth v4 with the
/// guide's provider block, Auth.js's Logto provider (@auth/core) and Logto's own SDK (@logto/node). Headless Debian
/// Chromium drives them.
/// </summary>
public sealed partial class IdentityServerFixture : IAsyncLifetime
{
    public const string Resource = "https://api.example.com/api";
    private const string ChromiumPath = "/usr/bin/chromium";
    private readonly List<TestProcess> _apps = [];
    private readonly string _data = Directory.CreateTempSubdirectory("identity-server-tests-").FullName;
    private WebApplication? _server;
    private IPlaywright? _playwright;

    /// <summary>The identity server's origin; its issuer is this + <c>oidc</c>.</summary>
    public Uri Server { get; private set; } = null!;

    public Uri NextAuth { get; private set; } = null!;

    public Uri AuthJs { get; private set; } = null!;

    public Uri LogtoSdk { get; private set; } = null!;

    public IBrowser Browser { get; private set; } = null!;

    public IServiceProvider Services => _server!.Services;

    private static string Metadata(string key) => typeof(IdentityServerFixture).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == key).Value!;

    public async Task InitializeAsync()
    {
        // The server's socket first: the apps need its address, and the server needs theirs (its clients' redirect URIs).
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        socket.Listen(512);
        Server = new Uri($"http://127.0.0.1:{((IPEndPoint)socket.LocalEndPoint!).Port}/");
        var issuer = new Uri(Server, "oidc").AbsoluteUri;

        NextAuth = await StartAppAsync("nextauth-v4.mjs", new() { ["ISSUER"] = issuer, ["CLIENT_ID"] = "nextauth-app", ["CLIENT_SECRET"] = "nextauth-app-secret" });
        AuthJs = await StartAppAsync("authjs-logto.mjs", new() { ["ISSUER"] = issuer, ["CLIENT_ID"] = "authjs-app", ["CLIENT_SECRET"] = "authjs-app-secret" });
        LogtoSdk = await StartAppAsync("logto-node.mjs", new() { ["ENDPOINT"] = Server.GetLeftPart(UriPartial.Authority), ["CLIENT_ID"] = "logto-sdk-app", ["CLIENT_SECRET"] = "logto-sdk-app-secret", ["RESOURCE"] = Resource });

        var handle = Dup((int)socket.Handle);
        if (handle < 0)
        {
            throw new InvalidOperationException($"dup() of the listening socket failed (errno {Marshal.GetLastPInvokeError()}).");
        }

        string[] clients =
        [
            .. Client(0, "nextauth-app", "nextauth-app-secret", new Uri(NextAuth, "api/auth/callback/logto"), NextAuth, pkce: false),
            .. Client(1, "authjs-app", "authjs-app-secret", new Uri(AuthJs, "auth/callback/logto"), AuthJs, pkce: true),
            .. Client(2, "logto-sdk-app", "logto-sdk-app-secret", new Uri(LogtoSdk, "callback"), LogtoSdk, pkce: true),
        ];
        _server = global::IdentityServer.IdentityServerApp.Build(
            [
                "--urls", Server.GetLeftPart(UriPartial.Authority), "--contentRoot", Metadata("IdentityServerDirectory"),
                "--ConnectionStrings:Identity", $"Data Source={Path.Combine(_data, "identity.db")}", "--SigningKeyPath", Path.Combine(_data, "signing-key.pem"),
                "--Logging:LogLevel:Default", "Warning", .. clients,
                .. ConnectorHost.GenerousArguments, // the simulated providers answer on this machine, however loaded
            ],
            kestrel => kestrel.ListenHandle((ulong)handle));
        await global::IdentityServer.IdentityServerApp.PrepareAsync(_server);
        await _server.StartAsync();

        _playwright = await Playwright.CreateAsync();
        Browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = File.Exists(ChromiumPath) ? ChromiumPath : throw new InvalidOperationException($"{ChromiumPath} is missing: the test build installs it (tests/apt-install.sh)."),
            Headless = true,
            Args = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"],
        });
    }

    private static IEnumerable<string> Client(int index, string id, string secret, Uri redirect, Uri app, bool pkce) =>
    [
        $"--Clients:{index}:ClientId={id}", $"--Clients:{index}:ClientSecret={secret}", $"--Clients:{index}:DisplayName={id}",
        $"--Clients:{index}:RedirectUris:0={redirect.AbsoluteUri}", $"--Clients:{index}:PostLogoutRedirectUris:0={app.AbsoluteUri}",
        $"--Clients:{index}:RequirePkce={pkce}",
    ];

    private async Task<Uri> StartAppAsync(string script, Dictionary<string, string> environment)
    {
        var start = new ProcessStartInfo("node") { WorkingDirectory = Metadata("IdentityClients") };
        start.ArgumentList.Add(script);
        foreach (var (key, value) in environment)
        {
            start.Environment[key] = value;
        }

        var (process, ready) = await TestProcess.StartAsync(start, Listening(), script + " (Node.js; the test build runs npm ci in tests/identity-clients)", TimeSpan.FromSeconds(90));
        _apps.Add(process);
        return new Uri(ready.Groups[1].Value + "/");
    }

    /// <summary>What the apps printed (their errors), for a failing test's message.</summary>
    public string AppOutput => string.Join("\n", _apps.Select(a => a.Output));

    [GeneratedRegex(@"^listening (http://127\.0\.0\.1:\d+)$")]
    private static partial Regex Listening();

    [DllImport("libc", EntryPoint = "dup", SetLastError = true)]
    private static extern int Dup(int fd);

    public async Task DisposeAsync()
    {
        if (_playwright is not null)
        {
            await Browser.CloseAsync();
            _playwright.Dispose();
        }

        if (_server is not null)
        {
            await _server.StopAsync();
            await _server.DisposeAsync();
        }

        foreach (var app in _apps)
        {
            await app.DisposeAsync();
        }

        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(_data, recursive: true);
    }
}
