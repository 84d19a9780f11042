using Connectors.Abstractions;
using Connectors.Abstractions.Providers;
using Microsoft.Extensions.Caching.Distributed;
using Microsoft.Extensions.Options;

namespace Connectors.WeCom;

/// <summary>Creates <see cref="WeComConnector"/>s from Logto-format JSON configs. Registered by <c>AddWeCom</c>.</summary>
public sealed class WeComConnectorFactory : ProviderConnectorFactory<WeComConfig, WeComOptions>
{
    /// <summary>The connector id, also the key of its stored config.</summary>
    public const string ConnectorId = "wecom-universal";

    /// <summary>The named <see cref="HttpClient"/> of WeCom calls.</summary>
    public const string HttpClientName = "Connectors.WeCom";

    internal const string ProviderName = "WeCom";

    internal static readonly ConnectorMetadata ConnectorMetadata = new(
        ConnectorId,
        "wecom",
        ConnectorType.Social,
        "WeCom",
        "WeCom (企业微信) is a cross-platform instant messaging app for teams, the enterprise version of WeChat. Sign in with a self-built app: inside the WeCom client through OAuth, elsewhere through WeCom's web login.",
        [
            new FormItem("corpId", "Corp ID", FormItemType.Text) { Required = true, Placeholder = "<corp-id>", Description = "The CorpID from 我的企业 (My Company) in the WeCom admin console." },
            new FormItem("agentId", "Agent ID", FormItemType.Text) { Required = true, Placeholder = "<agent-id>", Description = "The AgentId (digits) of the self-built app." },
            new FormItem("secret", "App Secret", FormItemType.Text) { Required = true, Placeholder = "<app-secret>", IsConfidential = true, Description = "The app's Secret. Logto's name 'appSecret' is accepted too." },
            new FormItem("scope", "Scope", FormItemType.MultilineText) { Placeholder = "snsapi_base", Description = "snsapi_base (default; user id only) or snsapi_privateinfo (asks the member's consent for email, mobile and avatar; only inside the WeCom client)." },
        ]);

    private readonly ApplicationTokenCache _tokens;
    private readonly string _apiBase;

    /// <summary>Creates the factory (normally through DI).</summary>
    public WeComConnectorFactory(ProviderServices services, IOptions<WeComOptions> options, IDistributedCache? distributedCache = null, ISharedTokenStore? sharedTokenStore = null)
        : base(services, options, ProviderName, HttpClientName)
    {
        _tokens = new ApplicationTokenCache(ProviderName, Options.TokenCache, services.TimeProvider, Logger, distributedCache, services.MeterFactory, sharedTokenStore);
        _apiBase = ProviderEndpoint.Combine(Options.ApiBaseAddress, string.Empty).AbsoluteUri;
    }

    /// <summary>The access-token cache shared by every WeCom connector of this factory.</summary>
    public ApplicationTokenCache TokenCache => _tokens;

    /// <inheritdoc/>
    public override ConnectorMetadata Metadata => ConnectorMetadata;

    /// <inheritdoc/>
    protected override WeComConfig? Parse(ConfigReader reader) => WeComConfig.Parse(reader);

    /// <inheritdoc/>
    protected override IConnector CreateConnector(WeComConfig config) => new WeComConnector(config, Options, _apiBase, Http, _tokens, Logger);
}
