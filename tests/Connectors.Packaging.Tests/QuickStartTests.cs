using System.Net;
using System.Reflection;
using System.Text;

namespace Connectors.Packaging.Tests;

/// <summary>The README's quick start (<c>samples/QuickStart</c>) runs.</summary>
public sealed class QuickStartTests
{
    [Fact]
    public async Task The_quick_start_app_refuses_to_start_on_its_placeholders_naming_each()
    {
        var start = () => StartAsync("--environment", "Production");

        var failure = (await start.Should().ThrowAsync<InvalidOperationException>()).Which.Message;
        failure.Should().Contain("The connector scheme 'wecom': The wecom-universal config is invalid: secret: is a placeholder such as <client-id>; put the real value here.")
            .And.Contain("The connector scheme 'huggingface': The huggingface-universal config is invalid: clientId: is a placeholder such as <client-id>; put the real value here; clientSecret: is a placeholder")
            .And.NotContain("   at ", "a line per problem, no stack trace");
    }

    [Fact]
    public async Task On_a_busy_port_the_quick_start_app_says_to_start_it_on_another_address()
    {
        using var busy = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        busy.Start();
        var start = () => StartAsync("--environment", "Production", "--urls", $"http://127.0.0.1:{((IPEndPoint)busy.LocalEndpoint).Port}",
            "--Connectors:WeCom:secret", "wecom-secret-from-the-environment", "--Connectors:HuggingFace:clientId", "hf-client-1", "--Connectors:HuggingFace:clientSecret", "hf-secret");

        var failure = (await start.Should().ThrowAsync<InvalidOperationException>()).Which.Message;
        failure.Should().Contain("exited with code 1").And.Contain("address already in use. Start it on another address: dotnet run --urls http://127.0.0.1:5001")
            .And.NotContain("   at ");
    }

    [Fact]
    public async Task With_real_values_the_quick_start_app_challenges_both_schemes_to_the_real_providers()
    {
        var (app, address) = await StartAsync("--environment", "Production", "--Connectors:WeCom:secret", "wecom-secret-from-the-environment",
            "--Connectors:HuggingFace:clientId", "hf-client-1", "--Connectors:HuggingFace:clientSecret", "hf-secret-from-the-environment");
        await using var _ = app;
        using var client = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = address };

        using var home = await client.GetAsync("/");
        using var wecom = await client.GetAsync("/login/wecom");
        using var huggingFace = await client.GetAsync("/login/huggingface");
        using var me = await client.GetAsync("/me");
        using var verify = await client.PostAsync("/code/verify", new StringContent("""{"email":"ada@example.com","code":"123456"}""", Encoding.UTF8, "application/json"));

        (await home.Content.ReadAsStringAsync()).Should().Contain("href=\"/login/wecom\"").And.Contain("href=\"/login/huggingface\"");
        wecom.StatusCode.Should().Be(HttpStatusCode.Redirect);
        wecom.Headers.Location!.GetLeftPart(UriPartial.Path).Should().Be("https://login.work.weixin.qq.com/wwlogin/sso/login");
        wecom.Headers.Location.Query.Should().Contain("appid=ww1234567890abcdef").And.Contain("redirect_uri=" + Uri.EscapeDataString(new Uri(address, "/signin-wecom").AbsoluteUri));
        huggingFace.StatusCode.Should().Be(HttpStatusCode.Redirect);
        huggingFace.Headers.Location!.GetLeftPart(UriPartial.Path).Should().Be("https://huggingface.co/oauth/authorize");
        huggingFace.Headers.Location.Query.Should().Contain("code_challenge_method=S256").And.Contain("client_id=hf-client-1");
        me.StatusCode.Should().Be(HttpStatusCode.Unauthorized);
        (await verify.Content.ReadAsStringAsync()).Should().Contain("\"result\":\"NonePending\"");
        app.Output.Should().NotContain("secret-from-the-environment");
    }

    /// <summary>Runs the quick start app (its build output, as <c>dotnet run</c> would) on a port it binds itself.</summary>
    private static Task<(TestProcess App, Uri Address)> StartAsync(params string[] arguments) => TestProcess.StartAppAsync(
        typeof(QuickStartTests).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == "QuickStartAssembly").Value!, "The quick start app", arguments);
}
