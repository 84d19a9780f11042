using System.Reflection;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Connectors.SampleHost.Tests;

/// <summary>The README's quick start app with no edit, in its Development environment (as <c>dotnet run</c> starts it),
/// signing in through the sample host's simulated providers in Chromium.</summary>
public sealed class QuickStartTests(SampleHostFixture host) : IClassFixture<SampleHostFixture>
{
    private static readonly string Assembly = typeof(QuickStartTests).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == "QuickStartAssembly").Value!;

    static QuickStartTests() => SetDefaultExpectTimeout(20_000);

    [Fact]
    public async Task The_quick_start_app_as_it_is_signs_in_with_WeCom_and_sends_a_code_on_the_simulated_providers()
    {
        // Its appsettings.Development.json names the sample host's usual address; only that address is replaced here,
        // since this sample host runs on a port the test bound.
        var simulators = host.BaseUri.GetLeftPart(UriPartial.Authority);
        var (app, address) = await TestProcess.StartAppAsync(Assembly, "The quick start app", "--environment", "Development",
            "--ConnectorOptions:WeCom:ApiBaseAddress", $"{simulators}/sim/wecom/",
            "--ConnectorOptions:WeCom:WebLoginEndpoint", $"{simulators}/sim/wecom/wwlogin/sso/login",
            "--ConnectorOptions:WeCom:InClientAuthorizeEndpoint", $"{simulators}/sim/wecom/connect/oauth2/authorize",
            "--ConnectorOptions:HuggingFace:BaseAddress", $"{simulators}/sim/huggingface/",
            "--ConnectorOptions:Mailgun:AllowedEndpoints:0", $"{simulators}/",
            "--Connectors:Mailgun:endpoint", simulators);
        await using var _ = app;
        var context = await host.Browser.NewContextAsync(new BrowserNewContextOptions { BaseURL = address.AbsoluteUri });
        try
        {
            var page = await context.NewPageAsync();
            await page.GotoAsync("/", new PageGotoOptions { WaitUntil = WaitUntilState.Commit });
            await page.ClickAsync("text=Sign in with WeCom");
            await page.ClickAsync("#member-zhangsan");

            await Expect(page).ToHaveURLAsync(new Uri(address, "/me").AbsoluteUri);
            await Expect(page.Locator("body")).ToContainTextAsync("wwsampledemo0001|zhangsan");

            using var http = new HttpClient { BaseAddress = address };
            using var send = await http.PostAsync("/code/send", new StringContent("""{"email":"ada@example.com"}""", System.Text.Encoding.UTF8, "application/json"));
            send.StatusCode.Should().Be(System.Net.HttpStatusCode.NoContent);
            app.Output.Should().NotContain("sample-wecom-secret-not-real").And.NotContain("sample-mailgun-key-not-real");
        }
        finally
        {
            await context.CloseAsync();
        }
    }
}
