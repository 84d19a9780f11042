using System.Reflection;
using Connectors.SampleHost;
using Microsoft.AspNetCore.Builder;
using Microsoft.Playwright;

namespace Connectors.SampleHost.Tests;

/// <summary>The sample host on a free loopback port, and headless Debian Chromium driven by Playwright.</summary>
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

        // The app needs its own address before it starts (the simulators' endpoints are built from it), so a free
        // port is chosen first; if another process takes it in between, start again on a new one.
        var contentRoot = typeof(SampleHostFixture).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == "SampleHostDirectory").Value!;
        for (var attempt = 1; ; attempt++)
        {
            BaseUri = new Uri($"http://127.0.0.1:{LoopbackPort.Free()}/");
            _app = SampleHostApp.Build(["--urls", BaseUri.GetLeftPart(UriPartial.Authority), "--contentRoot", contentRoot, "--Logging:LogLevel:Default", "Warning"]);
            try
            {
                await _app.StartAsync();
                break;
            }
            catch (IOException) when (attempt < 3)
            {
                await _app.DisposeAsync();
            }
        }

        Directory.CreateDirectory(ScreenshotDirectory);
        _playwright = await Playwright.CreateAsync();
        Browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = ChromiumPath,
            Headless = true,
            Args = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"],
        });
    }

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
