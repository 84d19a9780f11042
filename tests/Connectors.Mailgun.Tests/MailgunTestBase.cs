using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;

namespace Connectors.Mailgun.Tests;

public abstract class MailgunTestBase(WireMockFixture fixture) : WireMockTest(fixture), IDisposable
{
    protected const string ApiKey = "mailgun-key-S3CR3T";
    protected const string Code = "483920";
    protected const string MessageId = "<20260101000000.1.ABCDEF@example.com>";
    private readonly List<ServiceProvider> _providers = [];

    /// <summary>The connectors' clock (Retry-After dates, HTTP timeouts): no timeout fires unless a test moves it.</summary>
    protected ManualTimeProvider Time { get; } = new();

    protected ServiceProvider Services(Action<MailgunOptions>? configure = null, Action<IServiceCollection>? services = null)
    {
        var provider = ConnectorHost.Build(Logs, b =>
        {
            b.AddMailgun(o =>
            {
                o.AllowedEndpoints.Add(WireMock.BaseUri);
                o.Http.RetryBaseDelay = TimeSpan.Zero; // timers run on the manual clock: a retry must not wait for one
                configure?.Invoke(o);
            });
            services?.Invoke(b.Services);
        }, Time);
        _providers.Add(provider);
        return provider;
    }

    protected string Config(string deliveries, string? endpoint = null) => $$"""
        {
          "endpoint": "{{endpoint ?? WireMock.BaseUri.AbsoluteUri}}",
          "domain": "example.com",
          "apiKey": "mailgun-key-S3CR3T",
          "from": "Example Sign-in <noreply@example.com>",
          "deliveries": {{deliveries}}
        }
        """;

    protected IEmailConnector Connector(string deliveries, Action<MailgunOptions>? configure = null) =>
        Services(configure).Create<IEmailConnector>(MailgunConnectorFactory.ConnectorId, Config(deliveries));

    protected static EmailMessage Message(UsageType type, string? link = null, string? locale = null, JsonObject? extra = null, string to = "ada@example.com") =>
        new(to, type, new EmailPayload { Code = Code, Link = link, Locale = locale, Extra = extra });

    protected async Task<ReceivedRequest> SendAndReceiveAsync(IEmailConnector connector, EmailMessage message)
    {
        await WireMock.LoadContractAsync("mailgun/messages.json");
        var result = await connector.SendAsync(message);
        result.MessageId.Should().Be(MessageId);
        var request = (await WireMock.GetRequestsAsync()).Should().ContainSingle().Subject;
        request.Method.Should().Be("POST");
        request.Path.Should().Be("/v3/example.com/messages");
        request.Header("Authorization").Should().Be("Basic " + Convert.ToBase64String("api:mailgun-key-S3CR3T"u8.ToArray()));
        request.Header("Content-Type").Should().StartWith("application/x-www-form-urlencoded");
        return request;
    }

    public void Dispose() => _providers.ForEach(p => p.Dispose());
}
