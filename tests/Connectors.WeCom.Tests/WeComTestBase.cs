using Microsoft.Extensions.DependencyInjection;

namespace Connectors.WeCom.Tests;

public abstract class WeComTestBase(WireMockFixture fixture) : WireMockTest(fixture), IDisposable
{
    protected const string CorpId = "ww-corp-1";
    protected const string Secret = "wecom-secret-S3CR3T";
    protected const string Token1 = "wecom-token-ACCESS1";
    protected const string Token2 = "wecom-token-ACCESS2";
    protected const string Ticket = "ticket-T1CKET";

    protected const string ConfigJson = """{ "corpId": "ww-corp-1", "agentId": "1000002", "secret": "wecom-secret-S3CR3T" }""";

    /// <summary>Every value that must never be logged or shown.</summary>
    protected static readonly string[] Secrets = [Secret, Token1, Token2, Ticket, "code-member-ticket", "code-member", "code-external"];

    private readonly List<ServiceProvider> _providers = [];

    /// <summary>The clock of the connectors: token expiry and the HTTP timeouts. It moves only when a test moves it,
    /// so no timeout fires in a test that does not ask for one, however slow the machine.</summary>
    protected ManualTimeProvider Time { get; } = new();

    protected ServiceProvider Services(Action<WeComOptions>? configure = null, Action<IServiceCollection>? services = null)
    {
        var provider = ConnectorHost.Build(Logs, b =>
        {
            services?.Invoke(b.Services);
            b.AddWeCom(o =>
            {
                o.ApiBaseAddress = WireMock.BaseUri;
                o.Http.RetryBaseDelay = TimeSpan.Zero; // timers run on the manual clock: retries must not wait for one
                configure?.Invoke(o);
            });
        }, Time);
        _providers.Add(provider);
        return provider;
    }

    protected ISocialConnector Connector(string config = ConfigJson, Action<WeComOptions>? configure = null) =>
        Services(configure).Create<ISocialConnector>(WeComConnectorFactory.ConnectorId, config);

    protected static SocialCallback Callback(string code) => SocialCallback.FromQueryString($"code={code}&state=abc");

    protected async Task LoadHappyPathAsync()
    {
        foreach (var file in new[] { "gettoken", "getuserinfo", "user-get", "getuserdetail" })
        {
            await WireMock.LoadContractAsync($"wecom/{file}.json");
        }
    }

    public void Dispose()
    {
        foreach (var provider in _providers)
        {
            provider.Dispose();
        }
    }
}
