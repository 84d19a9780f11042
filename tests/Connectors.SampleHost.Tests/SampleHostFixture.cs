using System.Reflection;
using Connectors.SampleHost;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;

namespace Connectors.SampleHost.Tests;

/// <summary>The sample host on a loopback port the operating system picks, and headless Debian Chromium driven by Playwright.</summary>
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

        // Port 0: the server binds a port the operating system picks, so no port chosen in advance can be taken by
        // another process; the address is read back from the server.
        var contentRoot = typeof(SampleHostFixture).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == "SampleHostDirectory").Value!;
        _app = SampleHostApp.Build(["--urls", "http://127.0.0.1:0", "--contentRoot", contentRoot, "--Logging:LogLevel:Default", "Warning"]);
        await _app.StartAsync();
        var bound = _app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
        BaseUri = new Uri(bound.TrimEnd('/') + "/");

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
