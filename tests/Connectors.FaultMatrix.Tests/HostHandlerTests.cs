using Connectors.HuggingFace;
using Connectors.Mailgun;
using Connectors.WeCom;
using Microsoft.Extensions.DependencyInjection;
using Polly;

namespace Connectors.FaultMatrix.Tests;

/// <summary>
/// Connectors inside the hosts .NET teams build: the Aspire service defaults add Microsoft.Extensions.Http.Resilience's
/// standard handler to every client (<c>ConfigureHttpClientDefaults</c>), which retries a POST answered 503 three
/// times; others add a Microsoft.Extensions.Http.Polly policy to named clients. A send or a code exchange must still
/// be one request, while safe calls keep the host's retries on top of the library's.
/// </summary>
[Collection(WireMockTest.Collection)]
public sealed class HostHandlerTests(WireMockFixture fixture) : WireMockTest(fixture)
{
    public const string Standard = "standard resilience handler on every client";
    public const string PollyPolicy = "Http.Polly transient-error retry on the connectors' clients";

    /// <summary>Both host handlers retry a failed request 3 more times.</summary>
    private const int HostAttempts = 4;

    private ServiceProvider Services(string host) => Scenarios.Services(WireMock.BaseUri, Logs, FaultMatrix.FaultTimeouts, services =>
    {
        if (host == Standard)
        {
            services.ConfigureHttpClientDefaults(http => http.AddStandardResilienceHandler(o => o.Retry.Delay = TimeSpan.FromMilliseconds(10)));
        }
        else
        {
            foreach (var name in new[] { WeComConnectorFactory.HttpClientName, HuggingFaceConnectorFactory.HttpClientName, MailgunConnectorFactory.HttpClientName })
            {
                services.AddHttpClient(name).AddTransientHttpErrorPolicy(p => p.WaitAndRetryAsync(3, _ => TimeSpan.FromMilliseconds(10)));
            }
        }
    });

    [Theory]
    [InlineData(Standard, "mailgun", "/v3/example.com/messages", """{ "status": 503, "body": "Service Unavailable" }""")]
    [InlineData(Standard, "mailgun", "/v3/example.com/messages", """{ "fault": "CONNECTION_RESET_BY_PEER" }""")]
    [InlineData(Standard, "huggingface", "/oauth/token", """{ "status": 503, "body": "Service Unavailable" }""")]
    [InlineData(Standard, "huggingface", "/oauth/token", """{ "fault": "CONNECTION_RESET_BY_PEER" }""")]
    [InlineData(PollyPolicy, "mailgun", "/v3/example.com/messages", """{ "status": 503, "body": "Service Unavailable" }""")]
    [InlineData(PollyPolicy, "mailgun", "/v3/example.com/messages", """{ "fault": "CONNECTION_RESET_BY_PEER" }""")]
    [InlineData(PollyPolicy, "huggingface", "/oauth/token", """{ "status": 503, "body": "Service Unavailable" }""")]
    [InlineData(PollyPolicy, "huggingface", "/oauth/token", """{ "fault": "CONNECTION_RESET_BY_PEER" }""")]
    public async Task A_send_or_a_code_exchange_is_one_request_under_the_hosts_retrying_handler(string host, string provider, string path, string response)
    {
        foreach (var contract in Scenarios.Contracts[provider])
        {
            await WireMock.LoadContractAsync(contract);
        }

        await WireMock.StubAsync($$"""{ "priority": 1, "request": { "method": "POST", "urlPath": "{{path}}" }, "response": {{response}} }""");
        using var services = Services(host);
        var run = await Scenarios.PrepareAsync(provider, services, WireMock.BaseUri);

        var error = (await FluentActions.Awaiting(run).Should().ThrowAsync<ConnectorException>()).Which;

        error.Code.Should().Be(ConnectorErrorCode.General);
        await WireMock.StableCountAsync("POST", path);
        (await WireMock.CountAsync("POST", path)).Should().Be(1, "a request that is not safe to repeat is sent once, whatever the host's handlers");
    }

    [Theory]
    [InlineData(Standard)]
    [InlineData(PollyPolicy)]
    public async Task A_safe_call_keeps_the_hosts_retries_on_top_of_the_librarys(string host)
    {
        foreach (var contract in Scenarios.Contracts["wecom"])
        {
            await WireMock.LoadContractAsync(contract);
        }

        await WireMock.StubAsync("""{ "priority": 1, "request": { "method": "GET", "urlPath": "/cgi-bin/gettoken" }, "response": { "status": 503, "body": "Service Unavailable" } }""");
        using var services = Services(host);
        var run = await Scenarios.PrepareAsync("wecom", services, WireMock.BaseUri);

        await FluentActions.Awaiting(run).Should().ThrowAsync<ConnectorException>();

        (await WireMock.StableCountAsync("GET", "/cgi-bin/gettoken")).Should().Be((1 + FaultMatrix.Retries) * HostAttempts, "each of the library's attempts goes through the host's retries");
    }

    [Theory]
    [InlineData(Standard)]
    [InlineData(PollyPolicy)]
    public async Task A_sign_in_and_a_send_work_under_the_hosts_handlers(string host)
    {
        foreach (var contract in Scenarios.Contracts["huggingface"].Concat(Scenarios.Contracts["mailgun"]))
        {
            await WireMock.LoadContractAsync(contract);
        }

        using var services = Services(host);

        (await (await Scenarios.PrepareAsync("huggingface", services, WireMock.BaseUri))()).User!.Id.Should().Be("64f1e2d3c4b5a69788796a5b");
        await (await Scenarios.PrepareAsync("mailgun", services, WireMock.BaseUri))();
        (await WireMock.CountAsync("POST", "/v3/example.com/messages")).Should().Be(1);
    }
}
