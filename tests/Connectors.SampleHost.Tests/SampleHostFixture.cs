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
        if (!File.Exists(ChromiumPath))
        {
            throw new InvalidOperationException($"{ChromiumPath} is missing: the test build installs it with tests/install-chromium.sh (apt-get install chromium).");
        }

        // The harness binds and listens on a port the operating system picks, and hands Kestrel a duplicate of that
        // socket: the port is held from the moment it is chosen until Kestrel serves it, so no other process can
        // take it in between. The app needs its address before it starts (options built from it are validated at
        // start), which port 0 given to Kestrel itself could not provide.
        var contentRoot = typeof(SampleHostFixture).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == "SampleHostDirectory").Value!;
        using (var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp))
        {
            socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
            socket.Listen(512);
            BaseUri = new Uri($"http://127.0.0.1:{((IPEndPoint)socket.LocalEndPoint!).Port}/");
            var handle = Dup((int)socket.Handle);
            if (handle < 0)
            {
                throw new InvalidOperationException($"dup() of the listening socket failed (errno {Marshal.GetLastPInvokeError()}).");
            }

            _app = SampleHostApp.Build(
                ["--urls", BaseUri.GetLeftPart(UriPartial.Authority), "--contentRoot", contentRoot, "--Logging:LogLevel:Default", "Warning"],
                kestrel => kestrel.ListenHandle((ulong)handle));
            await _app.StartAsync();
        } // Kestrel owns the duplicate; the harness's own descriptor is closed here.

        Directory.CreateDirectory(ScreenshotDirectory);
        _playwright = await Playwright.CreateAsync();
        Browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = ChromiumPath,
            Headless = true,
            Args = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"],
        });
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
