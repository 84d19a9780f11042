using System.Diagnostics;
using System.Reflection;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Connectors.SampleHost.Tests;

/// <summary>
/// The sample host as two instances on one real Redis: the first in this process (it also serves the simulated
/// providers, which are one service whichever instance calls them), the second its own process; and a load balancer
/// in front of them (a small reverse proxy in this process) that sends the callbacks and the code verification to the
/// first instance and everything else to the second. The browser talks to the load balancer only.
/// </summary>
public sealed partial class TwoInstanceFixture : IAsyncLifetime
{
    private static readonly HttpClient Forward = new(new SocketsHttpHandler { AllowAutoRedirect = false, UseCookies = false });
    private WebApplication? _first;
    private WebApplication? _balancer;
    private int _toFirst;
    private int _toSecond;
    private TestProcess? _second;
    private IPlaywright? _playwright;

    public RedisServer Redis { get; private set; } = null!;

    public Uri First { get; private set; } = null!;

    public Uri Second { get; private set; } = null!;

    /// <summary>The load balancer's address: what the browser uses.</summary>
    public Uri Public { get; private set; } = null!;

    /// <summary>Requests the load balancer sent to the first and to the second instance.</summary>
    public (int First, int Second) Forwarded => (Volatile.Read(ref _toFirst), Volatile.Read(ref _toSecond));

    public IBrowser Browser { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Redis = await RedisServer.StartAsync();
        var key = Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32));
        string[] shared = ["--Redis", Redis.Configuration, "--Codes:HashKey", key];
        (_first, First) = await SampleHostFixture.StartHostAsync(shared);

        var dll = typeof(TwoInstanceFixture).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == "SampleHostAssembly").Value!;
        var start = new ProcessStartInfo("dotnet") { WorkingDirectory = SampleHostFixture.ContentRoot };
        string[] arguments = [dll, "--urls", "http://127.0.0.1:0", "--contentRoot", SampleHostFixture.ContentRoot, "--Simulators:Address", First.AbsoluteUri, "--Logging:LogLevel:Default", "Warning", .. ConnectorHost.GenerousArguments, .. shared];
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        Match ready;
        (_second, ready) = await TestProcess.StartAsync(start, OpenLine(), "second sample host", TimeSpan.FromSeconds(120));
        Second = new Uri(ready.Groups[1].Value.TrimEnd('/') + "/");
        await StartBalancerAsync();
        (_playwright, Browser) = await SampleHostFixture.LaunchChromiumAsync();
    }

    private async Task StartBalancerAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(System.Net.IPAddress.Loopback, 0));
        _balancer = builder.Build();
        _balancer.Run(async context =>
        {
            var first = ToFirst().IsMatch(context.Request.Path.Value ?? string.Empty);
            Interlocked.Increment(ref first ? ref _toFirst : ref _toSecond);
            using var request = new HttpRequestMessage(new HttpMethod(context.Request.Method), new Uri(first ? First : Second, context.Request.Path.Value!.TrimStart('/') + context.Request.QueryString));
            if (context.Request.ContentLength > 0)
            {
                request.Content = new StreamContent(context.Request.Body);
            }

            foreach (var (name, values) in context.Request.Headers)
            {
                if (!request.Headers.TryAddWithoutValidation(name, values.ToArray()))
                {
                    request.Content?.Headers.TryAddWithoutValidation(name, values.ToArray());
                }
            }

            request.Headers.Host = context.Request.Host.Value; // the instances build their URLs from it: the public address
            using var response = await Forward.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, context.RequestAborted);
            context.Response.StatusCode = (int)response.StatusCode;
            foreach (var (name, values) in response.Headers.Concat(response.Content.Headers))
            {
                context.Response.Headers[name] = values.ToArray();
            }

            context.Response.Headers.Remove("Transfer-Encoding");
            await response.Content.CopyToAsync(context.Response.Body, context.RequestAborted);
        });
        await _balancer.StartAsync();
        var address = _balancer.Services.GetRequiredService<Microsoft.AspNetCore.Hosting.Server.IServer>().Features
            .Get<Microsoft.AspNetCore.Hosting.Server.Features.IServerAddressesFeature>()!.Addresses.Single();
        Public = new Uri(address.TrimEnd('/') + "/");
    }

    public async Task DisposeAsync()
    {
        if (Browser is not null)
        {
            await Browser.CloseAsync();
        }

        _playwright?.Dispose();
        if (_balancer is not null)
        {
            await _balancer.StopAsync();
            await _balancer.DisposeAsync();
        }

        if (_second is not null)
        {
            await _second.DisposeAsync();
        }

        if (_first is not null)
        {
            await _first.StopAsync();
            await _first.DisposeAsync();
        }

        await Redis.DisposeAsync();
    }

    [GeneratedRegex(@"^Open (http://127\.0\.0\.1:\d+/?) in a browser")]
    private static partial Regex OpenLine();

    [GeneratedRegex("^/(callback/(wecom|huggingface)|email/verify)$")]
    private static partial Regex ToFirst();
}

public sealed partial class TwoInstanceTests(TwoInstanceFixture hosts) : IClassFixture<TwoInstanceFixture>, IAsyncLifetime
{
    private static readonly PageGotoOptions Committed = new() { WaitUntil = WaitUntilState.Commit };
    private IBrowserContext _context = null!;

    static TwoInstanceTests() => SetDefaultExpectTimeout(20_000);

    public async Task InitializeAsync()
    {
        _context = await hosts.Browser.NewContextAsync(new BrowserNewContextOptions { BaseURL = hosts.Public.AbsoluteUri });
    }

    public Task DisposeAsync() => _context.CloseAsync();

    private async Task<IPage> OpenAsync()
    {
        var page = await _context.NewPageAsync();
        await page.GotoAsync("/", Committed);
        await Expect(page.Locator("h1")).ToHaveTextAsync("Sign in to the Connectors sample");
        return page;
    }

    /// <summary>Signed in, on the home page the second instance serves, after the first instance handled the callback.</summary>
    private async Task AssertSignedInAsync(IPage page, string connector, string id, (int First, int Second) before)
    {
        await Expect(page).ToHaveURLAsync(hosts.Public.AbsoluteUri);
        await Expect(page.Locator("h1")).ToHaveTextAsync("Signed in");
        await Expect(page.Locator("#connector")).ToHaveTextAsync(connector);
        await Expect(page.Locator("#user-id")).ToHaveTextAsync(id);
        hosts.Forwarded.First.Should().Be(before.First + 1, "the callback went to the first instance");
        hosts.Forwarded.Second.Should().BeGreaterThan(before.Second, "the page after it came from the second");
    }

    [Fact]
    public async Task A_WeCom_sign_in_started_on_one_instance_completes_on_the_other_and_its_replay_to_the_first_is_refused()
    {
        var page = await OpenAsync();
        await page.ClickAsync("#wecom");
        await Expect(page).ToHaveURLAsync(new Regex("/sim/wecom/wwlogin/sso/login\\?"));
        var attempt = (await _context.CookiesAsync()).Single(c => c.Name.StartsWith(".Connectors.Attempt.", StringComparison.Ordinal));
        var before = hosts.Forwarded;

        var callback = await page.RunAndWaitForRequestAsync(() => page.ClickAsync("#member-lisi"), r => r.Url.Contains("/callback/wecom?", StringComparison.Ordinal));

        await AssertSignedInAsync(page, "WeCom", "lisi", before);

        // The same callback, with its attempt cookie, straight to the second instance: the first used it.
        await _context.AddCookiesAsync([new Cookie { Name = attempt.Name, Value = attempt.Value, Domain = attempt.Domain, Path = attempt.Path, HttpOnly = true, SameSite = SameSiteAttribute.Lax }]);
        var replay = await _context.NewPageAsync();
        await replay.GotoAsync(callback.Url.Replace(hosts.Public.AbsoluteUri, hosts.Second.AbsoluteUri, StringComparison.Ordinal), Committed);
        await Expect(replay.Locator("h1")).ToHaveTextAsync("You are still signed in"); // the first sign-in stands
        await Expect(replay.Locator("#error")).ToContainTextAsync("already used");
    }

    [Fact]
    public async Task A_Hugging_Face_sign_in_started_on_one_instance_completes_on_the_other()
    {
        var page = await OpenAsync();
        await page.ClickAsync("#huggingface");
        await Expect(page).ToHaveURLAsync(new Regex("/sim/huggingface/oauth/authorize\\?"));
        var before = hosts.Forwarded;

        await page.ClickAsync("#approve");

        await AssertSignedInAsync(page, "Hugging Face", "64f1e2d3c4b5a69788796a5b", before);
    }

    [Fact]
    public async Task An_email_code_sent_by_one_instance_is_verified_by_the_other()
    {
        var page = await OpenAsync();
        const string address = "two@example.com";
        await page.FillAsync("#email", address);
        await page.ClickAsync("#send-code");
        await Expect(page.Locator("#note")).ToContainTextAsync(address);

        var inbox = await _context.NewPageAsync();
        await inbox.GotoAsync(new Uri(hosts.First, "sim/mailgun/inbox").AbsoluteUri, Committed);
        var subject = inbox.Locator($".mail[data-to=\"{address}\"] .mail-subject").First;
        await Expect(subject).ToHaveTextAsync(new Regex("[0-9]{6}"));
        var code = Code().Match(await subject.InnerTextAsync()).Value;
        await page.FillAsync("#code", code);
        var before = hosts.Forwarded;
        await page.ClickAsync("#verify");

        await AssertSignedInAsync(page, "Email code (Mailgun)", "email:" + address, before);
    }

    [GeneratedRegex("[0-9]{6}")]
    private static partial Regex Code();
}
