
namespace Connectors.Simulators;

/// <summary>
/// Simulated WeCom, Hugging Face and Mailgun on an ASP.NET Core host, with the request and response shapes of
/// tests/contracts: what the samples run against, and what a host's own tests or a demo server can run against.
/// They accept exactly the credentials the connectors are configured with, and keep everything in memory.
/// </summary>
public static class ProviderSimulators
{
    /// <summary>Adds the simulators' memory (<see cref="SimulatorState"/>).</summary>
    /// <param name="services">The host's services.</param>
    /// <param name="connectors">The section holding the connector configs the simulators accept: <c>WeCom</c>
    /// (<c>corpId</c>, <c>agentId</c>, <c>secret</c>), <c>HuggingFace</c> (<c>clientId</c>, <c>clientSecret</c>) and
    /// <c>Mailgun</c> (<c>domain</c>, <c>apiKey</c>), e.g. <c>configuration.GetSection("Connectors")</c>.</param>
    public static IServiceCollection AddProviderSimulators(this IServiceCollection services, IConfiguration connectors)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(connectors);
        return services.AddSingleton(new SimulatorState(connectors));
    }

    /// <summary>Maps the simulators on this host: WeCom under <c>/sim/wecom/</c> (set <c>ApiBaseAddress</c> to it,
    /// <c>WebLoginEndpoint</c> to <c>/sim/wecom/wwlogin/sso/login</c>, <c>InClientAuthorizeEndpoint</c> to
    /// <c>/sim/wecom/connect/oauth2/authorize</c>), Hugging Face under <c>/sim/huggingface/</c> (its
    /// <c>BaseAddress</c>), Mailgun at <c>/v3/{domain}/messages</c> (its <c>endpoint</c> is the host's origin) with the
    /// accepted mail at <c>/sim/mailgun/inbox</c>.</summary>
    public static IEndpointRouteBuilder MapProviderSimulators(this IEndpointRouteBuilder app)
    {
        ArgumentNullException.ThrowIfNull(app);
        WeComSimulator.Map(app);
        HuggingFaceSimulator.Map(app);
        MailgunSimulator.Map(app);
        return app;
    }
}
