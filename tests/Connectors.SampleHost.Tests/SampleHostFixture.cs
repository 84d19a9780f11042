using System.Reflection;
using Connectors.SampleHost;
using Microsoft.AspNetCore.Builder;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using Microsoft.Playwright;

namespace Connectors.SampleHost.Tests;

/// <summary>The sample host on a loopback port the operating system picks and the harness holds until Kestrel serves it, and headless Debian Chromium driven by Playwright.</summary>
public sealed class SampleHostFixture : IAsyncLifetime
{
    private const string ChromiumPath = "/usr/bin/chromium";
    private WebApplication? _app;
    private IPlaywright? _playwright;

    public Uri BaseUri { get; private set; } = null!;

    public IBrowser Browser { get; private set; } = null!;

    public string ScreenshotDirectory { get; } = Path.Combine(AppContext.BaseDirectory, "screenshots");

    public async Task InitializeAsync()
    {
        (_app, BaseUri) = await StartHostAsync([]);
        Directory.CreateDirectory(ScreenshotDirectory);
        (_playwright, Browser) = await LaunchChromiumAsync();
    }

    /// <summary>The directory the sample host runs from (its appsettings.json).</summary>
    public static string ContentRoot { get; } = typeof(SampleHostFixture).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == "SampleHostDirectory").Value!;

    /// <summary>Starts the sample host in this process with <paramref name="arguments"/> added.</summary>
    public static async Task<(WebApplication App, Uri BaseUri)> StartHostAsync(string[] arguments)
    {
        // The harness binds and listens on a port the operating system picks, and hands Kestrel a duplicate of that
        // socket: the port is held from the moment it is chosen until Kestrel serves it, so no other process can
        // take it in between. The app needs its address before it starts (options built from it are validated at
        // start), which port 0 given to Kestrel itself could not provide.
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        socket.Listen(512);
        var baseUri = new Uri($"http://127.0.0.1:{((IPEndPoint)socket.LocalEndPoint!).Port}/");
        var handle = Dup((int)socket.Handle);
        if (handle < 0)
        {
            throw new InvalidOperationException($"dup() of the listening socket failed (errno {Marshal.GetLastPInvokeError()}).");
        }

        var app = SampleHostApp.Build(
            ["--urls", baseUri.GetLeftPart(UriPartial.Authority), "--contentRoot", ContentRoot, "--Logging:LogLevel:Default", "Warning", .. ConnectorHost.GenerousArguments, .. arguments],
            kestrel => kestrel.ListenHandle((ulong)handle));
        await app.StartAsync();
        return (app, baseUri); // Kestrel owns the duplicate; the harness's own descriptor is closed on return.
    }

    /// <summary>Headless Debian Chromium.</summary>
    public static async Task<(IPlaywright Playwright, IBrowser Browser)> LaunchChromiumAsync()
    {
        if (!File.Exists(ChromiumPath))
        {
            throw new InvalidOperationException($"{ChromiumPath} is missing: the test build installs it with tests/apt-install.sh (apt-get install chromium).");
        }

        var playwright = await Playwright.CreateAsync();
        var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = ChromiumPath,
            Headless = true,
            Args = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"],
        });
        return (playwright, browser);
    }

    [DllImport("libc", EntryPoint = "dup", SetLastError = true)]
    private static extern int Dup(int fd);

    public async Task DisposeAsync()
    {
        if (Browser is not null)
        {
            await Browser.CloseAsync();
        }

        _playwright?.Dispose();
        if (_app is not null)
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }
    }
}
